"""Token authentication, per-client rate limiting, a request body limit, security headers, and
what error answers may show."""

from __future__ import annotations

import hmac
import re
import time
from collections import OrderedDict, deque
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sourcesense.api.docs import is_docs_path
from sourcesense.settings import Settings

OPEN_PATHS = {"/health"}
# Rate-limit windows kept at most: ~1 KB each for a client seen once, and never more than
# MAX_CLIENTS x rate_limit_per_minute timestamps in all.
MAX_CLIENTS = 10_000


def token_matches(header: str | None, token: str) -> bool:
    scheme, _, value = (header or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(value.encode(), token.encode())


def error(
    status: int, type_name: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    body = {"error": {"type": type_name, "message": _valid_text(message)}}
    return JSONResponse(body, status_code=status, headers=headers)


def is_static(path: str) -> bool:
    """The UI's and /docs' files (and the redirect to them): public, never rate limited."""
    return path == "/" or path.startswith("/ui/") or is_docs_path(path)


def _exempt(scope: Scope) -> bool:
    """Neither authenticated nor counted: CORS preflights, /health, UI and /docs files."""
    path = scope["path"]
    return scope["method"] == "OPTIONS" or path in OPEN_PATHS or is_static(path)


# Plain ASGI middleware, not BaseHTTPMiddleware: that runs each request's app in a task of its
# own and streams the response through a queue, which cost the results API most of its time
# per request under 10 concurrent clients (bench/README.md, "Results API under load").
class AuthMiddleware:
    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app, self.token = app, token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _exempt(scope):
            await self.app(scope, receive, send)
            return
        if not token_matches(Headers(scope=scope).get("authorization"), self.token):
            message = "missing or wrong API token: send 'Authorization: Bearer <token>'"
            refused = error(401, "Unauthorized", message, {"WWW-Authenticate": "Bearer"})
            await refused(scope, receive, send)
            return
        await self.app(scope, receive, send)


class RateLimitMiddleware:
    """A sliding one-minute window of API calls per client address and token.

    The UI's static files are not counted (a page load fetches a score of modules), so the
    budget is the API calls alone. Calls bearing the API token have their own window, apart
    from the same address's calls without it: unauthenticated noise cannot use up the
    budget of the token's holder.
    The state is bounded: clients idle for a minute are forgotten, and beyond `max_clients`
    the least recently seen is dropped (its window restarts; the others' are kept).
    """

    def __init__(
        self, app: ASGIApp, per_minute: int, token: str = "", max_clients: int = MAX_CLIENTS
    ) -> None:
        self.app = app
        self.per_minute, self.max_clients, self.token = per_minute, max_clients, token
        self.hits: OrderedDict[str, deque[float]] = OrderedDict()  # least recently seen first

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _exempt(scope):
            await self.app(scope, receive, send)
            return
        client = scope["client"][0] if scope.get("client") else "unknown"
        header = Headers(scope=scope).get("authorization")
        holder = self.token and token_matches(header, self.token)
        retry = self.hit(f"{client} {'token' if holder else 'anonymous'}", time.monotonic())
        if retry is not None:
            message = f"rate limit of {self.per_minute} requests a minute reached; retry later"
            refused = error(429, "TooManyRequests", message, {"Retry-After": str(retry)})
            await refused(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def hit(self, client: str, now: float) -> int | None:
        """Count a request; the seconds to wait if it is over the limit, else None."""
        self._forget_idle(now)
        window = self.hits.pop(client, None) or deque()
        self.hits[client] = window  # (re)inserted last: the most recently seen
        while window and window[0] <= now - 60:
            window.popleft()
        if len(window) >= self.per_minute:
            return max(1, int(60 - (now - window[0])) + 1)
        window.append(now)
        while len(self.hits) > self.max_clients:
            self.hits.popitem(last=False)
        return None

    def _forget_idle(self, now: float) -> None:
        # Entries are in order of last use, so the idle ones are at the front.
        while self.hits:
            window = next(iter(self.hits.values()))
            if window and window[-1] > now - 60:
                return
            self.hits.popitem(last=False)


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


# The UI and the API docs are files only (no inline script or style), so they run under a
# same-origin policy.
UI_CSP = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def security_headers() -> list[tuple[bytes, bytes]]:
    return [
        (b"content-security-policy", UI_CSP.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"no-referrer"),
    ]


class SecurityHeadersMiddleware:
    """The same headers on every response: UI files, API answers, errors, 401s and 429s."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = security_headers()
        names = {name for name, _ in extra}

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message = {**message, "headers": kept + extra}
            await send(message)

        await self.app(scope, receive, with_headers)


def validation_errors(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """Pydantic's field errors without the rejected input, every text valid Unicode."""
    return [
        {
            key: _valid_text(value)
            for key, value in dict(item).items()
            if key not in ("input", "url")
        }
        for item in errors
    ]


def _valid_text(value: Any) -> Any:
    """Lone surrogates (JSON allows "\\ud800") become U+FFFD so the answer can be encoded."""
    if isinstance(value, str):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, list | tuple):
        return [_valid_text(item) for item in value]
    if isinstance(value, dict):
        return {str(_valid_text(k)): _valid_text(v) for k, v in value.items()}
    return value if value is None or isinstance(value, int | float | bool) else str(value)


# An absolute path of at least two segments, not part of a URL ("http://h/a/b").
_ABSOLUTE_PATH = re.compile(r"(?<![\w/:.@-])/[^\s'\"/]+(?:/[^\s'\"/]*)+")


def public_message(message: str, settings: Settings) -> str:
    """An error message fit for an API answer: no absolute paths of the server's file system
    (the data dir is named as such; the CLI still shows the real path)."""
    for root in {str(settings.data_dir), str(settings.data_dir.resolve())}:
        message = message.replace(root, "the data directory")
    return _ABSOLUTE_PATH.sub("<path>", message)
