"""Webhooks: a signed POST to the user's URL when a run ends."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from sourcesense.errors import SourceSenseError
from sourcesense.logs import redact_url, scrub

SIGNATURE_HEADER = "X-SourceSense-Signature"


class WebhookError(SourceSenseError):
    retryable = True


def sign(body: bytes, secret: str) -> str:
    """HMAC-SHA256 of the exact body, as `sha256=<hex>` (receivers recompute and compare)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def send_webhook(url: str, payload: dict[str, Any], secret: str, timeout_s: float = 10) -> int:
    body = json.dumps(payload, sort_keys=True, default=str).encode()
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(body, secret),
               "User-Agent": "sourcesense-webhook"}  # fmt: skip
    target, credentials = _split_user_info(url)
    if credentials:
        headers["Authorization"] = "Basic " + base64.b64encode(credentials.encode()).decode()
    request = urllib.request.Request(  # noqa: S310 (the scheme is checked by the API: http/https)
        target, data=body, method="POST", headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310
            return int(response.status)
    # Messages name the URL redacted: they reach the manifest, the log and Temporal failures.
    except urllib.error.HTTPError as exc:
        raise WebhookError(f"webhook {redact_url(url)} answered {exc.code}") from None
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        reason = scrub(str(getattr(exc, "reason", exc)))
        raise WebhookError(f"webhook {redact_url(url)} unreachable: {reason}") from None


def _split_user_info(url: str) -> tuple[str, str | None]:
    """urllib would read `user:password@host` as a host name: send it as HTTP Basic instead."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return url, None
    if "@" not in parts.netloc:
        return url, None
    user_info, _, host = parts.netloc.rpartition("@")
    user, _, password = user_info.partition(":")
    plain = f"{urllib.parse.unquote(user)}:{urllib.parse.unquote(password)}"
    return urllib.parse.urlunsplit(parts._replace(netloc=host)), plain
