"""`sourcesense prune` over three real runs of one tiny database: --dry-run deletes nothing,
--keep-last 1 deletes the two older runs, logs them, and `history` still reads the store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sourcesense.store.retention import PRUNE_LOG
from sourcesense.store.runs import list_runs
from tests.helpers import extract
from tests.pg import PgServer


def sourcesense(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sourcesense", *args],
        check=False, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_prune_keep_last(embedded_server: PgServer, tmp_path: Path) -> None:
    with embedded_server.temp_database("sstest_prune16") as name:
        with embedded_server.connect(name) as conn:
            conn.execute("CREATE TABLE t (id int PRIMARY KEY, label text)")
        runs = [extract(embedded_server, name, tmp_path).manifest["run_id"] for _ in range(3)]
    newest, older = runs[-1], runs[:-1]

    dry = sourcesense("prune", "--keep-last", "1", "--dry-run", "--out", str(tmp_path))
    assert dry.returncode == 0, dry.stderr
    listed = [line.split()[2] for line in dry.stdout.splitlines() if line.startswith("would")]
    assert sorted(listed) == sorted(older)
    assert "2 runs to delete, 1 kept (dry run: nothing deleted)" in dry.stdout
    assert len(list_runs(tmp_path)) == 3
    assert not (tmp_path / PRUNE_LOG).exists()

    done = sourcesense("prune", "--keep-last", "1", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "2 runs deleted, 1 kept" in done.stdout
    assert [run["run_id"] for run in list_runs(tmp_path)] == [newest]
    assert sorted(path.name for path in (tmp_path / "runs").iterdir()) == [newest]
    log = [json.loads(line) for line in (tmp_path / PRUNE_LOG).read_text().splitlines()]
    assert sorted(entry["run_id"] for entry in log) == sorted(older)
    assert {"time", "run_id", "scope", "reason"} <= set(log[0])

    history = sourcesense("history", "--out", str(tmp_path))
    assert history.returncode == 0, history.stderr
    assert newest in history.stdout
    assert not any(run_id in history.stdout for run_id in older)

    again = sourcesense("prune", "--keep-last", "0", "--out", str(tmp_path))
    assert again.returncode == 0, again.stderr
    assert "0 runs deleted, 1 kept" in again.stdout  # the last successful run stays


def test_retention_setting_prunes_after_each_run(embedded_server: PgServer, tmp_path: Path) -> None:
    """With a retention policy in the settings, the worker prunes when a run closes (what keeps
    scheduled runs from piling up)."""
    env = {**os.environ, "SOURCESENSE_RETENTION_KEEP_LAST": "1"}
    with embedded_server.temp_database("sstest_prune16") as name:
        with embedded_server.connect(name) as conn:
            conn.execute("CREATE TABLE t (id int PRIMARY KEY)")
        url = embedded_server.url(name, password=embedded_server.admin_password())
        command = [sys.executable, "-m", "sourcesense", "extract", "--dsn", url, "--out",
                   str(tmp_path), "--no-progress", "--format", "none"]  # fmt: skip
        for _ in range(2):
            done = subprocess.run(command, check=False, capture_output=True, text=True,
                                  timeout=180, env=env)  # fmt: skip
            assert done.returncode == 0, done.stderr
    kept = [run["run_id"] for run in list_runs(tmp_path)]
    assert len(kept) == 1
    log = [json.loads(line) for line in (tmp_path / PRUNE_LOG).read_text().splitlines()]
    assert len(log) == 1 and log[0]["run_id"] not in kept
