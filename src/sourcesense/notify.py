"""Webhooks: a signed POST to the user's URL when a run ends."""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
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
    request = urllib.request.Request(  # noqa: S310 (the scheme is checked by the API: http/https)
        url, data=body, method="POST",
        headers={"Content-Type": "application/json", SIGNATURE_HEADER: sign(body, secret),
                 "User-Agent": "sourcesense-webhook"},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310
            return int(response.status)
    # Messages name the URL redacted: they reach the manifest, the log and Temporal failures.
    except urllib.error.HTTPError as exc:
        raise WebhookError(f"webhook {redact_url(url)} answered {exc.code}") from None
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        reason = scrub(str(getattr(exc, "reason", exc)))
        raise WebhookError(f"webhook {redact_url(url)} unreachable: {reason}") from None
