"""`sourcesense prune`: delete the runs the retention policy no longer keeps."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from sourcesense.cli.common import OutOption, existing_data_dir, out
from sourcesense.errors import ConfigError


def register(app: typer.Typer) -> None:
    app.command()(prune)


def prune(
    keep_last: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="Keep the last N runs of each scope [default: settings' "
            "retention_keep_last, else no limit]",
        ),
    ] = None,
    keep_days: Annotated[
        float | None,
        typer.Option(
            min=0,
            help="Keep the runs newer than D days [default: settings' "
            "retention_keep_days, else no limit]",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only print what would be deleted")
    ] = False,
    out_dir: OutOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Every decision (kept or deleted) as JSON")
    ] = False,
) -> None:
    """Delete old runs, per scope (source, filters, databases): a run is kept when it is one
    of the last N or newer than D days. The last successful run of a scope, a run under way and
    a run an incremental run reuses are always kept. Each deletion is logged to
    OUT/prune.log."""
    from sourcesense.settings import get_settings
    from sourcesense.store.retention import PRUNE_LOG, Policy
    from sourcesense.store.retention import prune as prune_runs

    data_dir = existing_data_dir(out_dir)
    settings = get_settings()
    policy = Policy(
        settings.retention_keep_last if keep_last is None else keep_last,
        settings.retention_keep_days if keep_days is None else keep_days,
    )
    if policy.keeps_all:
        raise ConfigError(
            "no retention policy: give --keep-last N and/or --keep-days D (or set "
            "SOURCESENSE_RETENTION_KEEP_LAST / SOURCESENSE_RETENTION_KEEP_DAYS)"
        )
    decisions = prune_runs(data_dir, policy, dry_run=dry_run)
    if as_json:
        sys.stdout.write(json.dumps([d.as_dict() for d in decisions], indent=2) + "\n")
        return
    deleted = [d for d in decisions if d.delete]
    verb = "would delete" if dry_run else "deleted"
    for decision in deleted:
        run = decision.run
        out().print(f"{verb} {run.run_id} ({run.status}) {run.scope}: {decision.reason}",
                    markup=False, highlight=False)  # fmt: skip
    kept = len(decisions) - len(deleted)
    runs = f"{len(deleted)} run{'' if len(deleted) == 1 else 's'}"
    if dry_run:
        summary = f"{runs} to delete, {kept} kept (dry run: nothing deleted)"
    else:
        summary = f"{runs} deleted, {kept} kept"
        summary += f", logged to {data_dir / PRUNE_LOG}" if deleted else ""
    out().print(summary, markup=False, highlight=False)
