"""Logging: structured JSON lines to a file under the data dir, secrets redacted, each line
carrying the correlation id of the request (or workflow) it belongs to.

Temporal's worker logs failed activities with tracebacks; users see our one-line errors on
stderr instead, and the details stay in <data_dir>/logs/sourcesense.log. The Temporal SDK's
Rust core logs there too (forwarded to the `temporalio.core` logger by
workflow.runtime.sdk_runtime), never to stdout or stderr.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

correlation_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "correlation_id", default=None
)
_URL_PASSWORD = re.compile(r"(://[^:/@\s]+:)[^@\s]+@")
# password=x, password: x, "password": "x y", password='x y'
_KEY_PASSWORD = re.compile(
    r"""(password["']?\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s,}]+)""", re.IGNORECASE
)


# Secrets of the current request (passwords given to the API): log lines written in its
# context are scrubbed of them. Per request, so the set neither grows nor leaks across requests.
request_secrets: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar(
    "request_secrets", default=()
)


def remember_secret(secret: str | None) -> None:
    if secret:
        request_secrets.set((*request_secrets.get(), secret))


_HTTP_URL = re.compile(r"https?://[^\s\"'<>]+", re.IGNORECASE)


def redact_url(url: str) -> str:
    """A webhook URL as it may be stored, logged or shown: without user info, query string and
    fragment, where tokens travel (https://hooks.example/x?token=... -> .../x?****)."""
    try:
        parts = urlsplit(url)
        host = parts.netloc.rpartition("@")[2]
    except ValueError:
        return "****"
    query = "****" if parts.query else ""
    return urlunsplit((parts.scheme, host, parts.path, query, ""))


def scrub(text: str) -> str:
    text = _HTTP_URL.sub(lambda match: redact_url(match.group()), text)
    text = _KEY_PASSWORD.sub(r"\1****", _URL_PASSWORD.sub(r"\1****@", text))
    for secret in request_secrets.get():
        text = text.replace(secret, "****")
    return text


class RedactingJsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        # Fields are scrubbed before JSON encoding, so a secret can never be half-escaped.
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": scrub(record.getMessage()),
            "correlation_id": correlation_id.get(),
        }
        if record.exc_info:
            entry["exception"] = scrub(self.formatException(record.exc_info))
        return json.dumps(entry, default=str)


def configure_logging(data_dir: Path) -> Path:
    folder = data_dir / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "sourcesense.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(RedactingJsonFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return path
