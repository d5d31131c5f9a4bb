"""MetadataExtractionWorkflow: the design notes' stages over the core functions.

preflight -> schema discovery -> table metadata -> column metadata -> foreign keys ->
data quality -> transformation. Each database is read by one activity in one snapshot, so a
database is the unit of retry as it is the unit of consistency; databases run in parallel.
The stages inside a database advance as its activity signals each kind it has written.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import (
    ActivityError,
    ApplicationError,
    RetryState,
    is_cancelled_exception,
)
from temporalio.workflow import ActivityCancellationType

with workflow.unsafe.imports_passed_through():
    from sourcesense.extract.preflight import PreflightResult
    from sourcesense.extract.run import DatabasePart, DatabaseTarget, RunPlan, failed_part
    from sourcesense.workflow.activities import WEBHOOK_ATTEMPTS
    from sourcesense.workflow.activities import ExtractionActivities as Activities
    from sourcesense.workflow.inputs import (
        CloseInput,
        ExtractionInput,
        FinishInput,
        PartInput,
        RunResult,
        SourceLimits,
        StepInput,
        WebhookInput,
    )

T = TypeVar("T")
STAGES = (
    "preflight", "schema_discovery", "table_metadata", "column_metadata", "foreign_keys",
    "lineage", "data_quality", "transformation",
)  # fmt: skip
KIND_STAGE = {
    "schemas": "schema_discovery", "extensions": "schema_discovery", "types": "schema_discovery",
    "routines": "schema_discovery", "sequences": "schema_discovery",
    "relations": "table_metadata", "indexes": "table_metadata", "triggers": "table_metadata",
    "policies": "table_metadata", "privileges": "table_metadata",
    "view_dependencies": "table_metadata",
    "columns": "column_metadata", "column_stats": "column_metadata", "constraints": "foreign_keys",
    "foreign_keys": "foreign_keys",  # of the constraints, those that are foreign keys
}  # fmt: skip
PERMANENT = [
    "ConfigError", "InvalidFilterError", "AuthenticationError", "PasswordRequiredError",
    "DatabaseNotFoundError", "PermissionDeniedError", "UnsupportedServerError",
]  # fmt: skip
QUICK_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=500), maximum_attempts=3,
    non_retryable_error_types=PERMANENT,
)  # fmt: skip
PATIENT_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30),
    maximum_attempts=6, non_retryable_error_types=PERMANENT,
)  # fmt: skip


def source_retry(limits: SourceLimits) -> RetryPolicy:
    """Retries of what reads the source: the run's budget (settings source_retry_*)."""
    return RetryPolicy(
        initial_interval=timedelta(seconds=1),
        maximum_interval=timedelta(seconds=limits.retry_max_interval_s),
        maximum_attempts=limits.retry_attempts, non_retryable_error_types=PERMANENT,
    )  # fmt: skip


# A cancelled activity is waited for until it has stopped writing, so that the cleanup after
# it (close_run) has the run dir to itself.
WAIT = ActivityCancellationType.WAIT_CANCELLATION_COMPLETED
# Activities heartbeat every 2 s; a worker silent for longer than this is presumed dead. A hung
# source is noticed by the connection's own watchdog (sourcesense.watchdog), which fails the
# activity with a retryable error.
HEARTBEAT_TIMEOUT = timedelta(seconds=10)
STEP_TIMEOUT = timedelta(hours=1)


@dataclass
class StageStatus:
    status: str = "pending"  # pending | running | done | failed | skipped
    counts: dict[str, int] = field(default_factory=dict)
    started_at: str | None = None
    seconds: float | None = None
    detail: str | None = None


@dataclass
class Progress:
    run_id: str = ""
    stages: dict[str, StageStatus] = field(default_factory=dict)
    databases: dict[str, str] = field(default_factory=dict)  # name -> status
    preflight: PreflightResult | None = None
    started_at: str | None = None  # the workflow's start (workflow time)
    elapsed_seconds: float | None = None  # the whole run's, once it is closed (as the manifest)


