"""Activities: thin async shells that run the core functions in a thread, heartbeat while
they run, and turn our errors into Temporal failures that say whether a retry can help."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

from temporalio import activity
from temporalio.exceptions import ApplicationError

from sourcesense.errors import SourceSenseError
from sourcesense.extract.filters import Filters
from sourcesense.extract.preflight import PreflightResult, preflight
from sourcesense.extract.run import DatabasePart, RunPlan, extract_part, finish_run, plan_run
from sourcesense.settings import Settings
from sourcesense.workflow.inputs import ExtractionInput, FinishInput, PartInput, RunResult

HEARTBEAT_EVERY_S = 2.0
P = ParamSpec("P")
T = TypeVar("T")


class ExtractionActivities:
    """The activities of one worker; `settings` are the worker's (timeouts, batch size)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @activity.defn(name="preflight")
    async def preflight(self, inp: ExtractionInput) -> PreflightResult:
        source = inp.source.to_source()
        activity.logger.info("preflight of %s", source.redacted_url())
        result = await _in_thread(preflight, source, Filters(**inp.filters), self.settings)
        activity.logger.info("PostgreSQL %s, user %s", result.server_version, result.user)
        return result

    @activity.defn(name="plan_run")
    async def plan_run(self, inp: ExtractionInput) -> RunPlan:
        plan = await _in_thread(
            plan_run, inp.request(), Path(inp.data_dir), inp.run_id, self.settings
        )
        activity.logger.info("run %s: %d databases in scope", plan.run_id, len(plan.databases))
        return plan

    @activity.defn(name="extract_database")
    async def extract_database(self, inp: PartInput) -> DatabasePart:
        handle = activity.client().get_workflow_handle(str(activity.info().workflow_id))
        loop = asyncio.get_running_loop()

        def kind_done(database: str, kind: str, rows: int) -> None:
            signal = handle.signal("kind_done", args=[database, kind, rows])
            asyncio.run_coroutine_threadsafe(signal, loop)

        request = inp.extraction.request()
        activity.logger.info("extracting database %s", inp.target.name)
        part = await _in_thread(
            extract_part, request, Path(inp.run_dir), inp.target, kind_done, self.settings
        )
        activity.logger.info("database %s: %s %s", part.name, part.status, part.counts)
        return part

    @activity.defn(name="finish_run")
    async def finish_run(self, inp: FinishInput) -> RunResult:
        manifest = await _in_thread(finish_run, Path(inp.run_dir), inp.parts, inp.elapsed_seconds)
        activity.logger.info("run %s %s", manifest["run_id"], manifest["status"])
        return RunResult(
            manifest["run_id"], inp.run_dir, manifest["status"], manifest["counts"],
            manifest["errors"],
        )  # fmt: skip

    def all(self) -> list[Callable[..., Awaitable[object]]]:
        return [self.preflight, self.plan_run, self.extract_database, self.finish_run]


async def _in_thread(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run blocking core code in a thread, heartbeating meanwhile; map our errors."""
    work = asyncio.ensure_future(asyncio.to_thread(function, *args, **kwargs))
    while not work.done():
        activity.heartbeat()
        await asyncio.wait({work}, timeout=HEARTBEAT_EVERY_S)
    try:
        return work.result()
    except SourceSenseError as exc:
        raise ApplicationError(
            exc.message, type=type(exc).__name__, non_retryable=not exc.retryable
        ) from None
