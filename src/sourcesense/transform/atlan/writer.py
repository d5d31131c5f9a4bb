"""Streaming entity lines into transformed/atlan/<typeName>/entities.json and bulk batches."""

from __future__ import annotations

import json
from pathlib import Path

from sourcesense.incremental.lines import LineFiles, PreviousLines
from sourcesense.transform.atlan.columnar import Lines
from sourcesense.transform.atlan.common import Entity


class EntityWriter:
    """Streams entities into transformed/atlan/<typeName>/entities.json (and bulk batches):
    a catalog of 200,000 columns never sits in memory whole. An entity given as None is
    copied, as it was, from the previous run's file, with the previous run's sync attributes
    (`sync`: old fragment, new fragment) swapped for this run's. Names are kept only when
    asked for."""

    def __init__(
        self, folder: Path, batch_size: int, previous: PreviousLines, keep_names: bool,
        sync: tuple[bytes, bytes] = (b"", b""),
    ) -> None:  # fmt: skip
        self.folder, self.batch_size, self.previous = folder, batch_size, previous
        self.lines = LineFiles(folder)
        self.names: set[tuple[str, str]] | None = set() if keep_names else None
        self.batch: list[str] = []
        self.batches = 0
        self.sync = sync

    @property
    def files(self) -> int:
        return len(self.lines.files()) + self.batches

    def add(self, relation: str | None, type_name: str, entity: Entity | Lines | None) -> None:
        file = f"{type_name}/entities.json"
        if isinstance(entity, Lines):
            self._add_lines(file, type_name, entity)
            return
        if entity is None:
            assert relation is not None
            for count, found in self.previous.take(file, relation):
                data = self._resynced(found)
                self.lines.copy(file, relation, count, data)
                if self.batch_size > 0 or self.names is not None:
                    for line in data.decode("utf-8").splitlines():
                        self._remember(type_name, line, None)
            return
        line = json.dumps(entity, ensure_ascii=False)
        self.lines.write(file, relation, line)
        self._remember(type_name, line, entity)

    def _add_lines(self, file: str, type_name: str, lines: Lines) -> None:
        """Lines built by Arrow: written a relation's run at a time."""
        for relation, count, data in lines.runs:
            self.lines.copy(file, relation, count, data)
        if self.batch_size > 0 or self.names is not None:
            for line in lines.split():
                self._remember(type_name, line, None)

    def _resynced(self, data: bytes) -> bytes:
        old, new = self.sync
        return data.replace(old, new) if old and old != new else data

    def _remember(self, type_name: str, line: str, entity: Entity | None) -> None:
        if self.names is not None:
            found = entity or json.loads(line)
            self.names.add((type_name, found["attributes"]["qualifiedName"]))
        self._to_batch(line)

    def _to_batch(self, line: str) -> None:
        if self.batch_size > 0:
            self.batch.append(line)
            if len(self.batch) >= self.batch_size:
                self._flush_batch()

    def _flush_batch(self) -> None:
        """Bulk-API payloads, parents before children so batches can be posted in order."""
        if not self.batch:
            return
        self.batches += 1
        folder = self.folder / "bulk"
        folder.mkdir(exist_ok=True)
        # What json.dumps({"entities": [...]}) writes, from the entities' own lines.
        payload = '{"entities": [' + ", ".join(self.batch) + "]}"
        (folder / f"batch-{self.batches:05d}.json").write_text(payload, encoding="utf-8")
        self.batch = []

    def close(self, index: Path) -> None:
        self._flush_batch()
        self.lines.close(index)
