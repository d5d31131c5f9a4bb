"""README command (a)'s job: `sourcesense demo` on a fresh embedded server, into its own data
dir, ending with what to do next; `--keep-running` leaves a server one can connect to with
the printed PGPASSFILE, and `demo --stop` stops it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg

from sourcesense import embedded
from sourcesense.store.summary import read_manifest


def sourcesense(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sourcesense", *args],
        check=False, capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip


def test_demo_end_to_end(tmp_path: Path) -> None:
    pg_dir, data_dir = tmp_path / "pg", tmp_path / "data"
    tmp_path.chmod(0o755)
    env = {**os.environ, "SOURCESENSE_EMBEDDED_PG_DIR": str(pg_dir), "COLUMNS": "120",
           "SOURCESENSE_DATA_DIR": str(data_dir)}  # fmt: skip
    done = sourcesense("demo", "--keep-running", env=env)
    try:
        assert done.returncode == 0, done.stderr
        for label in ("schemas", "partitioned tables", "partitions (rolled up)",
                      "materialized views"):  # fmt: skip
            assert label in done.stdout
        assert "status: completed" in done.stdout
        run_dir = Path(done.stdout.split("output: ", 1)[1].split()[0])
        assert run_dir.parent == data_dir / "demo" / "runs", "the demo has its own data dir"
        manifest = read_manifest(run_dir)
        assert manifest["counts"]["schemas"] == 3 and manifest["counts"]["relations"] >= 12
        demo_dir = data_dir / "demo"
        for line in (f"sourcesense history --out {demo_dir}",
                     f"sourcesense serve --out {demo_dir}", "sourcesense schema"):  # fmt: skip
            assert line in done.stdout
        password = (pg_dir / "superuser.password").read_text().strip()
        assert password not in done.stdout + done.stderr
        pgpass, url = re.findall(r"PGPASSFILE=(\S+) psql (\S+)", done.stdout)[0]
        with psycopg.connect(url, passfile=pgpass) as conn:
            assert conn.execute("SELECT count(*) FROM ecommerce.orders").fetchone() != (0,)
        assert "stop it with: sourcesense demo --stop" in done.stdout
    finally:
        stopped = sourcesense("demo", "--stop", env=env)
    assert stopped.returncode == 0, stopped.stderr
    assert not (embedded.cluster_dir(pg_dir) / "data" / "postmaster.pid").exists(), "stopped"
    embedded.remove(pg_dir)  # as root its cluster is outside tmp_path
