"""The Temporal Schedules of a sources file: applied (created, updated, deleted to match the
file, idempotently), listed, paused, resumed, triggered and deleted.

Ours are told apart by their id prefix, so `apply` never touches another schedule. Each
carries a fingerprint of what it was made from (an HMAC of the source's input and schedule,
keyed by the payload key, as the input itself is encrypted): an unchanged source is left
alone, its pause state included.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleDescription,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleState,
    ScheduleUpdate,
    ScheduleUpdateInput,
)
from temporalio.service import RPCError, RPCStatusCode

from sourcesense.config.build import extraction_input
from sourcesense.config.load import LoadedConfig
from sourcesense.config.model import ScheduleConfig
from sourcesense.errors import ConfigError, RunNotFoundError
from sourcesense.settings import Settings
from sourcesense.workflow.codec import load_key
from sourcesense.workflow.inputs import ExtractionInput
from sourcesense.workflow.workflows import MetadataExtractionWorkflow

PREFIX = "sourcesense-source-"
FINGERPRINT = "sourcesense_fingerprint"
WHEN = "sourcesense_when"  # the server keeps a cron expression as calendars: say it as given
Change = Literal["created", "updated", "unchanged", "deleted"]


def schedule_id(source: str) -> str:
    return PREFIX + source


@dataclass(frozen=True)
class ScheduleSummary:
    id: str
    source: str
    paused: bool
    when: str  # "cron 0 3 * * *" or "every 0:05:00"
    next_runs: list[datetime]
    last_run: datetime | None
    last_workflow_id: str | None
    running: int
    note: str | None

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _fingerprint(inp: ExtractionInput, schedule: ScheduleConfig, key: bytes) -> str:
    body = json.dumps([dataclasses.asdict(inp), schedule.model_dump(mode="json")],
                      sort_keys=True, default=str)  # fmt: skip
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()


def _when(config: ScheduleConfig) -> str:
    return f"cron {config.cron}" if config.cron is not None else f"every {config.interval}"


def _schedule(
    name: str, inp: ExtractionInput, config: ScheduleConfig, settings: Settings, print_: str
) -> Schedule:
    spec = (
        ScheduleSpec(cron_expressions=[config.cron])
        if config.cron is not None
        else ScheduleSpec(intervals=[ScheduleIntervalSpec(every=config.interval)])  # type: ignore[arg-type]
    )
    action = ScheduleActionStartWorkflow(
        MetadataExtractionWorkflow.run, inp, id=f"sourcesense-scheduled-{name}",
        task_queue=settings.task_queue, memo={FINGERPRINT: print_, WHEN: _when(config)},
    )  # fmt: skip
    # Skip: a run still going when the next is due makes that one skipped. With a catchup
    # window, runs missed while down start once (the rest overlap that one, and are skipped).
    policy = SchedulePolicy(
        overlap=ScheduleOverlapPolicy.SKIP, catchup_window=config.catchup_window
    )
    state = ScheduleState(
        paused=config.paused, note="paused by the sources file" if config.paused else None
    )
    return Schedule(action=action, spec=spec, policy=policy, state=state)


async def apply_schedules(
    client: Client, config: LoadedConfig, settings: Settings, allow_inline: bool = False
) -> dict[str, Change]:
    """Make the server's schedules (ours) those the file declares; what changed, by id."""
    key = load_key(settings)
    wanted: dict[str, tuple[Schedule, str]] = {}
    for name, source in config.model.sources.items():
        if source.schedule is not None:
            inp = extraction_input(config, name, settings, "", allow_inline)
            print_ = _fingerprint(inp, source.schedule, key)
            wanted[schedule_id(name)] = (
                _schedule(name, inp, source.schedule, settings, print_),
                print_,
            )
    changes: dict[str, Change] = {}
    for sid, (schedule, print_) in wanted.items():
        try:
            changes[sid] = await _put(client, sid, schedule, print_)
        except RPCError as exc:
            if exc.status != RPCStatusCode.INVALID_ARGUMENT:
                raise
            where = ("sources", sid.removeprefix(PREFIX), "schedule")
            raise config.problem(where, f"Temporal refused the schedule: {exc.message}") from None
    for sid in await our_schedule_ids(client):
        if sid not in wanted:
            await _delete(client, sid)
            changes[sid] = "deleted"
    return changes


