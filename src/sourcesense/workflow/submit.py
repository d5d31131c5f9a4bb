"""Start a MetadataExtractionWorkflow and follow it to the end: on a Temporal cluster, or on
an embedded dev server with an in-process worker."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from temporalio.client import Client, WorkflowFailureError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError

from sourcesense.errors import SourceSenseError, error_from_name
from sourcesense.settings import Settings
from sourcesense.workflow.inputs import ExtractionInput, RunResult
from sourcesense.workflow.runtime import (
    EMBEDDED_READY_S,
    connect_client,
    embedded_temporal,
    new_worker,
)
from sourcesense.workflow.workflows import MetadataExtractionWorkflow, Progress

POLL_EVERY_S = 0.25
OnProgress = Callable[[Progress], None]


def workflow_id(run_id: str) -> str:
    return f"sourcesense-{run_id}"


async def run_workflow(
    inp: ExtractionInput,
    settings: Settings,
    on_progress: OnProgress | None = None,
    ui: bool = False,
    on_ui: Callable[[str], None] | None = None,
) -> RunResult:
    """Run one extraction as a workflow; raise the SourceSenseError that failed it, if any."""
    if settings.temporal_address:
        client = await connect_client(settings)
        return await follow(client, inp, settings, on_progress)
    async with embedded_temporal(settings.data_dir, ui=ui) as server:
        if server.ui_url and on_ui is not None:
            on_ui(server.ui_url)
        client = await connect_client(settings, server.address, wait_s=EMBEDDED_READY_S)
        async with new_worker(client, settings):
            return await follow(client, inp, settings, on_progress)


async def follow(
    client: Client, inp: ExtractionInput, settings: Settings, on_progress: OnProgress | None
) -> RunResult:
    handle = await client.start_workflow(
        MetadataExtractionWorkflow.run, inp, id=workflow_id(inp.run_id),
        task_queue=settings.task_queue,
    )  # fmt: skip
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
