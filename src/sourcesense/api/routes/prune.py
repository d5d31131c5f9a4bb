"""Retention over the API: `POST /runs/prune`, the same rules as `sourcesense prune`."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from sourcesense.api.deps import SettingsDep
from sourcesense.api.models import Body
from sourcesense.errors import ConfigError
from sourcesense.store.retention import MAX_KEEP_DAYS, Decision, Policy, prune

router = APIRouter(prefix="/runs", tags=["runs"])
# Besides 200 and 422 (an invalid body, or no policy given nor set).
BAD_BODY: dict[int | str, dict[str, Any]] = {400: {"description": "The body is not UTF-8 JSON"}}


class PruneRequest(Body):
    """Fields left out come from the settings (retention_keep_last, retention_keep_days)."""

    keep_last: int | None = Field(default=None, ge=0, le=1_000_000)
    keep_days: float | None = Field(default=None, ge=0, le=MAX_KEEP_DAYS)
    dry_run: bool = False


class PrunedRun(BaseModel):
    run_id: str
    scope: str
    status: str
    started_at: datetime
    reason: str


class PruneReport(BaseModel):
    dry_run: bool
    deleted: list[PrunedRun]
    kept: list[PrunedRun]


@router.post("/prune", responses=BAD_BODY)
async def prune_runs(request: PruneRequest, settings: SettingsDep) -> PruneReport:
    """Delete the runs the retention policy no longer keeps (or, with dry_run, list them).
    The last successful run of a scope, a run under way and a run an incremental run reuses
    are always kept; each deletion is logged to the data dir's prune.log."""
    policy = Policy(
        settings.retention_keep_last if request.keep_last is None else request.keep_last,
        settings.retention_keep_days if request.keep_days is None else request.keep_days,
    )
    if policy.keeps_all:
        raise ConfigError("no retention policy: give keep_last and/or keep_days")
    decisions = await asyncio.to_thread(prune, settings.data_dir, policy, request.dry_run)
    return PruneReport(
        dry_run=request.dry_run,
        deleted=[_pruned(d) for d in decisions if d.delete],
        kept=[_pruned(d) for d in decisions if not d.delete],
    )


def _pruned(decision: Decision) -> PrunedRun:
    run = decision.run
    return PrunedRun(run_id=run.run_id, scope=run.scope, status=run.status,
                     started_at=run.started_at, reason=decision.reason)  # fmt: skip
