"""One embedded Temporal server per data dir, shared: `extract` on the data dir of a running
`serve` submits its run there (the serve's worker runs it) instead of failing; the address
file is written when the server is up, removed at exit, and a stale one is recognised."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.cli.test_bad_input import run_cli
from tests.pg import PgServer
from tests.ui.conftest import _free_port, _spawn, _stop, _wait_healthy

TOKEN = "shared-temporal-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def small_db(embedded_server: PgServer) -> Iterator[str]:
    with embedded_server.temp_database("sstest_shared") as name:
        with embedded_server.connect(name) as conn:
            conn.execute("CREATE TABLE public.item (id int PRIMARY KEY, label text)")
        yield name


def test_extract_submits_to_a_running_serve(
    embedded_server: PgServer, small_db: str, tmp_path: Path
) -> None:
    data, port, log = tmp_path / "data", _free_port(), tmp_path / "serve.log"
    env = {**os.environ, "SOURCESENSE_API_TOKEN": TOKEN}
    process = _spawn(["serve", "--out", str(data), "--port", str(port)], env, log)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process, log)
        record = json.loads((data / "temporal.address").read_text())
        assert record == {"address": record["address"], "pid": process.pid, "kind": "serve"}
        assert f"Temporal: {record['address']} (recorded in {data / 'temporal.address'})" in (
            log.read_text()
        )
        done = run_cli("extract", "--dsn", embedded_server.conninfo(small_db), "--out",
                       str(data), "--no-progress")  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        assert (
            f"submitting to the running sourcesense serve (pid {process.pid}) through its "
            f"Temporal server at {record['address']}"
        ) in done.stderr
        run_id = re.findall(r"run: (\S+)", done.stdout)[-1]
        with httpx.Client(base_url=url, headers=AUTH) as client:
            assert run_id in [run["run_id"] for run in client.get("/runs").json()]
            status = client.get(f"/workflows/v1/status/sourcesense-{run_id}")
        assert status.status_code == 200, status.text
        assert status.json()["status"] == "completed", status.json()
    finally:
        _stop(process)
    assert not (data / "temporal.address").exists()


def test_stale_address_file_is_ignored(
    embedded_server: PgServer, small_db: str, tmp_path: Path
) -> None:
    """A killed owner leaves its file; its lock is gone, so the file is stale and replaced."""
    tmp_path.mkdir(exist_ok=True)
    stale = {"address": "127.0.0.1:1", "pid": 999_999, "kind": "serve"}
    (tmp_path / "temporal.address").write_text(json.dumps(stale))
    done = run_cli("extract", "--dsn", embedded_server.conninfo(small_db), "--out",
                   str(tmp_path), "--no-progress")  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "submitting" not in done.stderr
    assert not (tmp_path / "temporal.address").exists()


def test_a_second_extract_waits_for_the_first(
    embedded_server: PgServer, small_db: str, tmp_path: Path
) -> None:
    """Another CLI's server stops with its own run: the second waits, then runs its own."""
    dsn = embedded_server.conninfo(small_db)
    args = [sys.executable, "-m", "sourcesense", "extract", "--dsn", dsn, "--out", str(tmp_path),
            "--no-progress"]  # fmt: skip
    first = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "temporal.address").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        second = run_cli("extract", "--dsn", dsn, "--out", str(tmp_path), "--no-progress")
    finally:
        first_out, first_err = first.communicate(timeout=120)
    assert first.returncode == 0, first_err
    assert second.returncode == 0, second.stderr
    assert (
        f"waiting for another sourcesense process (pid {first.pid}) to finish its run in {tmp_path}"
    ) in second.stderr
    assert re.findall(r"run: (\S+)", first_out)[-1] != re.findall(r"run: (\S+)", second.stdout)[-1]
