"""JSON-lines output that the next run can copy relation by relation, without parsing it.

LineFiles writes lines into files under a folder and remembers where each relation's lines
are: one index row per run of consecutive lines of one relation in one file (its byte range
and how many lines it holds). PreviousLines reads such an index back and hands
out the byte ranges of the relations that may be reused.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pyarrow as pa
import pyarrow.parquet as pq

from sourcesense.incremental.fingerprints import keep_keys
from sourcesense.incremental.reuse import Reuse
from sourcesense.store.rundir import write_table

_FIELDS: list[tuple[str, pa.DataType]] = [
    ("file", pa.string()), ("relation", pa.string()), ("offset", pa.int64()),
    ("length", pa.int64()), ("lines", pa.int64()),
]  # fmt: skip
INDEX_SCHEMA: pa.Schema = pa.schema(_FIELDS)
_BUFFER = 1 << 20


@dataclass
class _Run:
    """Consecutive lines of one relation in one file."""

    file: str
    relation: str | None
    offset: int
    length: int
    lines: int


class LineFiles:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.handles: dict[str, BinaryIO] = {}
        self.runs: list[_Run] = []
        self._latest: dict[str, _Run] = {}  # file -> its latest run
        self.lines = 0

    def files(self) -> list[str]:
        return list(self.handles)

    def write(self, file: str, relation: str | None, line: str) -> None:
        self.copy(file, relation, 1, line.encode() + b"\n")

    def copy(self, file: str, relation: str | None, lines: int, data: bytes) -> None:
        """Append `lines` whole lines (`data` ends with a newline)."""
        handle = self._handle(file)
        latest = self._latest.get(file)
        if relation is not None and latest is not None and latest.relation == relation:
            latest.length += len(data)
            latest.lines += lines
        else:
            latest = _Run(file, relation, handle.tell(), len(data), lines)
            self.runs.append(latest)
            self._latest[file] = latest
        handle.write(data)
        self.lines += lines

    def close(self, index: Path) -> None:
        """Close the files and write the index of their relations' lines to `index`."""
        for handle in self.handles.values():
            handle.close()
        columns = {name: [getattr(run, name) for run in self.runs] for name in INDEX_SCHEMA.names}
        write_table(index, pa.Table.from_pydict(columns, INDEX_SCHEMA))

    def _handle(self, file: str) -> BinaryIO:
        if file not in self.handles:
            path = self.folder / file
            path.parent.mkdir(parents=True, exist_ok=True)
            # A large buffer: lines come a relation at a time, each run below 8 KiB or not,
            # and a write call per run costs more than the copy.
            self.handles[file] = path.open("wb", buffering=_BUFFER)
        return self.handles[file]


class PreviousLines:
    """The lines of the relations `reuse` may copy from the previous run's LineFiles in
    `folder`, indexed by `index` (both relative to a run dir)."""

    def __init__(self, reuse: Reuse, folder: str, index: Path) -> None:
        self.handles: dict[str, BinaryIO] = {}
        self.ranges: dict[tuple[str, str], list[tuple[int, int, int]]] = {}
        self.folder = Path(folder)
        if not reuse.keys or reuse.previous is None:
            return
        self.folder = reuse.previous / folder
        table = keep_keys(pq.read_table(reuse.previous / index), reuse.keys, ["relation"])
        for row in table.to_pylist():
            found = self.ranges.setdefault((row["file"], row["relation"]), [])
            found.append((row["offset"], row["length"], row["lines"]))

    def has(self, file: str, relation: str) -> bool:
        return (file, relation) in self.ranges

    def take(self, file: str, relation: str) -> Iterator[tuple[int, bytes]]:
        """(how many lines, the lines) of `relation` in `file`; nothing if it had none there."""
        for offset, length, lines in self.ranges.pop((file, relation), []):
            if file not in self.handles:
                self.handles[file] = (self.folder / file).open("rb")
            self.handles[file].seek(offset)
            yield lines, self.handles[file].read(length)

    def close(self) -> None:
        for handle in self.handles.values():
            handle.close()
