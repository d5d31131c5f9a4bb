"""Logging: structured JSON lines to a file under the data dir, secrets redacted, each line
carrying the correlation id of the request (or workflow) it belongs to.

Temporal's worker logs failed activities with tracebacks; users see our one-line errors on
stderr instead, and the details stay in <data_dir>/logs/sourcesense.log.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import threading
from datetime import UTC, datetime
from pathlib import Path

correlation_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "correlation_id", default=None
)
_URL_PASSWORD = re.compile(r"(://[^:/@\s]+:)[^@\s]+@")
_KEY_PASSWORD = re.compile(r"(password\s*[=:]\s*['\"]?)[^\s'\",}]+", re.IGNORECASE)


class SecretRegistry:
    """Secrets seen by this process (passwords given to the API); every log line is scrubbed."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._lock = threading.Lock()

    def add(self, secret: str | None) -> None:
        if secret:
            with self._lock:
                self._secrets.add(secret)

    def scrub(self, text: str) -> str:
        text = _KEY_PASSWORD.sub(r"\1****", _URL_PASSWORD.sub(r"\1****@", text))
        with self._lock:
            for secret in self._secrets:
                text = text.replace(secret, "****")
        return text


SECRETS = SecretRegistry()


class RedactingJsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "correlation_id": correlation_id.get(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return SECRETS.scrub(json.dumps(entry, default=str))


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
