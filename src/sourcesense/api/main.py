"""The FastAPI application: routes over the workflow and the run store, secure by default."""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from temporalio.client import Client
from temporalio.service import RPCError

from sourcesense import __version__
from sourcesense.api.docs import OPENAPI_URL, add_docs
from sourcesense.api.hosts import parse_allow_list
from sourcesense.api.routes import health, pages, prune, results, runs, schedules, workflows
from sourcesense.api.security import (
    OPEN_PATHS,
    AuthMiddleware,
    BodyLimitMiddleware,
    RateLimitMiddleware,
    SecurityHeadersMiddleware,
    error,
    public_message,
    ui_dir,
    validation_errors,
)
from sourcesense.errors import SourceSenseError, TemporalUnavailableError
from sourcesense.logs import correlation_id
from sourcesense.settings import Settings
from sourcesense.store.results import IndexCache
from sourcesense.tokens import api_token
from sourcesense.workflow.runtime import temporal_error

log = logging.getLogger(__name__)
RETRY_AFTER_S = "5"  # a restarted embedded Temporal is back within a few seconds


def create_app(settings: Settings, client: Client) -> FastAPI:
    app = FastAPI(title="SourceSense", version=__version__, docs_url=None, redoc_url=None,
                  swagger_ui_oauth2_redirect_url=None, openapi_url=OPENAPI_URL,
                  description="PostgreSQL metadata extraction as durable workflows.")  # fmt: skip
    app.state.settings, app.state.client = settings, client
    parse_allow_list(settings.allowed_sources)  # a bad entry stops the server at start
    app.state.results_index = IndexCache(settings.results_cache_runs)
    routers = (health, workflows, results, runs, pages, schedules)
    for module in routers:
        app.include_router(module.router)
    app.include_router(prune.router)  # last: fuzzing it (the spec's order) deletes runs
    app.add_exception_handler(SourceSenseError, _our_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _invalid)  # type: ignore[arg-type]
    app.add_exception_handler(RPCError, _temporal_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected)
    add_docs(app, OPEN_PATHS)
    if ui_dir().exists():
        app.mount("/ui", StaticFiles(directory=ui_dir(), html=True), name="ui")
        app.add_api_route("/", lambda: RedirectResponse("/ui/"), include_in_schema=False)
    # Outermost last: body limit, request id, rate limit, CORS, then authentication.
    token = api_token(settings)[0]
    app.add_middleware(AuthMiddleware, token=token)
    headers = ["Authorization", "Content-Type", "X-Source-Password", "X-Request-ID"]
    app.add_middleware(
        CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["*"],
        allow_headers=headers,
    )  # fmt: skip
    app.add_middleware(
        RateLimitMiddleware, per_minute=settings.rate_limit_per_minute,
        token=token,
    )  # fmt: skip
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeadersMiddleware)
    # Outermost: answers (JSON pages, UI files) leave compressed; SSE and zips are left alone.
    app.add_middleware(GZipMiddleware, minimum_size=1_000)
    return app


def server_options(settings: Settings) -> dict[str, Any]:
    """uvicorn.Config arguments: X-Forwarded-For/-Proto are believed only from the configured
    proxies (uvicorn's default trusts them from 127.0.0.1, so any local client could pose as
    any address and walk around the rate limit)."""
    proxies = settings.trusted_proxies
    return {"proxy_headers": bool(proxies), "forwarded_allow_ips": proxies or [],
            "server_header": False}  # fmt: skip


# Echoed ids end up in logs, headers and the UI: a conservative charset and length only.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


class RequestIdMiddleware:
    """The correlation id of every log line of the request, and of the workflow it starts;
    answered in X-Request-ID."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get("x-request-id", "")
        request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
            await send(message)

        token = correlation_id.set(request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            correlation_id.reset(token)


async def _our_error(request: Request, exc: SourceSenseError) -> JSONResponse:
    if isinstance(exc, TemporalUnavailableError):  # ours, not the source's: 503, try again
        return error(503, type(exc).__name__, exc.message, {"Retry-After": RETRY_AFTER_S})
    status = exc.http_status if exc.http_status < 500 else 502 if exc.retryable else 500
    message = public_message(exc.message, request.app.state.settings)
    return error(status, type(exc).__name__, message)


async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
    """FastAPI's 422 body, without the rejected input (a password, a lone surrogate...)."""
    return JSONResponse({"detail": validation_errors(exc.errors())}, status_code=422)


async def _temporal_error(request: Request, exc: RPCError) -> JSONResponse:
    """A Temporal call that failed: 503 when Temporal cannot be reached, else unexpected."""
    unavailable = temporal_error(exc)
    if unavailable is None:
        return await _unexpected(request, exc)
    log.warning("%s %s: %s", request.method, request.url.path, unavailable.message)
    return await _our_error(request, unavailable)


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    return error(500, "InternalError", "unexpected server error; details are in the server log")
