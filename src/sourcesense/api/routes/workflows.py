"""The design notes' workflow endpoints: metadata, start, status (+ SSE), results, preflight."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import SecretStr, ValidationError
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowFailureError, WorkflowHandle
from temporalio.service import RPCError, RPCStatusCode

from sourcesense.api.deps import ClientDep, SettingsDep
from sourcesense.api.models import (
    Connection,
    ErrorBody,
    ErrorResponse,
    PreflightReport,
    SslMode,
    Started,
    StartRequest,
    StatusResponse,
)
from sourcesense.api.security import error, public_message
from sourcesense.api.sources import caller_source, check_filters
from sourcesense.errors import RunNotFoundError, SourceSenseError
from sourcesense.extract.filters import Filters
from sourcesense.extract.preflight import discover_schemas, preflight
from sourcesense.logs import correlation_id, remember_secret
from sourcesense.settings import Settings
from sourcesense.store.rundir import new_run_id
from sourcesense.transform.openlineage import check_openlineage_url
from sourcesense.transform.registry import check_formats
from sourcesense.workflow.inputs import ExtractionInput, RunResult, SourceLimits, SourceSpec
from sourcesense.workflow.runtime import temporal_error
from sourcesense.workflow.submit import as_error, workflow_id
from sourcesense.workflow.workflows import STAGES, MetadataExtractionWorkflow, Progress, StageStatus

router = APIRouter(prefix="/workflows/v1", tags=["workflows"])
PREFIX = "sourcesense-"
QUERY_TIMEOUT = timedelta(seconds=5)  # progress comes from a worker; it may be busy or down
# Answers besides 200 and 422 that the routes give; FastAPI answers 400 to a body not in UTF-8.
BAD_BODY: dict[int | str, dict[str, Any]] = {400: {"description": "The body is not UTF-8 JSON"}}
UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: {"model": ErrorResponse, "description": "Temporal cannot be reached; retry shortly"}
}
NO_WORKFLOW: dict[int | str, dict[str, Any]] = {404: {"description": "No such workflow"}}
SOURCE_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "The source rejected the credentials"},
    403: {"model": ErrorResponse, "description": "The role may not connect or read the catalog"},
    404: {"model": ErrorResponse, "description": "No such database on the source"},
    502: {"model": ErrorResponse, "description": "The source cannot be reached"},
}


@router.post("/preflight", responses=BAD_BODY)
async def preflight_route(connection: Connection, settings: SettingsDep) -> PreflightReport:
    """Test a connection: reachability, authentication, server version, privileges, estimated
    size. A connection that fails is a successful test: `ok` false and the reason."""
    remember_secret(connection.password.get_secret_value() if connection.password else None)
    source = caller_source(connection, settings, "connection.host")
    try:
        facts = await asyncio.to_thread(preflight, source, Filters(), settings)
    except SourceSenseError as exc:
        message = public_message(exc.message, settings)
        return PreflightReport(ok=False, error=ErrorBody(type=type(exc).__name__, message=message))
    return PreflightReport(ok=True, **dataclasses.asdict(facts))


@router.get("/metadata", responses=SOURCE_ERRORS)
async def metadata(
    settings: SettingsDep,
    host: Annotated[str, Query(min_length=1, max_length=255)],
    user: Annotated[str, Query(min_length=1, max_length=63)],
    port: Annotated[int, Query(ge=1, le=65535)] = 5432,
    database: Annotated[str, Query(min_length=1, max_length=63)] = "postgres",
    sslmode: SslMode | None = None,
    x_source_password: Annotated[str | None, Header(max_length=1000)] = None,
) -> list[dict[str, str]]:
    """Databases and schemas the connection can see (`catalog_name`, `schema_name`); the
    password travels in the X-Source-Password header, never in the URL."""
    remember_secret(x_source_password)
    secret = SecretStr(x_source_password) if x_source_password is not None else None
    try:
        connection = Connection(
            host=host, port=port, user=user, password=secret, database=database, sslmode=sslmode
        )
    except ValidationError as exc:  # checks beyond the query's own (control characters)
        raise RequestValidationError(_located(exc)) from None
    source = caller_source(connection, settings, "host")
    return await asyncio.to_thread(discover_schemas, source, Filters(), settings)


def _located(exc: ValidationError) -> list[dict[str, Any]]:
    """Errors of a Connection built from the query, located as FastAPI locates its own."""
    errors = []
    for item in exc.errors():
        name = str(item["loc"][0]) if item["loc"] else ""
        where = ("header", "x-source-password") if name == "password" else ("query", name)
        errors.append({**item, "loc": where})
    return errors


@router.post("/start", status_code=202, responses=BAD_BODY | UNAVAILABLE)
async def start(body: StartRequest, client: ClientDep, settings: SettingsDep) -> Started:
    password = body.connection.password
    remember_secret(password.get_secret_value() if password else None)
    source = caller_source(body.connection, settings, "connection.host")
    filters = Filters.of(body.filters.model_dump())
    check_formats(body.options.formats)
    await check_filters(source, filters, settings)
    run_id = new_run_id()
    opts = body.options
    transform_options: dict[str, str] = {}
    if opts.openlineage_url:
        url = str(opts.openlineage_url)
        transform_options["openlineage_url"] = check_openlineage_url(url, opts.formats)
    inp = ExtractionInput(
        SourceSpec.of(source), str(settings.data_dir), run_id,
        filters.recorded(), opts.all_databases, exact_sizes=not opts.estimate_sizes,
        lineage=opts.lineage, profile=opts.profile, anonymize=opts.anonymize,
        include_pii_values=opts.include_pii_values,
        incremental=not opts.full_refresh, formats=opts.formats,
        transform_options=transform_options,
        webhook_url=str(opts.webhook_url) if opts.webhook_url else None,
        correlation_id=correlation_id.get(), limits=SourceLimits.of(settings),
    )  # fmt: skip
    await client.start_workflow(
        MetadataExtractionWorkflow.run, inp, id=workflow_id(run_id), task_queue=settings.task_queue
    )
    return Started(workflow_id=workflow_id(run_id), run_id=run_id)


def _handle(client: Client, workflow: str) -> WorkflowHandle[Any, Any]:
    if not workflow.startswith(PREFIX) or len(workflow) > 80:
        raise RunNotFoundError(f"no workflow '{workflow[:80]}': ids look like sourcesense-<run_id>")
    return client.get_workflow_handle(workflow, result_type=RunResult)


async def _status(client: Client, workflow: str, settings: Settings) -> StatusResponse:
    handle = _handle(client, workflow)
    try:
        description = await handle.describe()
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise RunNotFoundError(f"no workflow '{workflow}'") from None
        raise  # Temporal unreachable: the app's handler answers 503
    try:
        progress = await handle.query(
            MetadataExtractionWorkflow.progress, rpc_timeout=QUERY_TIMEOUT
        )
    except RPCError:  # no worker answered (none running, or all busy): no progress to show
        progress = Progress(stages={name: StageStatus() for name in STAGES})
    status = description.status
    response = StatusResponse(
        workflow_id=workflow, run_id=workflow.removeprefix(PREFIX),
        status=(status.name.lower() if status else "unknown"),
        stages={k: dataclasses.asdict(v) for k, v in progress.stages.items()},
        databases=progress.databases, elapsed_seconds=progress.elapsed_seconds,
    )  # fmt: skip
    if status == WorkflowExecutionStatus.COMPLETED:
        response.result = dataclasses.asdict(await handle.result())
    elif status == WorkflowExecutionStatus.FAILED:
        try:
            await handle.result()
        except WorkflowFailureError as exc:
            response.error = public_message(as_error(exc).message, settings)
    return response


CANCEL_ANSWERS: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorResponse, "description": "The run has already ended"}
}


@router.post("/cancel/{workflow}", status_code=202,
             responses=NO_WORKFLOW | UNAVAILABLE | CANCEL_ANSWERS)  # fmt: skip
async def cancel(workflow: str, client: ClientDep) -> JSONResponse:
    """Ask a running extraction to stop (Temporal cancellation). The workflow stops its
    activities, records the run as `cancelled` and removes its partial files; the status
    then reads `canceled`. A run that has already ended answers 409."""
    handle = _handle(client, workflow)
    try:
        description = await handle.describe()
        if description.status != WorkflowExecutionStatus.RUNNING:
            state = description.status.name.lower() if description.status else "unknown"
            return error(409, "RunEnded", f"the run has already ended ({state}); nothing to cancel")
        await handle.cancel()
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise RunNotFoundError(f"no workflow '{workflow}'") from None
        raise  # Temporal unreachable: the app's handler answers 503
    return JSONResponse({"workflow_id": workflow, "status": "cancelling"}, status_code=202)


@router.get("/status/{workflow}", responses=NO_WORKFLOW | UNAVAILABLE)
async def status(workflow: str, client: ClientDep, settings: SettingsDep) -> StatusResponse:
    return await _status(client, workflow, settings)


@router.get("/status/{workflow}/stream", response_class=StreamingResponse,
            responses=NO_WORKFLOW | UNAVAILABLE)  # fmt: skip
async def status_stream(
    workflow: str, client: ClientDep, settings: SettingsDep
) -> StreamingResponse:
    """Server-Sent Events: a `progress` event on every change, then one `done` event."""
    first = await _status(client, workflow, settings)  # 404 before the stream starts

    async def events() -> AsyncIterator[str]:
        current, last = first, ""
        while True:
            text = current.model_dump_json()
            finished = current.status != "running"
            if text != last or finished:
                yield f"event: {'done' if finished else 'progress'}\ndata: {text}\n\n"
                last = text
            if finished:
                return
            await asyncio.sleep(0.5)
            try:
                current = await _status(client, workflow, settings)
            except RPCError as exc:
                if temporal_error(exc) is None:
                    raise
                return  # Temporal went away: the stream ends; clients poll /status meanwhile

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache"})  # fmt: skip
