"""The openlineage transformer: events.jsonl, reusing unchanged relations' lines, then the
optional delivery to an OpenLineage endpoint."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sourcesense.errors import TransformError
from sourcesense.incremental.lines import LineFiles, PreviousLines
from sourcesense.incremental.reuse import Reuse, commit, plan_reuse
from sourcesense.transform.context import TransformContext, TransformOutput
from sourcesense.transform.openlineage.delivery import deliver
from sourcesense.transform.openlineage.events import Event, namespace, relation_events, run_uuid
from sourcesense.transform.openlineage.facets import OPENLINEAGE_VERSION

# Bumped when the events' content changes, so a previous run's lines are not copied.
EVENTS_VERSION = 2
_EVENTS = "events.jsonl"
_INDEX = Path("incremental") / "openlineage.lines.parquet"
_TIME_PREFIX = b'{"eventTime": "'


def transform_openlineage(ctx: TransformContext) -> TransformOutput:
    """Events of every table and view. Those of relations unchanged since the previous run are
    copied from it with this run's eventTime and runIds (sourcesense.incremental)."""
    signature = {"openlineage": OPENLINEAGE_VERSION, "events": EVENTS_VERSION}
    reuse = plan_reuse(ctx.run_dir, "openlineage", signature, ctx.incremental,
                       reads=["lineage", "data_quality"])  # fmt: skip
    previous = PreviousLines(reuse, "transformed/openlineage", _INDEX)
    reused = frozenset(key for key in reuse.keys if previous.has(_EVENTS, key))
    lines = LineFiles(ctx.out_dir)
    event_time = ctx.manifest.get("finished_at") or ctx.manifest["started_at"]
    rewrite = _Rewrite(reuse, ctx.manifest, event_time)
    try:
        for key, events in relation_events(ctx.run_dir, ctx.manifest, reused, event_time):
            ctx.check_stop()
            if events is None:
                for count, data in previous.take(_EVENTS, key):
                    lines.copy(_EVENTS, key, count, rewrite(key, data))
            else:
                for event in events:
                    lines.write(_EVENTS, key, json.dumps(event, ensure_ascii=False))
            ctx.progress(lines.lines)
    finally:
        lines.close(ctx.run_dir / _INDEX)
        previous.close()
    # An empty scope has no event: its file is still there, empty, like any other output.
    ctx.out_dir.mkdir(parents=True, exist_ok=True)
    (ctx.out_dir / _EVENTS).touch()
    files = {f"transformed/openlineage/{_EVENTS}": ctx.out_dir / _EVENTS}
    commit(ctx.run_dir, reuse, files | {str(_INDEX): ctx.run_dir / _INDEX})
    output = TransformOutput(files=1, entities=lines.lines)
    url = ctx.options.get("openlineage_url")
    if url:
        delivery, warning = deliver(ctx.out_dir / _EVENTS, url, ctx.check_stop)
        output.details["delivery"] = delivery
        output.warnings += [warning] if warning else []
    return output


class _Rewrite:
    """A previous run's lines of a relation with this run's eventTime and runIds."""

    def __init__(self, reuse: Reuse, manifest: dict[str, Any], event_time: str) -> None:
        self.previous_run_id = reuse.previous_run_id or ""
        self.run_id = manifest["run_id"]
        self.ns = namespace(manifest)
        self.event_time = event_time.encode()

    def __call__(self, key: str, data: bytes) -> bytes:
        name = key.replace("\x1f", ".")
        # The job's runId derives from the run id; no other text of an event can equal it.
        old = run_uuid(self.previous_run_id, self.ns, name).encode()
        data = data.replace(old, run_uuid(self.run_id, self.ns, name).encode())
        out = []
        for line in data.splitlines(keepends=True):
            end = line.find(b'"', len(_TIME_PREFIX))
            if not line.startswith(_TIME_PREFIX) or end < 0:
                # Events are written by the same code version (part of the signature).
                raise TransformError(f"the previous run's event of {name} cannot be copied")
            out.append(_TIME_PREFIX + self.event_time + line[end:])
        return b"".join(out)


def build_events(run_dir: Path, manifest: dict[str, Any]) -> list[Event]:
    """Every event of a run, computed (none copied)."""
    event_time = manifest.get("finished_at") or manifest["started_at"]
    found = relation_events(run_dir, manifest, frozenset(), event_time)
    return [event for _, events in found for event in events or []]
