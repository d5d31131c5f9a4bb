"""Deletions of the assets the previous run of the same scope had and this run has not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sourcesense.store.history import previous_run
from sourcesense.transform.atlan.assets import iter_entities
from sourcesense.transform.atlan.common import Connection, Entity, ref


def stale_assets(
    run_dir: Path, manifest: dict[str, Any], options: dict[str, str], names: set[tuple[str, str]]
) -> tuple[list[Entity] | None, list[str]]:
    """Assets of the previous run of the same scope that this run no longer has.

    Only from a run without errors, against a previous successful run with the same source,
    filters and database selection, and under a connection name that does not change per run:
    anything less could delete assets that still exist.
    """
    if "atlan_connection" not in options:
        return None, ["atlan: stale-asset removal skipped: it needs a fixed --atlan-connection"]
    databases_ok = all(db["status"] == "completed" for db in manifest["databases"])
    if manifest["status"] == "failed" or manifest["errors"] or not databases_ok:
        return None, ["atlan: stale-asset removal skipped: this run did not complete cleanly"]
    previous = previous_run(run_dir.parent.parent, manifest)
    if previous is None:
        return None, ["atlan: stale-asset removal skipped: no earlier run of the same scope"]
    current = {(type_name, qualified_name) for type_name, qualified_name in names}
    gone = []
    connection = Connection(options["atlan_connection"], "")
    for entity in iter_entities(run_dir.parent / previous["run_id"], connection):
        key = (entity["typeName"], entity["attributes"]["qualifiedName"])
        if key not in current:
            gone.append(ref(*key))
    return gone, []
