"""Profile attributes and PII tags of Column lines, built by Arrow (the JSON text profiles.py's
profile_attributes gives, as json.dumps writes it): a profiled catalog gets no Python work
per column either, save the rare values Arrow cannot lay out as Python does."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from sourcesense.incremental.fingerprints import key_column
from sourcesense.transform.atlan.columnar import (
    floats,
    join,
    number,
    optional,
    quoted,
    whole_array,
)

# A number as PostgreSQL prints numeric and integer values: Arrow parses these exactly as
# float() does; anything else (NaN, Infinity) goes through float() itself.
_PLAIN_NUMBER = r"^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$"
_EXACT = 2**53  # below this, a rounded double converts to int64 exactly


def batch_fragments(
    table: pa.Table, quality: Mapping[str, str], numeric_type: str, tags: Mapping[str, str]
) -> tuple[Any, Any, Any]:
    """(`relation key\\x1fcolumn`, attributes text, classifications text) of each row."""
    keys = join([key_column(table), "\x1f", table.column("column_name")])
    parts = [optional(atlan, _value(name, table.column(name))) for name, atlan in quality.items()]
    ratio = pc.coalesce(table.column("null_ratio"), table.column("null_fraction"))
    parts.append(optional("columnMissingValuesPercentage", floats(pc.multiply(ratio, 100.0))))
    parts.append(_bounds(table, numeric_type))
    return keys, join(parts), _classes(table.column("pii_class"), tags)


def _value(name: str, values: Any) -> Any:
    values = whole_array(values)
    if name == "n_distinct":
        return _rounded(values)
    return floats(values) if pa.types.is_floating(values.type) else number(values)


def _rounded(values: Any) -> Any:
    """round(value) as Python writes it: half to even, an int."""
    values = whole_array(values)
    rounded = pc.round(values, ndigits=0, round_mode="half_to_even")
    exact: Any = pc.fill_null(pc.less(pc.abs(rounded), pa.scalar(float(_EXACT))), pa.scalar(True))
    text = pc.cast(pc.cast(pc.if_else(exact, rounded, None), pa.int64()), pa.string())
    others = pc.and_(pc.is_valid(values), pc.invert(exact))
    if not pc.any(others).as_py():
        return text
    found = [json.dumps(round(value)) for value in pc.filter(values, others).to_pylist()]
    return pc.replace_with_mask(text, others, pa.array(found, pa.string()))


def _bounds(table: pa.Table, numeric_type: str) -> Any:
    """Numbers in columnMin/columnMax for numeric types, texts in columnMins/columnMaxs."""
    types: Any = pc.fill_null(table.column("data_type"), pa.scalar(""))
    numeric = pc.match_substring_regex(types, numeric_type)
    low, high = table.column("min_value"), table.column("max_value")
    as_numbers = join([
        optional("columnMin", floats(_parsed(low, numeric))),
        optional("columnMax", floats(_parsed(high, numeric))),
    ])  # fmt: skip
    as_texts = join([
        optional("columnMins", join(["[", quoted(low), "]"])),
        optional("columnMaxs", join(["[", quoted(high), "]"])),
    ])  # fmt: skip
    return pc.if_else(numeric, as_numbers, as_texts)


def _parsed(texts: Any, numeric: Any) -> Any:
    """float(text) where finite, of the numeric rows; null elsewhere."""
    texts, numeric = whole_array(texts), whole_array(numeric)
    plain = pc.fill_null(pc.match_substring_regex(texts, _PLAIN_NUMBER), False)
    values = pc.cast(pc.if_else(pc.and_(numeric, plain), texts, None), pa.float64())
    others = pc.and_(pc.and_(numeric, pc.is_valid(texts)), pc.invert(plain))
    if pc.any(others).as_py():
        found = [_number(text) for text in pc.filter(texts, others).to_pylist()]
        values = pc.replace_with_mask(values, others, pa.array(found, pa.float64()))
    finite: Any = pc.fill_null(pc.is_finite(values), pa.scalar(False))
    return pc.if_else(finite, values, None)


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _classes(classes: Any, tags: Mapping[str, str]) -> Any:
    names = [name for name, tag in tags.items() if tag]
    if not names:
        return pa.repeat(pa.scalar(""), len(classes))
    texts = [
        ', "classifications": ' + json.dumps([{"typeName": tags[name]}], ensure_ascii=False)
        for name in names
    ]
    found = pc.index_in(classes, value_set=pa.array(names, pa.string()))
    taken: Any = pc.take(pa.array(texts, pa.string()), found)
    return pc.fill_null(taken, pa.scalar(""))
