"""JSON entity lines built by Arrow, a column at a time: the same bytes as json.dumps(entity,
ensure_ascii=False) of each row's dict, without a dict or a dumps per row.

A line is the element-wise concatenation of string columns: constant text, per-relation
fragments (json.dumps of the relation's attributes, taken by relation index) and per-row
values escaped as json.dumps escapes them. An attribute whose value is null is left out, as
entity() leaves out None.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

# What json.dumps(ensure_ascii=False) escapes: the backslash first, then quote and controls.
_SHORT_ESCAPES = [
    ("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"), ("\b", "\\b"),
    ("\f", "\\f"),
]  # fmt: skip
_CONTROL = r"[\x00-\x1f]"


@dataclass
class Lines:
    """Entity lines already encoded: runs of consecutive lines of one relation, as
    (relation key, line count, the lines each ending with a newline)."""

    runs: list[tuple[str, int, bytes]]

    def split(self) -> Iterator[str]:
        """Each line (not splitlines(): json.dumps leaves U+2028 and the like unescaped)."""
        for _, _, data in self.runs:
            yield from data.decode("utf-8").split("\n")[:-1]


def escaped(array: Any) -> Any:
    """The JSON string body of every value (without the quotes); nulls stay null."""
    for old, new in _SHORT_ESCAPES:
        array = pc.replace_substring(array, old, new)
    if len(array) and pc.any(pc.match_substring_regex(array, _CONTROL)).as_py():
        for code in range(0x20):
            if chr(code) not in "\n\r\t\b\f":
                array = pc.replace_substring(array, chr(code), f"\\u{code:04x}")
    return array


def quoted(array: Any) -> Any:
    return join(['"', escaped(array), '"'])


def number(array: Any) -> Any:
    return pc.cast(array, pa.string())


def boolean(array: Any) -> Any:
    return pc.if_else(array, "true", "false")


def optional(name: str, value: Any) -> Any:
    """`, "name": value`, or nothing where value is null."""
    return pc.fill_null(join([f', "{name}": ', value]), "")


def join(parts: list[Any]) -> Any:
    """Element-wise concatenation; null where any part is null."""
    return pc.binary_join_element_wise(*parts, "")


def runs_of(
    lines: Any, relation_index: Any, relation_keys: list[str]
) -> list[tuple[str, int, bytes]]:
    """Split the lines (each ending with a newline) into runs of one relation each: Python
    works per run, never per line."""
    if not len(lines):
        return []
    lines = pa.concat_arrays(lines.chunks) if isinstance(lines, pa.ChunkedArray) else lines
    lines = lines.cast(pa.large_string())
    index = (
        relation_index.combine_chunks()
        if isinstance(relation_index, pa.ChunkedArray)
        else relation_index
    )
    changed = pc.not_equal(index.slice(1), index.slice(0, len(index) - 1))
    breaks: list[int] = pc.add(pc.indices_nonzero(changed), 1).to_pylist()  # type: ignore[assignment]
    starts = [0, *breaks, len(index)]
    all_offsets = pa.Array.from_buffers(
        pa.int64(), len(lines) + 1, [None, lines.buffers()[1]], offset=lines.offset
    )
    offsets: list[int] = pc.take(all_offsets, pa.array(starts, pa.int64())).to_pylist()  # type: ignore[assignment]
    owners = pc.take(index, pa.array(starts[:-1], pa.int64())).to_pylist()
    blob = lines.buffers()[2].to_pybytes()
    return [
        (relation_keys[owner], end - start, blob[offsets[n] : offsets[n + 1]])
        for n, (owner, start, end) in enumerate(zip(owners, starts, starts[1:], strict=False))
    ]


def floats(values: Any) -> Any:
    """Doubles as json.dumps writes them (Python's repr). Arrow prints the same shortest digits
    but lays some out differently (3 for 3.0, 1e-7 for 1e-07, 0.00001 for 1e-05): its text is
    kept where the layouts agree (fixed notation between 1e-4 and 1e16), and Python formats
    the few others."""
    values = whole_array(values)
    text = pc.cast(values, pa.string())
    absolute = pc.abs(values)
    fixed: Any = pc.and_(
        pc.invert(pc.match_substring(text, "e")),
        pc.and_(pc.greater_equal(absolute, pa.scalar(1e-4)), pc.less(absolute, pa.scalar(1e16))),
    )
    fixed = pc.fill_null(fixed, pa.scalar(False))
    whole = pc.and_(fixed, pc.invert(pc.match_substring(text, ".")))
    text = pc.if_else(whole, join([text, ".0"]), text)
    others = pc.and_(pc.is_valid(values), pc.invert(fixed))
    if not pc.any(others).as_py():
        return text
    found = [json.dumps(value) for value in pc.filter(values, others).to_pylist()]
    return pc.replace_with_mask(text, others, pa.array(found, pa.string()))


def whole_array(values: Any) -> Any:
    """One Array of a ChunkedArray (replace_with_mask takes no chunked mask)."""
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
