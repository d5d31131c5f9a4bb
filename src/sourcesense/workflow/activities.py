"""Activities: thin async shells that run the core functions in a thread, heartbeat while
they run, and turn our errors into Temporal failures that say whether a retry can help."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import dataclasses
import threading
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from temporalio import activity
from temporalio.exceptions import ApplicationError

from sourcesense.engines import get_engine
from sourcesense.errors import SourceSenseError, check_stop
from sourcesense.extract.filters import Filters
from sourcesense.extract.preflight import PreflightResult, preflight
from sourcesense.extract.run import DatabasePart, RunPlan, extract_part, finish_run, plan_run
from sourcesense.incremental.reuse import step_summary
from sourcesense.lineage import build_lineage
from sourcesense.logs import correlation_id, redact_url
from sourcesense.notify import WebhookError, send_webhook
from sourcesense.quality import QualityOptions, assess
from sourcesense.settings import Settings
from sourcesense.store.manifest import close_run, record_step
from sourcesense.store.retention import prune_after_run
from sourcesense.store.rundir import MANIFEST, read_json
from sourcesense.tokens import webhook_secret
from sourcesense.transform.registry import run_transformers
from sourcesense.workflow.inputs import (
    CloseInput,
    ExtractionInput,
    FinishInput,
    PartInput,
    RunResult,
    StepInput,
    WebhookInput,
)
from sourcesense.workflow.memory import release_memory

HEARTBEAT_EVERY_S = 2.0
WEBHOOK_ATTEMPTS = 5
P = ParamSpec("P")
T = TypeVar("T")


class ExtractionActivities:
    """The activities of one worker; `settings` are the worker's (timeouts, batch size)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @activity.defn(name="preflight")
    async def preflight(self, inp: ExtractionInput) -> PreflightResult:
        correlation_id.set(inp.correlation_id)
        source = inp.source.to_source()
        activity.logger.info("preflight of %s", source.redacted_url())
        settings = inp.limits.apply(self.settings)
        result = await _in_thread(preflight, source, Filters.of(inp.filters), settings)
        activity.logger.info("%s %s, user %s", source.engine, result.server_version, result.user)
        return result

    @activity.defn(name="plan_run")
    async def plan_run(self, inp: ExtractionInput) -> RunPlan:
        correlation_id.set(inp.correlation_id)
        settings = inp.limits.apply(self.settings)
        plan = await _in_thread(plan_run, inp.request(), Path(inp.data_dir), inp.run_id, settings)
        activity.logger.info("run %s: %d databases in scope", plan.run_id, len(plan.databases))
        return plan

    @activity.defn(name="extract_database")
    async def extract_database(self, inp: PartInput) -> DatabasePart:
        correlation_id.set(inp.extraction.correlation_id)
        handle = activity.client().get_workflow_handle(str(activity.info().workflow_id))
        loop = asyncio.get_running_loop()
        request = inp.extraction.request()
        settings = inp.extraction.limits.apply(self.settings)

        def extract(stop: threading.Event) -> DatabasePart:
            def kind_done(database: str, kind: str, rows: int) -> None:
                check_stop(stop)  # cancelled: the database ends after the kind it has read
                signal = handle.signal("kind_done", args=[database, kind, rows])
                asyncio.run_coroutine_threadsafe(signal, loop)

            return extract_part(request, Path(inp.run_dir), inp.target, kind_done, settings)

        activity.logger.info("extracting database %s", inp.target.name)
        part = await _stoppable(extract)
        await asyncio.to_thread(release_memory)  # the steps after it start from what is in use
        activity.logger.info("database %s: %s %s", part.name, part.status, part.counts)
        return part

    @activity.defn(name="finish_run")
    async def finish_run(self, inp: FinishInput) -> RunResult:
        manifest = await _in_thread(finish_run, Path(inp.run_dir), inp.parts, inp.elapsed_seconds)
        activity.logger.info("run %s %s", manifest["run_id"], manifest["status"])
        return RunResult.of(inp.run_dir, manifest)

    @activity.defn(name="build_lineage")
    async def build_lineage(self, inp: StepInput) -> None:
        run_dir = Path(inp.run_dir)
        if await _unsupported(inp, "lineage", "lineage"):
            return
        await _step("lineage", run_dir,
                    lambda _: build_lineage(run_dir, inp.extraction.incremental))  # fmt: skip

    @activity.defn(name="assess_quality")
    async def assess_quality(self, inp: StepInput) -> None:
        options = QualityOptions(
            profile=inp.extraction.profile,
            anonymize=inp.extraction.anonymize,
            include_pii_values=inp.extraction.include_pii_values,
        )
        source = inp.extraction.source.to_source()
        run_dir = Path(inp.run_dir)
        settings = inp.extraction.limits.apply(self.settings)
        if await _unsupported(inp, "quality", "data_quality"):
            return
        engine = get_engine(source.engine)
        notes = []
        if options.profile and not engine.profiling:
            options = dataclasses.replace(options, profile=False)
            notes.append(f"data_quality: no sampled profiling of {engine.name} sources yet: "
                         "statistics only")  # fmt: skip

        def work(stop: threading.Event) -> list[str]:
            found = assess(run_dir, source, options, settings, inp.extraction.incremental, stop)
            return notes + found

        await _step("data_quality", run_dir, work)

    @activity.defn(name="transform")
    async def transform(self, inp: StepInput) -> RunResult:
        """Each format in turn; entities written so far reach the workflow's progress
        (signal `transform_progress`, about once a second per format, then its final count)."""
        run_dir = Path(inp.run_dir)
        formats, options = inp.extraction.formats, inp.extraction.transform_options
        if await _unsupported(inp, "formats", "transformation"):
            manifest = await asyncio.to_thread(read_json, run_dir / MANIFEST)
            return RunResult.of(inp.run_dir, manifest)
        signals = _Signals("transform_progress")
        results = await _stoppable(
            lambda stop: run_transformers(
                run_dir, formats, options, inp.extraction.incremental, stop, signals.send
            )
        )
        await signals.flush()  # the final counts are in the workflow before the step ends
        await asyncio.to_thread(release_memory)
        errors = [f"{name}: {r['error']}" for name, r in results.items() if r["status"] == "failed"]
        warnings = [w for r in results.values() for w in r.get("warnings", [])]
        manifest = await asyncio.to_thread(
            record_step, run_dir, "transformation", warnings, {"formats": results},
            "; ".join(errors) or None, _step_seconds(),
        )  # fmt: skip
        return RunResult.of(inp.run_dir, manifest)

    @activity.defn(name="close_run")
    async def close_run(self, inp: CloseInput) -> RunResult | None:
        """The run's final status (cancelled and failed runs too), staging removed."""
        run_dir = Path(inp.data_dir) / "runs" / inp.run_id
        manifest = await asyncio.to_thread(
            close_run, run_dir, inp.outcome, inp.error, inp.elapsed_seconds
        )
        if manifest is None:
            return None
        activity.logger.info("run %s %s", inp.run_id, manifest["status"])
        await asyncio.to_thread(self._retention, Path(inp.data_dir))
        return RunResult.of(str(run_dir), manifest)

    def _retention(self, data_dir: Path) -> None:
        """The settings' retention after every run (scheduled ones included); nothing without
        a policy. A failure is logged: pruning never fails the run it follows."""
        try:
            deleted = prune_after_run(data_dir, self.settings)
        except (OSError, SourceSenseError) as exc:
            activity.logger.warning("retention after the run failed: %s", exc)
            return
        for decision in deleted:
            activity.logger.info("retention deleted run %s", decision.run.run_id)

    @activity.defn(name="notify_webhook")
    async def notify_webhook(self, inp: WebhookInput) -> None:
        """Retried with backoff by Temporal; the last attempt records a failure, never raises."""
        secret = await asyncio.to_thread(webhook_secret, self.settings)
        try:
            status = await asyncio.to_thread(send_webhook, inp.url, inp.payload, secret)
        except WebhookError as exc:
            if activity.info().attempt < WEBHOOK_ATTEMPTS:
                raise ApplicationError(exc.message, type="WebhookError") from None
            await asyncio.to_thread(
                record_step, Path(inp.run_dir), "webhook", [exc.message], None, None,
                _step_seconds(),
            )  # fmt: skip
            return
        details = {
            "url": redact_url(inp.url),
            "http_status": status,
            "attempts": activity.info().attempt,
        }
        await asyncio.to_thread(
            record_step, Path(inp.run_dir), "webhook", [], details, None, _step_seconds()
        )

    def all(self) -> list[Callable[..., Awaitable[object]]]:
        return [
            self.preflight, self.plan_run, self.extract_database, self.finish_run,
            self.build_lineage, self.assess_quality, self.transform, self.close_run,
            self.notify_webhook,
        ]  # fmt: skip


