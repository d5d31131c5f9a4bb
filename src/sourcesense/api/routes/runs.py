"""Run history, exports and deletion."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, Response

from sourcesense.api.deps import SettingsDep
from sourcesense.api.exports import RETRY_AFTER_S, ZipStream, build_export, export_slots
from sourcesense.api.security import error
from sourcesense.store.diff import diff_runs
from sourcesense.store.runs import check_format, delete_run, list_runs, run_dir
from sourcesense.store.summary import read_manifest

router = APIRouter(prefix="/runs", tags=["runs"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such run"}}
BUSY: dict[int | str, dict[str, Any]] = {429: {"description": "Too many exports under way"}}


@router.get("")
async def runs(settings: SettingsDep) -> list[dict[str, Any]]:
    return await asyncio.to_thread(list_runs, settings.data_dir)


@router.get("/{run_id}", responses=NOT_FOUND)
async def manifest(run_id: str, settings: SettingsDep) -> dict[str, Any]:
    return read_manifest(run_dir(settings.data_dir, run_id))


@router.get("/{run_id}/export", response_class=FileResponse, responses=NOT_FOUND | BUSY)
async def export(
    run_id: str,
    settings: SettingsDep,
    request: Request,
    format: Annotated[str, Query(max_length=10)] = "jsonl",
) -> Response:
    """A zip of the run: manifest, and every Parquet file as jsonl, parquet or csv. At most
    max_concurrent_exports at once; beyond, 429 with Retry-After."""
    fmt = check_format(format)
    folder = run_dir(settings.data_dir, run_id)
    slots = export_slots(request, settings.max_concurrent_exports)
    if not slots.take():
        message = f"{slots.limit} exports are under way, the most at once; retry later"
        return error(429, "TooManyRequests", message, {"Retry-After": str(RETRY_AFTER_S)})
    try:
        archive = await build_export(request, folder, fmt, settings.data_dir)
        if archive is None:  # the client went away: no one to answer
            slots.give_back()
            return Response(status_code=499)
        return ZipStream(archive, f"sourcesense-{run_id}-{fmt}.zip", slots.give_back)
    except BaseException:
        slots.give_back()
        raise


@router.get("/{run_a}/diff/{run_b}", responses=NOT_FOUND)
async def diff(run_a: str, run_b: str, settings: SettingsDep) -> list[dict[str, Any]]:
    """Tables, views, columns, constraints and indexes added, removed, changed or renamed."""
    folder_a, folder_b = run_dir(settings.data_dir, run_a), run_dir(settings.data_dir, run_b)
    changes = await asyncio.to_thread(diff_runs, folder_a, folder_b)
    return [json.loads(json.dumps(change.as_dict(), default=str)) for change in changes]


@router.delete("/{run_id}", status_code=204, responses=NOT_FOUND)
async def delete(run_id: str, settings: SettingsDep) -> Response:
    await asyncio.to_thread(delete_run, settings.data_dir, run_id)
    return Response(status_code=204)
