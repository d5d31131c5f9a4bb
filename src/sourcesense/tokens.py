"""The API token: from settings, or generated once under the data dir (mode 0600)."""

from __future__ import annotations

import os
import secrets

from sourcesense.settings import Settings


def api_token(settings: Settings) -> tuple[str, bool]:
    """The token, and whether it was generated just now (then it is shown once)."""
    if settings.api_token is not None:
        return settings.api_token.get_secret_value(), False
    path = settings.data_dir / "api.token"
    if path.exists():
        return path.read_text(encoding="ascii").strip(), False
    path.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(token + "\n")
    return token, True


def webhook_secret(settings: Settings) -> str:
    if settings.webhook_secret is not None:
        return settings.webhook_secret.get_secret_value()
    return api_token(settings)[0]