async def _unsupported(inp: StepInput, step: str, name: str) -> bool:
    """Whether the source's engine lacks `step` (engines.POST_STEPS); if so it is recorded as
    skipped with a warning, so a run of a newer engine completes with what it has."""
    engine = get_engine(inp.extraction.source.engine)
    if step in engine.steps or (step == "formats" and not inp.extraction.formats):
        return False
    warning = f"{name}: not available for {engine.name} sources yet: skipped"
    await asyncio.to_thread(
        record_step, Path(inp.run_dir), name, [warning], {"skipped": True}, None, _step_seconds()
    )
    return True


async def _step(name: str, run_dir: Path, work: Callable[[threading.Event], list[str]]) -> None:
    """Run a post-extraction step; a permanent failure is recorded, not raised, so the steps
    after it still run. A transient one (a lost connection) raises, for a retry."""
    try:
        warnings = await _stoppable(work)
    except ApplicationError as exc:
        if not exc.non_retryable:
            raise
        await asyncio.to_thread(record_step, run_dir, name, [], None, exc.message, _step_seconds())
        return
    await asyncio.to_thread(release_memory)  # the next step starts from what is in use
    summary = await asyncio.to_thread(step_summary, run_dir, name)
    details = {"incremental": summary} if summary else None
    await asyncio.to_thread(record_step, run_dir, name, warnings, details, None, _step_seconds())


