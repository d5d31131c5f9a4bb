"""`sourcesense extract` run again: the manifest and the closing summary say what each step
copied from the previous run; --full-refresh copies nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.pg import PgServer

STEPS = ("lineage", "data_quality", "atlan", "openlineage")


def extract(dsn: str, out: Path, *extra: str) -> tuple[str, dict[str, Any]]:
    done = subprocess.run(
        [sys.executable, "-m", "sourcesense", "extract", "--dsn", dsn, "--out", str(out),
         "--no-progress", *extra],
        check=False, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    run_dir = Path(done.stdout.rsplit("output: ", 1)[1].strip())
    return done.stdout, json.loads((run_dir / "manifest.json").read_text())


def summaries(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    steps = manifest["steps"]
    found = {name: steps[name]["incremental"] for name in ("lineage", "data_quality")}
    return found | {n: r["incremental"] for n, r in steps["transformation"]["formats"].items()}


def test_rerun_reports_reuse(
    embedded_server: PgServer, sample_db_embedded: str, tmp_path: Path
) -> None:
    dsn = embedded_server.conninfo(sample_db_embedded)
    _, first = extract(dsn, tmp_path)
    stdout, second = extract(dsn, tmp_path)
    relations = second["counts"]["relations"]
    for step, summary in summaries(second).items():
        assert summary["previous_run_id"] == first["run_id"], step
        assert summary["reason"] is None
        # sample_db is loaded once per session: autovacuum may have analyzed a table since.
        assert summary["reused"] + summary["recomputed"] == relations
        assert summary["reused"] > 0
        assert (
            f"incremental: {step}: {summary['reused']:,} relations reused from run "
            f"{first['run_id']}, {summary['recomputed']:,} recomputed"
        ) in stdout
    _, third = extract(dsn, tmp_path, "--full-refresh")
    assert {s["reason"] for s in summaries(third).values()} == {"full refresh asked for"}
    assert {s["reused"] for s in summaries(third).values()} == {0}
