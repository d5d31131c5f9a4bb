"""A frozen server (its backend stopped with SIGSTOP) is noticed by the client within the
statement timeout plus a grace, reported in one clear message, and retried on a fresh
connection; a run never waits on it for longer.

The backends belong to the embedded server the tests own; the test process signals them (it
runs as root in CI, like the server's owner would)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from sourcesense.extract.run import ExtractRequest, run_extraction
from sourcesense.settings import Settings
from sourcesense.source import parse_dsn
from sourcesense.store.summary import read_manifest
from tests.pg import PgServer, generated_catalog

FIND_BACKEND = """
SELECT pid FROM pg_stat_activity
WHERE application_name = 'sourcesense' AND datname = %s AND state = ANY(%s)
ORDER BY backend_start LIMIT 1
"""
# Statement timeout plus grace, in the tests: the hang must be noticed soon after this.
LIMITS = {"SOURCESENSE_STATEMENT_TIMEOUT_MS": "2000", "SOURCESENSE_HANG_GRACE_S": "2"}


@pytest.fixture(scope="module")
def catalog(embedded_server: PgServer) -> Iterator[str]:
    """Enough tables that a run lasts long enough to be caught in the middle."""
    with generated_catalog(embedded_server, "sstest_hang", tables=300, columns=8) as name:
        yield name


@contextmanager
def stopped_backends() -> Iterator[list[int]]:
    """Backends stopped inside the block are continued (and ended by the caller) after it."""
    pids: list[int] = []
    try:
        yield pids
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)


def stop(pg: PgServer, database: str, states: list[str], pids: list[int]) -> bool:
    with pg.connect() as conn:
        row = conn.execute(FIND_BACKEND, (database, states)).fetchone()
    if row is None:
        return False
    os.kill(int(row[0]), signal.SIGSTOP)
    pids.append(int(row[0]))
    return True


def test_a_stopped_backend_is_reported_within_the_limit(
    embedded_server: PgServer, catalog: str, tmp_path: Path
) -> None:
    """In process (no retries): the database fails with the hang's message, in seconds."""
    settings = Settings(statement_timeout_ms=2000, hang_grace_s=2)
    request = ExtractRequest(source=parse_dsn(embedded_server.conninfo(catalog)))
    with stopped_backends() as pids:

        def freeze_after_first_kind(database: str, kind: str, count: int) -> None:
            if not pids:  # between two kinds the backend is idle in its transaction
                assert stop(embedded_server, catalog, ["idle in transaction"], pids)

        started = time.monotonic()
        outcome = run_extraction(
            request, tmp_path, on_kind_done=freeze_after_first_kind, settings=settings
        )
        waited = time.monotonic() - started
    assert pids and waited < 2 + 2 + 5, waited
    assert outcome.manifest["status"] == "failed"
    message = outcome.manifest["databases"][0]["error"]
    assert "sent nothing for" in message and "presumed hung" in message, message
    assert "127.0.0.1" in message


def test_a_stopped_backend_mid_run_is_retried(
    embedded_server: PgServer, catalog: str, tmp_path: Path
) -> None:
    """Through the CLI and the workflow: the run completes on a fresh connection, reports the
    hang, and the whole run stays within 90 s."""
    env = {**os.environ, **LIMITS}
    command = [
        sys.executable, "-m", "sourcesense", "extract", "--dsn",
        embedded_server.conninfo(catalog), "--out", str(tmp_path), "--no-progress",
        "--format", "none", "--no-lineage", "--no-quality",
    ]  # fmt: skip
    with stopped_backends() as pids:
        started = time.monotonic()
        cli = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
        while not pids and cli.poll() is None and time.monotonic() - started < 60:
            stop(embedded_server, catalog, ["active"], pids)
            time.sleep(0.005)
        stdout, stderr = cli.communicate(timeout=90)
        waited = time.monotonic() - started
    assert pids, "the run ended before a backend could be stopped"
    assert cli.returncode == 0, stderr
    assert waited < 90, waited
    manifest = read_manifest(next((tmp_path / "runs").iterdir()))
    log = (tmp_path / "logs" / "sourcesense.log").read_text(encoding="utf-8")
    retried = [message for entry in manifest["databases"] for message in entry["retried"]]
    assert "presumed hung" in "\n".join(retried) + log, (manifest["databases"], stdout)
    assert manifest["counts"]["relations"] >= 300


@pytest.fixture(autouse=True)
def _end_stopped_backends(embedded_server: PgServer, catalog: str) -> Iterator[None]:
    yield
    with embedded_server.connect() as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (catalog,)
        )
