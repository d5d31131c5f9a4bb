"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import asyncio
import tempfile

from fastapi import APIRouter
from fastapi.responses import JSONResponse, PlainTextResponse

from sourcesense.api.deps import ClientDep, SettingsDep
from sourcesense.store.manifest import STATUSES
from sourcesense.store.runs import manifests

router = APIRouter(tags=["health"])


@router.get("/health")
async def health() -> dict[str, str]:
    """Liveness, open to all; `auth` tells clients (the UI) to ask for a token up front."""
    return {"status": "ok", "auth": "bearer"}


@router.get("/ready", responses={503: {"description": "Temporal or the data dir unavailable"}})
async def ready(client: ClientDep, settings: SettingsDep) -> JSONResponse:
    checks = {"temporal": await _temporal_ok(client), "data_dir": _writable(settings.data_dir)}
    status = 200 if all(checks.values()) else 503
    return JSONResponse({"ready": status == 200, "checks": checks}, status_code=status)


async def _temporal_ok(client: ClientDep) -> bool:
    try:
        return bool(await asyncio.wait_for(client.service_client.check_health(), timeout=5))
    except Exception:  # any failure means: not ready
        return False


def _writable(folder: object) -> bool:
    try:
        with tempfile.TemporaryFile(dir=str(folder)):
            return True
    except OSError:
        return False


@router.get("/metrics", response_class=PlainTextResponse)
async def metrics(settings: SettingsDep) -> str:
    """Runs by status and per-kind extraction seconds, read from the run store."""
    runs = await asyncio.to_thread(manifests, settings.data_dir)
    lines = ["# HELP sourcesense_runs_total Runs by status", "# TYPE sourcesense_runs_total gauge"]
    started = len(runs)
    by_status = dict.fromkeys(STATUSES, 0)  # extracting and processing: runs under way
    for run in runs:
        by_status[run["status"]] = by_status.get(run["status"], 0) + 1
    lines.append(f"sourcesense_runs_started_total {started}")
    completed = by_status["completed"] + by_status["completed_with_warnings"]
    lines.append(f"sourcesense_runs_completed_total {completed}")
    lines.append(f"sourcesense_runs_failed_total {by_status['failed']}")
    for status, count in sorted(by_status.items()):
        lines.append(f'sourcesense_runs_total{{status="{status}"}} {count}')
    lines += ["# HELP sourcesense_stage_seconds Seconds spent per extraction kind",
              "# TYPE sourcesense_stage_seconds summary"]  # fmt: skip
    totals: dict[str, list[float]] = {}
    for manifest in runs:
        for kind, seconds in (manifest.get("timings") or {}).items():
            totals.setdefault(kind, []).append(float(seconds))
    for kind, values in sorted(totals.items()):
        lines.append(f'sourcesense_stage_seconds_sum{{stage="{kind}"}} {sum(values):.4f}')
        lines.append(f'sourcesense_stage_seconds_count{{stage="{kind}"}} {len(values)}')
    return "\n".join(lines) + "\n"