@workflow.defn(name="MetadataExtractionWorkflow")
class MetadataExtractionWorkflow:
    def __init__(self) -> None:
        self._progress = Progress(stages={name: StageStatus() for name in STAGES})
        self._planning = False  # once plan_run is scheduled, the run dir may exist

    @workflow.query(name="progress")
    def progress(self) -> Progress:
        return self._progress

    @workflow.signal(name="kind_done")
    def kind_done(self, database: str, kind: str, rows: int) -> None:
        # A signal handler must not raise: that would stall the workflow task until redeployed.
        name = KIND_STAGE.get(kind, "table_metadata")
        stage = self._progress.stages[name]
        stage.counts[kind] = stage.counts.get(kind, 0) + rows
        self._begin(name)

    @workflow.signal(name="transform_progress")
    def transform_progress(self, output_format: str, entities: int) -> None:
        """Entities a transformer has written so far (a running total, delivered in order)."""
        self._progress.stages["transformation"].counts[output_format] = entities

    @workflow.run
    async def run(self, inp: ExtractionInput) -> RunResult:
        """The stages, then the run's final status; a cancelled or failed run is closed too
        (manifest `cancelled` or `failed`, staging removed) before the workflow ends so."""
        self._progress.started_at = workflow.now().isoformat()
        if not inp.run_id:  # started by a schedule: one input for every run, each named here
            inp.run_id = scheduled_run_id(workflow.now(), workflow.info().run_id)
        try:
            await self._stages(inp)
            result = await self._close(CloseInput(inp.data_dir, inp.run_id))
        except (Exception, asyncio.CancelledError) as exc:
            if not self._planning:  # ended in preflight: there is no run dir
                raise
            if not _cancelled(exc):
                await self._close(CloseInput(inp.data_dir, inp.run_id, "failed", _message(exc)))
                raise
            await self._close(CloseInput(inp.data_dir, inp.run_id, "cancelled"))
            raise asyncio.CancelledError("the run was cancelled") from None
        assert result is not None  # the run dir exists once the stages have run
        if inp.webhook_url:
            await self._notify(inp, result)
        return result

    async def _close(self, inp: CloseInput) -> RunResult | None:
        """The run's end; its whole wall time, from the workflow's start, goes with it."""
        inp.elapsed_seconds = round(self._elapsed(), 3)
        # Scheduled after a cancellation has been delivered, so it is not cancelled itself.
        result = await workflow.execute_activity_method(
            Activities.close_run, inp, retry_policy=QUICK_RETRY,
            start_to_close_timeout=timedelta(minutes=5),
        )  # fmt: skip
        self._progress.elapsed_seconds = inp.elapsed_seconds
        return result

    def _elapsed(self) -> float:
        assert self._progress.started_at is not None  # set first thing in run()
        started = datetime.fromisoformat(self._progress.started_at)
        return (workflow.now() - started).total_seconds()

    async def _stages(self, inp: ExtractionInput) -> RunResult:
        """Every stage; returns what the transformation recorded (the status comes later)."""
        self._progress.run_id = inp.run_id
        self._begin("preflight")
        self._progress.preflight = await self._fail_fast(
            "preflight",
            workflow.execute_activity_method(
                Activities.preflight, inp, retry_policy=QUICK_RETRY, cancellation_type=WAIT,
                start_to_close_timeout=STEP_TIMEOUT, heartbeat_timeout=HEARTBEAT_TIMEOUT,
            ),
        )  # fmt: skip
        self._finish("preflight")
        self._begin("schema_discovery")
        self._planning = True
        plan = await self._fail_fast(
            "schema_discovery",
            workflow.execute_activity_method(
                Activities.plan_run, inp, retry_policy=source_retry(inp.limits),
                cancellation_type=WAIT, start_to_close_timeout=inp.limits.database_timeout(),
                heartbeat_timeout=HEARTBEAT_TIMEOUT,
            ),
        )  # fmt: skip
        # All of them end (a cancelled one after its activity has stopped) before any raises.
        outcomes = await asyncio.gather(
            *(self._database(inp, plan, t) for t in plan.databases), return_exceptions=True
        )
        parts = [_part(outcome) for outcome in outcomes]
        elapsed = self._elapsed()  # the extraction's: the manifest's extraction_seconds
        await workflow.execute_activity_method(
            Activities.finish_run, FinishInput(plan.run_dir, list(parts), elapsed),
            cancellation_type=WAIT,
            retry_policy=PATIENT_RETRY, start_to_close_timeout=STEP_TIMEOUT,
            heartbeat_timeout=HEARTBEAT_TIMEOUT,
        )  # fmt: skip
        for name in ("schema_discovery", "table_metadata", "column_metadata", "foreign_keys"):
            self._finish(name)
        step = StepInput(inp, plan.run_dir)
        if inp.lineage:
            await self._step("lineage", Activities.build_lineage, step)
        else:
            self._skip("lineage", "not requested")
        if inp.quality or inp.profile:
            await self._step("data_quality", Activities.assess_quality, step)
        else:
            self._skip("data_quality", "not requested")
        self._begin("transformation")
        result = await workflow.execute_activity_method(
            Activities.transform, step, retry_policy=PATIENT_RETRY, cancellation_type=WAIT,
            start_to_close_timeout=STEP_TIMEOUT, heartbeat_timeout=HEARTBEAT_TIMEOUT,
        )  # fmt: skip
        self._finish("transformation")
        return result

    async def _notify(self, inp: ExtractionInput, result: RunResult) -> None:
        payload: dict[str, Any] = {
            "event": "run.finished", "run_id": result.run_id, "status": result.status,
            "workflow_id": workflow.info().workflow_id, "counts": result.counts,
        }  # fmt: skip
        await workflow.execute_activity_method(
            Activities.notify_webhook, WebhookInput(str(inp.webhook_url), result.run_dir, payload),
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=RetryPolicy(initial_interval=timedelta(seconds=1), backoff_coefficient=2,
                                     maximum_attempts=WEBHOOK_ATTEMPTS),
        )  # fmt: skip

    async def _step(
        self, stage: str, activity: Callable[[Activities, StepInput], Awaitable[None]],
        step: StepInput,
    ) -> None:  # fmt: skip
        """A post-extraction step; it records its own failure in the manifest."""
        self._begin(stage)
        await workflow.execute_activity_method(
            activity, step, retry_policy=PATIENT_RETRY, start_to_close_timeout=STEP_TIMEOUT,
            cancellation_type=WAIT,
            heartbeat_timeout=HEARTBEAT_TIMEOUT,
        )  # fmt: skip
        self._finish(stage)

    async def _database(
        self, inp: ExtractionInput, plan: RunPlan, target: DatabaseTarget
    ) -> DatabasePart:
        self._progress.databases[target.name] = "running"
        try:
            part = await workflow.execute_activity_method(
                Activities.extract_database, PartInput(inp, plan.run_dir, target),
                cancellation_type=WAIT, retry_policy=source_retry(inp.limits),
                start_to_close_timeout=inp.limits.database_timeout(),
                heartbeat_timeout=HEARTBEAT_TIMEOUT,
            )  # fmt: skip
        except ActivityError as exc:  # graceful degradation: the other databases go on
            if _cancelled(exc):
                raise
            cause = exc.cause.message if isinstance(exc.cause, ApplicationError) else str(exc)
            part = failed_part(target, cause)
        self._progress.databases[target.name] = part.status
        return part

    async def _fail_fast(self, stage: str, activity: Awaitable[T]) -> T:
        """Await a stage no later stage can do without; its failure fails the run as is."""
        try:
            return await activity
        except ActivityError as exc:
            self._progress.stages[stage].status = "failed"
            cause = exc.cause
            if isinstance(cause, ApplicationError):
                self._progress.stages[stage].detail = cause.message
                raise ApplicationError(cause.message, type=cause.type, non_retryable=True) from None
            raise

    def _begin(self, stage: str) -> None:
        status = self._progress.stages[stage]
        if status.status == "pending":
            status.status, status.started_at = "running", workflow.now().isoformat()

    def _finish(self, stage: str) -> None:
        status = self._progress.stages[stage]
        if status.started_at is not None:
            started = datetime.fromisoformat(status.started_at)
            status.seconds = round((workflow.now() - started).total_seconds(), 3)
        status.status = "done"

    def _skip(self, stage: str, reason: str) -> None:
        self._progress.stages[stage].status = "skipped"
        self._progress.stages[stage].detail = reason


def scheduled_run_id(now: datetime, workflow_run_id: str) -> str:
    """A run id (see store.rundir.new_run_id) made deterministically from the workflow's
    start time and its Temporal run id (a UUID: its first hex digits)."""
    return f"{now.astimezone(UTC):%Y%m%dT%H%M%SZ}-{workflow_run_id.replace('-', '')[:6]}"


def _cancelled(exc: BaseException) -> bool:
    """The run was cancelled: a cancellation, or an activity that timed out after its cancel
    was asked for (its worker had gone, so nobody could confirm it)."""
    if is_cancelled_exception(exc):
        return True
    return isinstance(exc, ActivityError) and exc.retry_state == RetryState.CANCEL_REQUESTED


def _message(exc: BaseException) -> str:
    cause = exc.cause if isinstance(exc, ActivityError) else exc
    return cause.message if isinstance(cause, ApplicationError) else str(cause or exc)


def _part(outcome: DatabasePart | BaseException) -> DatabasePart:
    if isinstance(outcome, BaseException):  # a cancellation: failures are failed parts
        raise outcome
    return outcome
