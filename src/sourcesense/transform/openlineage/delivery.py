"""Posting a run's OpenLineage events to an endpoint through openlineage-python's HTTP
transport (urllib3 retries on connection errors, 429 and 5xx). Delivery is best effort: a
failure is a warning on the transformation step, never a failed run."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

from openlineage.client.client import Event
from openlineage.client.transport.http import (
    ApiKeyTokenProvider,
    HttpConfig,
    HttpTransport,
    TokenProvider,
)
from requests import RequestException

from sourcesense.errors import ConfigError
from sourcesense.logs import redact_url, scrub
from sourcesense.settings import get_settings

# Each event: 3 retries, 0.4 s then 0.8 s apart (urllib3 backoff), on connection errors, 429
# and 5xx. An event still unsent after them means the endpoint is down or refusing: the rest
# are not tried (a run must not spend seconds per event on a dead URL). An event the server
# rejects (another 4xx) is counted and the next one is tried.
RETRY: dict[str, Any] = {
    "total": 3, "connect": 3, "read": 3, "backoff_factor": 0.2,
    "status_forcelist": [429, 500, 502, 503, 504], "allowed_methods": ["POST"],
}  # fmt: skip
TIMEOUT_S = 10.0


def check_openlineage_url(url: str, formats: list[str]) -> str:
    """The URL, if events can be posted to it; a ConfigError saying what to fix otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"OpenLineage URL {redact_url(url)}: give the server's http(s)://host[:port] URL"
        )
    if "openlineage" not in formats:
        raise ConfigError("an OpenLineage URL sends the openlineage output: add that format")
    return url


def transport(url: str) -> HttpTransport:
    """The transport to `url` (the server's base URL; events go to <url>/api/v1/lineage)."""
    key = get_settings().openlineage_api_key
    auth = ApiKeyTokenProvider({"apiKey": key.get_secret_value()}) if key else TokenProvider({})
    return HttpTransport(HttpConfig(url=url, timeout=TIMEOUT_S, auth=auth, retry=RETRY))


def deliver(
    events: Path, url: str, check_stop: Callable[[], None]
) -> tuple[dict[str, Any], str | None]:
    """Post every line of `events`; (the manifest's record of it, a warning or None)."""
    shown = redact_url(url)
    sent = failed = 0
    down = False
    error: str | None = None
    try:
        sender = transport(url)
    except ValueError as exc:
        reason = scrub(str(exc))[:200]
        record = {"url": shown, "sent": 0, "failed": _count(events), "error": reason}
        return record, f"openlineage: events not sent to {shown}: {reason}"
    with events.open(encoding="utf-8") as lines, contextlib.closing(sender):
        for line in lines:
            check_stop()
            if down:
                failed += 1
                continue
            try:
                sender.emit(cast(Event, json.loads(line)))
            except RequestException as exc:
                failed += 1
                down = exc.response is None
                error = error or _reason(exc)
            else:
                sent += 1
    record = {"url": shown, "sent": sent, "failed": failed, "error": error}
    if not failed:
        return record, None
    return record, f"openlineage: {failed} of {sent + failed} events not sent to {shown}: {error}"


def _count(events: Path) -> int:
    with events.open("rb") as handle:
        return sum(1 for _ in handle)


def _reason(exc: RequestException) -> str:
    """One line, without the URL's query string or user info (tokens travel there)."""
    response = exc.response
    if response is not None:
        return f"HTTP {response.status_code}"
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return scrub(text)[:200]
