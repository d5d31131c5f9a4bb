"""manifest.json: what a run is, what it found, and what went wrong. Never a password.

A run's status follows its workflow: `extracting` (from the plan), `processing` (raw files
merged; lineage, quality and transformation under way), then one final status when the
workflow ends: `completed`, `completed_with_warnings`, `failed` or `cancelled`.
"""

from __future__ import annotations

import shutil
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg

from sourcesense.store.rundir import MANIFEST, read_json, write_json

if TYPE_CHECKING:
    from sourcesense.extract.run import ExtractRequest

MANIFEST_VERSION = 1
EXTRACTING, PROCESSING, CANCELLED, FAILED = "extracting", "processing", "cancelled", "failed"
SUCCEEDED = ("completed", "completed_with_warnings")
UNFINISHED = (EXTRACTING, PROCESSING)
STATUSES = (EXTRACTING, PROCESSING, *SUCCEEDED, FAILED, CANCELLED)


def new_manifest(
    run_id: str, request: ExtractRequest, conn: psycopg.Connection[Any], started: datetime
) -> dict[str, Any]:
    """The manifest of a PostgreSQL run as planned."""
    info = conn.info
    version = info.parameter_status("server_version")
    return base_manifest(
        run_id, request, started, ServerFacts("postgresql", info.user, info.dbname, version,
                                              info.server_version),
    )  # fmt: skip


@dataclass(frozen=True)
class ServerFacts:
    """What a manifest records of the server, whatever its engine."""

    engine: str  # postgresql | mysql | mariadb
    user: str | None
    database: str | None
    server_version: str | None
    server_version_num: int


def base_manifest(
    run_id: str, request: ExtractRequest, started: datetime, facts: ServerFacts
) -> dict[str, Any]:
    """The manifest of a run as planned, before any database is read."""
    src = request.source
    return {
        "manifest_version": MANIFEST_VERSION,
        "run_id": run_id,
        "status": EXTRACTING,
        "engine": facts.engine,
        "started_at": started.isoformat(),
        "finished_at": None,
        "elapsed_seconds": None,
        "extraction_seconds": None,
        "source": {
            "url": src.redacted_url(),
            "host": src.host,
            "port": src.port,
            "user": facts.user,
            "database": facts.database,
        },
        "server_version": facts.server_version,
        "server_version_num": facts.server_version_num,
        "all_databases": request.all_databases,
        "filters": request.filters.recorded(),
        "options": asdict(request.options),
        "databases": [],
        "counts": {},
        "timings": {},
        "warnings": [],
        "errors": [],
        "skipped": [],
        "locked": [],
    }


def finish_manifest(manifest: dict[str, Any], parts: list[dict[str, Any]], elapsed: float) -> None:
    """Fold the per-database parts into totals; the run goes on to its steps (`processing`)."""
    counts: dict[str, int] = {"databases": len(parts)}
    timings: dict[str, float] = {}
    for part in parts:
        for kind, count in part["counts"].items():
            counts[kind] = counts.get(kind, 0) + count
        for kind, seconds in part["seconds"].items():
            timings[kind] = round(timings.get(kind, 0.0) + seconds, 4)
        for key in ("warnings", "errors", "skipped", "locked"):
            manifest.setdefault(key, []).extend(part.get(key, []))
    manifest["databases"] = [
        {k: part.get(k) for k in ("name", "status", "error", "snapshot", "counts", "seconds")}
        | {"retried": part.get("retried", [])}
        for part in parts
    ]
    manifest["warnings"].extend(empty_scope_warnings(manifest, counts))
    manifest |= {"status": PROCESSING, "counts": counts, "timings": timings}
    manifest["finished_at"] = datetime.now(UTC).isoformat()
    manifest["extraction_seconds"] = round(elapsed, 3)
    # The whole run so far; close_run replaces it with the whole run's when its steps are done.
    manifest["elapsed_seconds"] = round(elapsed, 3)


