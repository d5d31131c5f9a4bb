"""README command (a)'s job: `sourcesense demo` on a fresh embedded server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sourcesense.store.summary import read_manifest


def test_demo_end_to_end(tmp_path: Path) -> None:
    pg_dir = tmp_path / "pg"
    tmp_path.chmod(0o755)
    env = {**os.environ, "SOURCESENSE_EMBEDDED_PG_DIR": str(pg_dir), "COLUMNS": "120"}
    done = subprocess.run(
        [sys.executable, "-m", "sourcesense", "demo", "--out", str(tmp_path / "data")],
        check=False, capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    for label in ("schemas", "partitioned tables", "partitions (rolled up)", "materialized views"):
        assert label in done.stdout
    assert "status: completed" in done.stdout
    run_dir = Path(done.stdout.split("output: ", 1)[1].split()[0])
    manifest = read_manifest(run_dir)
    assert manifest["counts"]["schemas"] == 3 and manifest["counts"]["relations"] >= 12
    assert not (pg_dir / "data" / "postmaster.pid").exists(), "the server was stopped"
    password = (pg_dir / "superuser.password").read_text().strip()
    assert password not in done.stdout + done.stderr
