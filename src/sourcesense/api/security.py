"""Token authentication, per-client rate limiting and a request body limit."""

from __future__ import annotations

import hmac
import time
from collections import defaultdict, deque
from pathlib import Path

from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

OPEN_PATHS = {"/health"}


def token_matches(header: str | None, token: str) -> bool:
    scheme, _, value = (header or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(value.encode(), token.encode())


def error(
    status: int, type_name: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = {"error": {"type": type_name, "message": message}}
    return JSONResponse(body, status_code=status, headers=headers)


class AuthMiddleware(BaseHTTPMiddleware):
    def __init__(self, app: ASGIApp, token: str) -> None:
        super().__init__(app)
        self.token = token

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        path = request.url.path
        public = path in OPEN_PATHS or path == "/" or path.startswith("/ui/")
        if request.method == "OPTIONS" or public:
            return await call_next(request)
        if not token_matches(request.headers.get("authorization"), self.token):
            message = "missing or wrong API token: send 'Authorization: Bearer <token>'"
            return error(401, "Unauthorized", message, {"WWW-Authenticate": "Bearer"})
        return await call_next(request)


class RateLimitMiddleware(BaseHTTPMiddleware):
    """A sliding one-minute window per client address."""

    def __init__(self, app: ASGIApp, per_minute: int) -> None:
        super().__init__(app)
        self.per_minute = per_minute
        self.hits: dict[str, deque[float]] = defaultdict(deque)

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        if request.url.path in OPEN_PATHS:
            return await call_next(request)
        client = request.client.host if request.client else "unknown"
        now = time.monotonic()
        window = self.hits[client]
        while window and window[0] <= now - 60:
            window.popleft()
        if len(window) >= self.per_minute:
            retry = max(1, int(60 - (now - window[0])) + 1)
            return error(429, "TooManyRequests", f"rate limit of {self.per_minute} requests a "
                         "minute reached; retry later", {"Retry-After": str(retry)})  # fmt: skip
        window.append(now)
        return await call_next(request)


class BodyLimitMiddleware:
    """Refuse bodies over the limit, declared or streamed, with 413 before a route sees them."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                raise BodyTooLargeError
            return message

        # FastAPI turns any error while reading a body into its own 400: drop what the app
        # answers once the limit is crossed, and answer 413 instead.
        async def guarded_send(message: Message) -> None:
            if received <= self.max_bytes:
                await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if received <= self.max_bytes:
                raise
        if received > self.max_bytes:
            await self._too_large(scope, receive, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = error(413, "PayloadTooLarge", f"request body over {self.max_bytes} bytes")
        await response(scope, receive, send)


class BodyTooLargeError(Exception):
    pass


def ui_dir() -> Path:
    return Path(__file__).parent.parent / "ui" / "static"