def _step_seconds() -> float:
    """The running step's wall time: from its first attempt's scheduling (retries and their
    backoff included) to now. Server and worker clocks may differ a little: never negative."""
    scheduled = activity.info().scheduled_time
    return max(0.0, (datetime.now(UTC) - scheduled).total_seconds())


class _Signals:
    """Signals to this activity's workflow from the step's thread, delivered in the order sent
    (one at a time) and without waiting for them: a slow server slows no transformer."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.handle = activity.client().get_workflow_handle(str(activity.info().workflow_id))
        self.loop = asyncio.get_running_loop()
        self.lock = asyncio.Lock()
        self.sent: list[concurrent.futures.Future[None]] = []

    def send(self, *args: Any) -> None:
        """Called from the worker thread."""
        self.sent.append(asyncio.run_coroutine_threadsafe(self._deliver(args), self.loop))

    async def _deliver(self, args: tuple[Any, ...]) -> None:
        async with self.lock:  # FIFO: a later count never overtakes an earlier one
            await self.handle.signal(self.name, args=list(args))

    async def flush(self) -> None:
        """Wait until every signal sent has been delivered; progress is best effort, so a
        failed delivery is logged, not raised."""
        outcomes = await asyncio.gather(
            *(asyncio.wrap_future(f) for f in self.sent), return_exceptions=True
        )
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                activity.logger.info("progress not delivered: %s", outcome)


async def _in_thread(function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """_stoppable for short core code that takes no stop event (it is waited for)."""
    return await _stoppable(lambda _: function(*args, **kwargs))


async def _stoppable(work: Callable[[threading.Event], T]) -> T:
    """Run blocking core code in a thread, heartbeating meanwhile; map our errors.

    When the activity is cancelled (its workflow cancelled, its worker shutting down), the
    event given to `work` is set, for it to stop between batches, and the thread is waited
    for: it never outlives its activity, writing on with no step to record it."""
    stop = threading.Event()
    thread = asyncio.ensure_future(asyncio.to_thread(work, stop))
    try:
        while not thread.done():
            activity.heartbeat()
            await asyncio.wait({thread}, timeout=HEARTBEAT_EVERY_S)
    except asyncio.CancelledError:
        stop.set()
        await _wait_out(thread)
        raise
    try:
        return thread.result()
    except SourceSenseError as exc:
        raise ApplicationError(
            exc.message, type=type(exc).__name__, non_retryable=not exc.retryable
        ) from None
    except (OSError, ValueError, KeyError, TypeError, ArithmeticError) as exc:
        # A bug or a bad file is no reason to retry; it is recorded with the step.
        raise ApplicationError(f"{type(exc).__name__}: {exc}", non_retryable=True) from None


async def _wait_out(thread: asyncio.Future[Any]) -> None:
    """Wait for a stopped thread to end, still heartbeating: until it has, the server must not
    time the activity out and let the workflow clean up under it."""
    while not thread.done():
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait({thread}, timeout=HEARTBEAT_EVERY_S)
        with contextlib.suppress(Exception):
            activity.heartbeat()
    if not thread.cancelled() and thread.exception() is not None:
        activity.logger.info("stopped: %s", thread.exception())
