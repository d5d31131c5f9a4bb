"""What a transformer receives and returns."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sourcesense.errors import check_stop

# Entities written so far by the transformer (a running total, not an increment).
Progress = Callable[[int], None]


def no_progress(entities: int) -> None:
    """The default: progress goes nowhere (a transformer run outside a workflow)."""


@dataclass
class TransformContext:
    run_dir: Path
    out_dir: Path  # transformed/<name>/, empty; write files here
    manifest: dict[str, Any]
    options: dict[str, str] = field(default_factory=dict)
    # False for a full refresh: nothing may be copied from an earlier run.
    incremental: bool = True
    # Set when the step is cancelled: a transformer checks it between entities (check_stop).
    stop: threading.Event | None = None
    # Report how many entities have been written so far, e.g. after each batch; the caller
    # throttles (about once a second reaches the workflow), so calling it often is cheap.
    # Optional for a transformer: the step reports its final count in any case.
    progress: Progress = no_progress

    def check_stop(self) -> None:
        check_stop(self.stop)


@dataclass
class TransformOutput:
    files: int = 0
    entities: int = 0
    warnings: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)  # added to the manifest entry


Transformer = Callable[[TransformContext], TransformOutput]


def write_json_lines(path: Path, records: list[dict[str, Any]]) -> None:
    """JSON lines, one record per line (the caller's folder is staged and renamed whole)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
