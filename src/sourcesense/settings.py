"""The one settings object. Every field can be set from the environment (SOURCESENSE_...)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_data_dir() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "sourcesense"


def _default_embedded_pg_dir() -> Path:
    # Outside the data dir, so one embedded server serves every data dir of a user (as root
    # the cluster itself lives under /var/lib/sourcesense, see embedded.py).
    return Path("/var/tmp") / f"sourcesense-{os.getuid()}" / "pg"  # noqa: S108


class Settings(BaseSettings):
    """Runtime settings; the CLI overrides some fields per command."""

    model_config = SettingsConfigDict(env_prefix="SOURCESENSE_", extra="ignore")

    data_dir: Path = _default_data_dir()
    embedded_pg_dir: Path = _default_embedded_pg_dir()
    # Waiting on a source is always bounded. The server ends a statement at statement_timeout
    # (a catalog query that hits it is retried once with twice the limit) and a lock wait at
    # lock_timeout; the client closes a connection whose server stays silent for
    # statement_timeout + hang_grace_s (a frozen backend enforces no timeout of its own).
    statement_timeout_ms: int = 30_000
    lock_timeout_ms: int = 2_000
    hang_grace_s: float = 15.0
    connect_timeout_s: int = 10
    tcp_keepalive_idle_s: int = 15
    tcp_keepalive_interval_s: int = 5
    tcp_keepalive_count: int = 3
    tcp_user_timeout_ms: int = 45_000
    # Retries of a database or step after a transient failure (lost connection, hung server):
    # attempts in all, and the longest pause between two (the pauses double from 1 s).
    source_retry_attempts: int = 6
    source_retry_max_interval_s: int = 30
    application_name: str = "sourcesense"
    batch_rows: int = 20_000

    # Orchestration: no address means an embedded Temporal dev server under data_dir.
    temporal_address: str | None = None
    temporal_namespace: str = "default"
    temporal_tls: bool = False
    temporal_tls_ca: Path | None = None
    temporal_tls_cert: Path | None = None
    temporal_tls_key: Path | None = None
    task_queue: str = "sourcesense"
    max_concurrent_activities: int = 8
    # REST API (`sourcesense serve`)
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    api_token: SecretStr | None = None  # else data_dir/api.token, generated on first start
    cors_origins: list[str] = []  # empty: same origin only
    # API calls a minute per client and token; the UI's static files are not counted.
    rate_limit_per_minute: int = 300
    max_body_bytes: int = 1_000_000
    webhook_secret: SecretStr | None = None  # else the API token signs webhooks
    # Hosts API callers may connect to (JSON list: "db.internal:5432", "*.example.com",
    # "10.0.0.0/8"); empty: any TCP host. Unix sockets only if api_allow_sockets.
    allowed_sources: list[str] = []
    api_allow_sockets: bool = False
    # Proxies whose X-Forwarded-For/-Proto `serve` trusts (addresses or networks); empty: none.
    trusted_proxies: list[str] = []
    # Runs whose results index `serve` keeps in memory (least recently browsed dropped first).
    results_cache_runs: int = 4
    max_concurrent_exports: int = 4  # more at once get 429 with Retry-After
    # Retention (`sourcesense prune`, and prune_after_run after a scheduled run): per scope,
    # keep the last N runs and/or the runs newer than D days; None on both keeps every run.
    retention_keep_last: int | None = Field(default=None, ge=0)
    retention_keep_days: float | None = Field(default=None, ge=0, le=100_000)

    # Payload encryption key (base64 of 32 bytes); else data_dir/secret.key, made on first use.
    secret_key: SecretStr | None = None
    # Sent as `Authorization: Bearer <key>` with events posted to --openlineage-url; read by
    # the worker, never stored in a run, a workflow input or the manifest.
    openlineage_api_key: SecretStr | None = None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