def empty_scope_warnings(manifest: dict[str, Any], counts: dict[str, int]) -> list[str]:
    """Why a run found nothing to describe, naming the filters that matched nothing: an empty
    scope is a normal run with empty outputs, and this warning."""
    filters: dict[str, str] = manifest.get("filters", {})

    def named(*names: str) -> str:
        given = [f"--{n.replace('_', '-')} '{filters[n]}'" for n in names if n in filters]
        return " and ".join(given)

    if not counts["databases"]:
        which = named("include_database", "exclude_database")
        return [f"{which or 'the database filters'} matched no database"]
    if counts.get("relations", 0) or any(p["status"] == "failed" for p in manifest["databases"]):
        return []
    if counts.get("schemas", 0) == 0 and named("include_schema", "exclude_schema"):
        return [f"{named('include_schema', 'exclude_schema')} matched no schema"]
    if named("include_table", "exclude_table"):
        return [f"{named('include_table', 'exclude_table')} matched no table or view"]
    return ["no table, view or other relation in scope: the outputs are empty"]


def run_status(manifest: dict[str, Any]) -> str:
    """The final status of a run whose steps have all ended, from what they recorded."""
    entries = manifest["databases"]
    extracted = [e for e in entries if e["status"] == "completed"]
    if not extracted and any(e["status"] == "failed" for e in entries):
        return "failed"
    if manifest["errors"] or manifest["warnings"] or len(extracted) < len(entries):
        return "completed_with_warnings"
    return "completed"


def record_step(
    run_dir: Path, step: str, warnings: list[str], details: dict[str, Any] | None = None,
    error: str | None = None, seconds: float | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Add a post-extraction step (lineage, quality, transformation) to the manifest, with
    its wall time (`seconds`) when known.

    A failed step is an error of the run, not its end: what the other steps made is kept.
    """
    path = run_dir / MANIFEST
    manifest = read_json(path)
    entry = {"status": "failed" if error else "completed", "error": error, **(details or {})}
    if seconds is not None:
        entry["seconds"] = round(seconds, 3)
    manifest.setdefault("steps", {})[step] = entry
    manifest["warnings"].extend(warnings)
    if error:
        manifest["errors"].append(f"{step}: {error}")
    if manifest["status"] not in (*UNFINISHED, CANCELLED):  # a late step (the webhook) counts
        manifest["status"] = run_status(manifest)
    write_json(path, manifest)
    return manifest


def close_run(
    run_dir: Path, outcome: str | None = None, error: str | None = None,
    elapsed: float | None = None,
) -> dict[str, Any] | None:  # fmt: skip
    """End a run: its final status (`outcome` when the workflow was cancelled or failed, else
    what the steps recorded), its whole wall time (`elapsed`, from the workflow's start) and no
    staging left. A run dir without a manifest (stopped while it was being planned) holds
    nothing of use and is removed. Idempotent."""
    path = run_dir / MANIFEST
    if not path.exists():
        shutil.rmtree(run_dir, ignore_errors=True)
        return None
    remove_staging(run_dir)
    manifest = read_json(path)
    if error and f"workflow: {error}" not in manifest["errors"]:
        manifest["errors"].append(f"workflow: {error}")
    manifest["status"] = outcome or run_status(manifest)
    if elapsed is not None:
        manifest["elapsed_seconds"] = round(elapsed, 3)
    manifest["finished_at"] = manifest["finished_at"] or datetime.now(UTC).isoformat()
    write_json(path, manifest)
    return manifest


def remove_staging(run_dir: Path) -> None:
    """Remove what unfinished attempts leave: every name starting with "." is a staging folder
    or temporary file (transformed/.atlan.staging, raw/.parts, .x.parquet.<pid>.tmp)."""
    for path in sorted(run_dir.rglob(".*"), key=lambda p: len(p.parts)):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
