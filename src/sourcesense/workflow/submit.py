"""Start a MetadataExtractionWorkflow and follow it to the end: on a Temporal cluster, or on
an embedded dev server with an in-process worker.

The embedded server keeps its workflows in the data dir, so a run interrupted by a kill is
still running there. Before its own run, a process that starts a worker there lists such runs,
says so, and resumes them in the foreground (or cancels them): a worker is never shut down
under a resumed run, and no run is carried on unseen.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from temporalio.client import Client, WorkflowFailureError, WorkflowHandle
from temporalio.exceptions import ApplicationError, is_cancelled_exception
from temporalio.service import RPCError

from sourcesense.errors import SourceSenseError, error_from_name
from sourcesense.settings import Settings
from sourcesense.workflow.inputs import ExtractionInput, RunResult
from sourcesense.workflow.runtime import (
    EMBEDDED_READY_S,
    TemporalOwner,
    connect_client,
    embedded_temporal,
    new_worker,
    temporal_owner,
)
from sourcesense.workflow.workflows import MetadataExtractionWorkflow, Progress

POLL_EVERY_S = 0.25
OWNER_WAIT_S = 1.0
OnProgress = Callable[[Progress], None]
Unfinished = Literal["resume", "cancel"]
UNFINISHED_QUERY = 'WorkflowType="MetadataExtractionWorkflow" AND ExecutionStatus="Running"'


@dataclass(frozen=True)
class UnfinishedRun:
    workflow_id: str
    run_id: str
    source: str
    started: datetime

    def describe(self) -> str:
        started = f"{self.started.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"
        return f"unfinished run {self.run_id} of {self.source}, started {started}"


def workflow_id(run_id: str) -> str:
    return f"sourcesense-{run_id}"


async def run_workflow(
    inp: ExtractionInput,
    settings: Settings,
    on_progress: OnProgress | None = None,
    ui: bool = False,
    on_ui: Callable[[str], None] | None = None,
    unfinished: Unfinished = "resume",
    say: Callable[[str], None] | None = None,
) -> RunResult:
    """Run one extraction as a workflow; raise the SourceSenseError that failed it, if any.
    On the embedded server, the unfinished runs of the data dir are resumed or cancelled
    first (`unfinished`), each announced through `say`."""
    if settings.temporal_address:
        client = await connect_client(settings)
        return await follow(client, inp, settings, on_progress)
    tell = say or (lambda _: None)
    owner = await _shared_owner(settings, tell)
    if owner is not None:  # a `serve` of this data dir: its worker runs the workflow
        client = await connect_client(settings, owner.address, wait_s=EMBEDDED_READY_S)
        return await follow(client, inp, settings, on_progress)
    async with embedded_temporal(settings.data_dir, ui=ui) as server:
        if server.ui_url and on_ui is not None:
            on_ui(server.ui_url)
        client = await connect_client(settings, server.address, wait_s=EMBEDDED_READY_S)
        async with new_worker(client, settings):
            await settle_unfinished(client, unfinished, tell, on_progress)
            return await follow(client, inp, settings, on_progress)


@contextlib.asynccontextmanager
async def submission_client(
    settings: Settings, say: Callable[[str], None], unfinished: Unfinished = "resume",
    worker: bool = True,
) -> AsyncIterator[Client]:  # fmt: skip
    """A client to submit several runs through, as `run_workflow` does one: the cluster, the
    running `serve`'s server, or an embedded server with a worker of this process (its
    unfinished runs settled first) that lasts as long as the context. `worker` False: the
    embedded server only, to manage schedules (they fire once a worker polls)."""
    if settings.temporal_address:
        yield await connect_client(settings)
        return
    owner = await _shared_owner(settings, say)
    if owner is not None:
        yield await connect_client(settings, owner.address, wait_s=EMBEDDED_READY_S)
        return
    async with embedded_temporal(settings.data_dir) as server:
        client = await connect_client(settings, server.address, wait_s=EMBEDDED_READY_S)
        if not worker:
            yield client
            return
        async with new_worker(client, settings):
            await settle_unfinished(client, unfinished, say)
            yield client


async def _shared_owner(settings: Settings, say: Callable[[str], None]) -> TemporalOwner | None:
    """The `serve` whose embedded Temporal server (and worker) this run can use; None when the
    data dir's server is free to start here. Another CLI's server stops with its own run, so
    that one is waited for instead."""
    waiting = False
    while True:
        owner = await asyncio.to_thread(temporal_owner, settings.data_dir)
        if owner is None or owner.kind == "serve":
            if owner is not None:
                say(f"submitting to the running sourcesense serve (pid {owner.pid}) through "
                    f"its Temporal server at {owner.address}")  # fmt: skip
            return owner
        if not waiting:
            say(f"waiting for another sourcesense process (pid {owner.pid}) to finish its run "
                f"in {settings.data_dir}")  # fmt: skip
            waiting = True
        await asyncio.sleep(OWNER_WAIT_S)


async def follow(
    client: Client, inp: ExtractionInput, settings: Settings, on_progress: OnProgress | None
) -> RunResult:
    handle = await client.start_workflow(
        MetadataExtractionWorkflow.run, inp, id=workflow_id(inp.run_id),
        task_queue=settings.task_queue,
    )  # fmt: skip
    return await watch(handle, on_progress)


async def watch(
    handle: WorkflowHandle[Any, RunResult], on_progress: OnProgress | None
) -> RunResult:
    """Follow a started workflow to its end, showing its progress."""
    result = asyncio.ensure_future(handle.result())
    while not result.done():
        if on_progress is not None:
            with contextlib.suppress(RPCError):
                on_progress(await handle.query(MetadataExtractionWorkflow.progress))
        await asyncio.wait({result}, timeout=POLL_EVERY_S)
    try:
        outcome = result.result()
    except WorkflowFailureError as exc:
        raise as_error(exc) from None
    if on_progress is not None:
        on_progress(await handle.query(MetadataExtractionWorkflow.progress))
    return outcome


def as_error(exc: WorkflowFailureError) -> SourceSenseError:
    cause = exc.cause
    if isinstance(cause, ApplicationError):
        error = error_from_name(cause.type, cause.message)
        if type(error) is SourceSenseError:  # not one of ours: a bug, say where it came from
            return SourceSenseError(f"the workflow failed: {cause.type}: {cause.message}")
        return error
    return SourceSenseError(f"the extraction workflow failed: {cause or exc}")


async def unfinished_runs(client: Client) -> list[UnfinishedRun]:
    """The extraction workflows still running on this server, oldest first, each with the
    run id and source (password left out) of its input."""
    found = []
    async for execution in client.list_workflows(UNFINISHED_QUERY):
        run_id, source = await _described(client, execution.id)
        found.append(UnfinishedRun(execution.id, run_id, source, execution.start_time))
    return sorted(found, key=lambda run: run.started)


async def _described(client: Client, workflow: str) -> tuple[str, str]:
    """(run id, source) from the workflow's input; the id alone when the input cannot be read
    (encrypted with another SOURCESENSE_SECRET_KEY)."""
    fallback = (workflow.removeprefix(workflow_id("")), "an unreadable source")
    async for event in client.get_workflow_handle(workflow).fetch_history_events():
        payloads = event.workflow_execution_started_event_attributes.input.payloads
        try:
            [inp] = await client.data_converter.decode(payloads, [ExtractionInput])
        except Exception:  # any decoding failure: the run is still listed
            return fallback
        # A scheduled run's input has no run id (its workflow names the run): say its workflow.
        return inp.run_id or workflow, inp.source.to_source().redacted_url()
    return fallback


async def settle_unfinished(
    client: Client, choice: Unfinished, say: Callable[[str], None],
    on_progress: OnProgress | None = None,
) -> None:  # fmt: skip
    """Resume each unfinished run in the foreground (its progress shown) or cancel it (its
    manifest says `cancelled`, its staging removed); either way it has ended on return."""
    runs = await unfinished_runs(client)
    for run in runs:
        say(f"{run.describe()}: {'resuming' if choice == 'resume' else 'cancelling'} it")
    for run in runs:
        handle = client.get_workflow_handle(run.workflow_id, result_type=RunResult)
        say(f"run {run.run_id}: {await _settle(handle, choice, on_progress)}")


async def _settle(
    handle: WorkflowHandle[Any, RunResult], choice: Unfinished, on_progress: OnProgress | None
) -> str:
    """The run's final status once resumed or cancelled."""
    if choice == "resume":
        try:
            return (await watch(handle, on_progress)).status
        except SourceSenseError as exc:
            return f"failed: {exc.message}"
    await handle.cancel()
    try:
        return (await handle.result()).status  # it ended before the cancellation reached it
    except WorkflowFailureError as exc:
        if is_cancelled_exception(exc.cause):
            return "cancelled"
        return f"failed: {as_error(exc).message}"
