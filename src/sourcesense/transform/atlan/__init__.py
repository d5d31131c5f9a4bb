"""Atlan entities: one JSON entity per line under transformed/atlan/<typeName>/entities.json.

Conventions: the connection is `default/postgres/<epoch seconds of the run>` (option
`atlan_connection`); every asset sits one path segment below its parent; partitions sit flat at
table level, their columns under them; columns under their table, view, materialised view or
partition; procedures under `<schema>/_procedures_/<name>`, functions under `<schema>/<name>`
(an overloaded name gets its argument types appended); view lineage as Process and
ColumnProcess entities (processes.py). Parents are referenced as {"typeName",
"uniqueAttributes"}. Modules: assets (databases to partitions), columns, profiles (profile
attributes and PII tags), processes, routines, writer (streaming, reuse), stale (deletions).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sourcesense.incremental.fingerprints import read_fingerprints, relation_key
from sourcesense.incremental.lines import PreviousLines
from sourcesense.incremental.reuse import Reuse, commit, plan_reuse
from sourcesense.quality.assess import QUALITY_STEP
from sourcesense.store.history import previous_run
from sourcesense.store.readers import raw
from sourcesense.store.rundir import MANIFEST, read_json
from sourcesense.transform.atlan.assets import atlan_items, iter_entities
from sourcesense.transform.atlan.common import Connection, root_table, run_sync
from sourcesense.transform.atlan.profiles import DEFAULT_PII_TAGS, pii_tags
from sourcesense.transform.atlan.routines import split_arguments
from sourcesense.transform.atlan.stale import stale_assets
from sourcesense.transform.atlan.writer import EntityWriter
from sourcesense.transform.context import TransformContext, TransformOutput, write_json_lines

__all__ = [
    "DEFAULT_PII_TAGS", "atlan_items", "default_connection", "iter_entities", "split_arguments",
    "transform_atlan",
]  # fmt: skip

# Where each relation's entity lines are, for the next run to copy them.
_INDEX = Path("incremental") / "atlan.lines.parquet"
LINEAGE_STEP = "lineage"
# Entities between two progress reports (the registry throttles them to one a second).
PROGRESS_EVERY = 1_000


def default_connection(run_dir: Path, manifest: dict[str, Any]) -> str:
    """The connection of the first run of this scope, so that re-runs describe the same
    assets: `default/postgres/<epoch seconds of that run>`."""
    previous = previous_run(run_dir.parent.parent, manifest)
    if previous is not None:
        formats = previous.get("steps", {}).get("transformation", {}).get("formats", {})
        inherited = formats.get("atlan", {}).get("connection")
        if inherited:
            return str(inherited)
    epoch = int(datetime.fromisoformat(manifest["started_at"]).timestamp())
    return f"default/{connector(manifest)}/{epoch}"


def connector(manifest: dict[str, Any]) -> str:
    """Atlan's connector type for the run's engine (MariaDB is read as MySQL)."""
    return "mysql" if manifest.get("engine") in ("mysql", "mariadb") else "postgres"


def _connection(ctx: TransformContext) -> Connection:
    qualified_name = ctx.options.get("atlan_connection") or default_connection(
        ctx.run_dir, ctx.manifest
    )
    kind = connector(ctx.manifest)
    name = ctx.options.get("atlan_connection_name") or f"{kind} {ctx.manifest['source']['host']}"
    return Connection(qualified_name, name, *run_sync(ctx.manifest), connector=kind)


def _sync_swap(reuse: Reuse, connection: Connection) -> tuple[bytes, bytes]:
    """(the previous run's sync fragment, this run's), for copied lines."""
    if not reuse.keys or reuse.previous is None:
        return b"", b""
    before = Connection(connection.qualified_name, connection.name,
                        *run_sync(read_json(reuse.previous / MANIFEST)),
                        connector=connection.connector)  # fmt: skip
    return before.sync_fragment(), connection.sync_fragment()


def _partitions_of_changed_roots(run_dir: Path, reuse: Reuse) -> frozenset[str]:
    """Reusable partitions whose partitioned table changed: their columns are that table's,
    and a fingerprint covers a partition's direct parent only, not a sub-partition's root."""
    if not reuse.keys or reuse.previous is None:
        return frozenset()
    now, before = read_fingerprints(run_dir) or {}, read_fingerprints(reuse.previous) or {}
    fields = ["catalog_name", "schema_name", "table_name", "is_partition", "parent_schema",
              "parent_table"]  # fmt: skip
    relations = raw(run_dir, "relations", fields)
    by_name = {(r["catalog_name"], r["schema_name"], r["table_name"]): r for r in relations}
    changed = set()
    for name, rel in by_name.items():
        key = relation_key(*name)
        if rel["is_partition"] and key in reuse.keys:
            root = relation_key(*root_table(rel, by_name))
            if now.get(root) != before.get(root):
                changed.add(key)
    return frozenset(changed)


def transform_atlan(ctx: TransformContext) -> TransformOutput:
    connection = _connection(ctx)
    tags = pii_tags(ctx.options.get("atlan_pii_tags"))
    batch = int(ctx.options.get("atlan_bulk_batch_size", "0") or 0)
    signature = {"connection": connection.qualified_name, "name": connection.name, "tags": tags}
    reuse = plan_reuse(ctx.run_dir, "atlan", signature, ctx.incremental,
                       reads=[QUALITY_STEP, LINEAGE_STEP])  # fmt: skip
    reuse.keys -= _partitions_of_changed_roots(ctx.run_dir, reuse)
    previous = PreviousLines(reuse, "transformed/atlan", _INDEX)
    remove_stale = ctx.options.get("atlan_remove_stale") == "true"
    writer = EntityWriter(ctx.out_dir, batch, previous, remove_stale, _sync_swap(reuse, connection))
    try:
        items = atlan_items(ctx.run_dir, connection, reuse.keys, tags)
        reported = -PROGRESS_EVERY
        for relation, type_name, entity in items:
            ctx.check_stop()
            writer.add(relation, type_name, entity)
            if writer.lines.lines - reported >= PROGRESS_EVERY:
                reported = writer.lines.lines
                ctx.progress(reported)
    finally:
        writer.close(ctx.run_dir / _INDEX)
        previous.close()
    files = {f"transformed/atlan/{name}": ctx.out_dir / name for name in writer.lines.files()}
    commit(ctx.run_dir, reuse, files | {str(_INDEX): ctx.run_dir / _INDEX})
    output = TransformOutput(files=writer.files, entities=writer.lines.lines,
                             details={"connection": connection.qualified_name})  # fmt: skip
    if writer.names is not None:
        deletions, output.warnings = stale_assets(
            ctx.run_dir, ctx.manifest, ctx.options, writer.names
        )
        if deletions is not None:
            write_json_lines(ctx.out_dir / "deletions.json", deletions)
            output.files += 1
    return output
