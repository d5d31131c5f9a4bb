"""Column profiles as Atlan Column attributes, typed as pyatlan's Column model declares
them, and PII classes as Atlan tags."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from sourcesense.errors import ConfigError
from sourcesense.incremental.fingerprints import keep_keys
from sourcesense.quality.pii import PII_CLASSES
from sourcesense.transform.atlan.profile_columns import batch_fragments

# quality/column_profiles.parquet field -> Atlan Column attribute; min and max are typed below.
QUALITY_ATTRIBUTES = {
    "n_distinct": "columnDistinctValuesCountLong",
    "null_count": "columnMissingValuesCountLong",
    "mean": "columnMean",
    "stddev": "columnStandardDeviation",
    "avg_length": "columnAverageLength",
    "max_length": "columnMaximumStringLength",
    "min_length": "columnMinimumStringLength",
}
# columnMin/columnMax are floats in Atlan: only numeric types' values go there. Other types'
# sampled bounds go to columnMins/columnMaxs, Atlan's sets of strings.
NUMERIC_TYPE = re.compile(
    r"^(smallint|integer|bigint|numeric|decimal|real|double precision)(\([0-9, ]+\))?$"
)
DEFAULT_PII_TAGS: dict[str, str] = {
    "email": "PII Email",
    "phone": "PII Phone",
    "person_name": "PII Person Name",
    "address": "PII Address",
    "card_number": "PII Card Number",
    "national_id": "PII National ID",
}


class ProfileFragments:
    """Per column (`relation key\x1fcolumn`), the JSON text of its profile attributes and of
    its PII tags inside its entity line; empty for a column without them."""

    def __init__(self, keys: Any, attributes: Any, classes: Any) -> None:
        self.keys, self._attributes, self._classes = keys, attributes, classes

    def parts(self, columns: Any) -> tuple[Any, Any]:
        """(attributes text, classifications text) of each column: one lookup for both."""
        if not len(self.keys):
            return "", ""
        found = pc.index_in(columns, value_set=self.keys)
        return (
            pc.fill_null(pc.take(self._attributes, found), ""),
            pc.fill_null(pc.take(self._classes, found), ""),
        )


def pii_tags(option: str | None) -> dict[str, str]:
    """The tag per PII class: the defaults, overridden by `class=Tag name,...` (an empty
    name exports no tag for that class). Unknown classes are refused."""
    tags = dict(DEFAULT_PII_TAGS)
    for part in (option or "").split(","):
        if not part.strip():
            continue
        pii_class, _, name = part.partition("=")
        if pii_class.strip() not in PII_CLASSES:
            known = ", ".join(PII_CLASSES)
            raise ConfigError(f"unknown PII class {pii_class.strip()!r} (known: {known})")
        tags[pii_class.strip()] = name.strip()
    return tags


def profile_fragments(
    run_dir: Path, only: set[str] | None, tags: Mapping[str, str]
) -> ProfileFragments:
    """The profiles that give a column attributes or tags: Python works only on those rows
    (a run without statistics or sampling has none)."""
    fields = ["catalog_name", "schema_name", "table_name", "column_name", "data_type",
              "null_fraction", "null_ratio", "min_value", "max_value", "pii_class",
              *QUALITY_ATTRIBUTES]  # fmt: skip
    path = run_dir / "quality" / "column_profiles.parquet"
    if not path.exists():
        return ProfileFragments([], [], [])
    found: list[tuple[Any, Any, Any]] = []
    # A record batch at a time: on a catalog without profiling, nothing but nulls to skip.
    for batch in pq.ParquetFile(path).iter_batches(batch_size=50_000, columns=fields):
        table = pa.Table.from_batches([batch])
        if only is not None:
            table = keep_keys(table, only)
        valued: Any = pc.is_valid(table.column(fields[5]))
        for name in fields[6:]:
            valued = pc.or_(valued, pc.is_valid(table.column(name)))
        table = table.filter(valued)
        if table.num_rows:
            found.append(batch_fragments(table, QUALITY_ATTRIBUTES, NUMERIC_TYPE.pattern, tags))
    if not found:
        return ProfileFragments(pa.array([], pa.string()), None, None)
    # Reversed: index_in finds a column's first row, and the last one wins, as it did in a dict.
    keys, attributes, classes = (
        pa.concat_arrays([_array(f[i]) for f in found])[::-1] for i in range(3)
    )
    return ProfileFragments(keys, attributes, classes)


def _array(values: Any) -> Any:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def profile_attributes(row: dict[str, Any]) -> dict[str, Any]:
    attributes = {atlan: row.get(name) for name, atlan in QUALITY_ATTRIBUTES.items()}
    if attributes["columnDistinctValuesCountLong"] is not None:
        attributes["columnDistinctValuesCountLong"] = round(
            attributes["columnDistinctValuesCountLong"]
        )
    ratio = row["null_ratio"] if row["null_ratio"] is not None else row["null_fraction"]
    if ratio is not None:
        attributes["columnMissingValuesPercentage"] = ratio * 100
    attributes |= _bounds(row["data_type"], row["min_value"], row["max_value"])
    return {k: v for k, v in attributes.items() if v is not None}


def _bounds(data_type: str | None, low: str | None, high: str | None) -> dict[str, Any]:
    """Sampled min and max: numbers for numeric types, text in the set attributes otherwise;
    a numeric value that is not a finite number (NaN, Infinity) is left out."""
    if NUMERIC_TYPE.match(data_type or ""):
        return {"columnMin": _number(low), "columnMax": _number(high)}
    return {
        "columnMins": [low] if low is not None else None,
        "columnMaxs": [high] if high is not None else None,
    }


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None