async def _delete(client: Client, sid: str) -> None:
    """Delete a schedule; one already gone (listings lag behind deletions) is fine."""
    try:
        await client.get_schedule_handle(sid).delete()
    except RPCError as exc:
        if exc.status != RPCStatusCode.NOT_FOUND:
            raise


async def _put(client: Client, sid: str, schedule: Schedule, print_: str) -> Change:
    handle = client.get_schedule_handle(sid)
    try:
        described = await handle.describe()
    except RPCError as exc:
        if exc.status != RPCStatusCode.NOT_FOUND:
            raise
        await client.create_schedule(sid, schedule)
        return "created"
    if await _fingerprint_of(client, described) == print_:
        return "unchanged"

    def replace(_: ScheduleUpdateInput) -> ScheduleUpdate:
        return ScheduleUpdate(schedule=schedule)

    await handle.update(replace)
    return "updated"


async def _fingerprint_of(client: Client, described: ScheduleDescription) -> str | None:
    return await _memo(client, described, FINGERPRINT)


async def _memo(client: Client, described: ScheduleDescription, key: str) -> str | None:
    """A value the schedule's action carries in its memo (None if absent or unreadable)."""
    action = described.schedule.action
    memo = action.memo if isinstance(action, ScheduleActionStartWorkflow) else None
    payload = (memo or {}).get(key)
    if payload is None or isinstance(payload, str):
        return payload
    try:
        [value] = await client.data_converter.decode([payload], [str])
    except Exception:  # made with another key or by hand: not ours to trust, so replaced
        return None
    return str(value)


async def our_schedule_ids(client: Client) -> list[str]:
    ids = [entry.id async for entry in await client.list_schedules()]
    return sorted(sid for sid in ids if sid.startswith(PREFIX))


async def list_schedules(client: Client) -> list[ScheduleSummary]:
    return [await describe_schedule(client, sid) for sid in await our_schedule_ids(client)]


async def describe_schedule(client: Client, sid: str) -> ScheduleSummary:
    described = await _described(client, sid)
    info = described.info
    when = await _memo(client, described, WHEN) or "see the Temporal UI"
    last = info.recent_actions[-1] if info.recent_actions else None
    action = last.action if last is not None else None
    return ScheduleSummary(
        sid, sid.removeprefix(PREFIX), described.schedule.state.paused, when,
        list(info.next_action_times[:3]), last.started_at if last else None,
        getattr(action, "workflow_id", None), len(info.running_actions),
        described.schedule.state.note,
    )  # fmt: skip


async def _described(client: Client, sid: str) -> ScheduleDescription:
    if not sid.startswith(PREFIX):
        raise ConfigError(f"schedule {sid[:80]}: not a SourceSense schedule (ids start {PREFIX})")
    try:
        return await client.get_schedule_handle(sid).describe()
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise ScheduleNotFoundError(
                f"no schedule {sid}: see `sourcesense schedule list`"
            ) from None
        raise


class ScheduleNotFoundError(RunNotFoundError):
    """No schedule of that id (exit code and HTTP status of an unknown run)."""


Action = Literal["pause", "resume", "trigger", "delete"]


async def act(client: Client, sid: str, action: Action) -> None:
    """Pause, resume, trigger (one run now; skipped if one is going) or delete a schedule."""
    await _described(client, sid)  # a clear error for an unknown id
    handle = client.get_schedule_handle(sid)
    if action == "pause":
        await handle.pause(note="paused by sourcesense")
    elif action == "resume":
        await handle.unpause(note="resumed by sourcesense")
    elif action == "trigger":
        await handle.trigger()
    else:
        await handle.delete()


def resolve_id(given: str) -> str:
    """A schedule id, or the name of its source."""
    return given if given.startswith(PREFIX) else schedule_id(given)
