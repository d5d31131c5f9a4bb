"""The schedules of a sources file (made by `sourcesense schedule apply`): listed with their
next and last runs, paused, resumed and triggered."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Path

from sourcesense.api.deps import ClientDep
from sourcesense.config.model import SOURCE_NAME
from sourcesense.config.schedules import act, describe_schedule, list_schedules, schedule_id

router = APIRouter(prefix="/schedules", tags=["schedules"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such schedule"}}
SourceName = Path(pattern=SOURCE_NAME, description="The source's name in the sources file")


@router.get("")
async def schedules(client: ClientDep) -> list[dict[str, Any]]:
    """Every SourceSense schedule: its source, state, timing, next runs and last run."""
    return [summary.as_dict() for summary in await list_schedules(client)]


@router.post("/{source}/{action}", responses=NOT_FOUND)
async def schedule_action(
    client: ClientDep,
    action: Literal["pause", "resume", "trigger"],
    source: str = SourceName,
) -> dict[str, Any]:
    """Pause or resume the schedule, or start one run now (skipped while one is going)."""
    sid = schedule_id(source)
    await act(client, sid, action)
    return (await describe_schedule(client, sid)).as_dict()
