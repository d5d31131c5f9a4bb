"""Run history, exports and deletion."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Query
from fastapi.responses import FileResponse, Response

from sourcesense.api.deps import SettingsDep
from sourcesense.store.diff import diff_runs
from sourcesense.store.runs import check_format, delete_run, export_run, list_runs, run_dir
from sourcesense.store.summary import read_manifest

router = APIRouter(prefix="/runs", tags=["runs"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such run"}}


@router.get("")
async def runs(settings: SettingsDep) -> list[dict[str, Any]]:
    return await asyncio.to_thread(list_runs, settings.data_dir)


@router.get("/{run_id}", responses=NOT_FOUND)
async def manifest(run_id: str, settings: SettingsDep) -> dict[str, Any]:
    return read_manifest(run_dir(settings.data_dir, run_id))


@router.get("/{run_id}/export", response_class=FileResponse, responses=NOT_FOUND)
async def export(
    run_id: str,
    settings: SettingsDep,
    background: BackgroundTasks,
    format: Annotated[str, Query(max_length=10)] = "jsonl",
) -> FileResponse:
    """A zip of the run: manifest, and every Parquet file as jsonl, parquet or csv."""
    fmt = check_format(format)
    folder = run_dir(settings.data_dir, run_id)
    archive = await asyncio.to_thread(export_run, folder, fmt)
    background.add_task(archive.unlink, missing_ok=True)
    return FileResponse(archive, media_type="application/zip",
                        filename=f"sourcesense-{run_id}-{fmt}.zip")  # fmt: skip


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
