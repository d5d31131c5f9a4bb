"""A transformer installed from tests/plugin_example (an entry point, no change to our code)
is listed and runs as part of an extraction."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.pg import PgServer


def sourcesense(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sourcesense", *args],
        check=False, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_plugin_is_listed_and_runs(
    embedded_server: PgServer, sample_db_embedded: str, tmp_path: Path
) -> None:
    listed = sourcesense("transformers")
    assert listed.returncode == 0
    names = [line.split("\t")[0] for line in listed.stdout.splitlines()]
    assert names == ["atlan", "openlineage", "table_list"]
    done = sourcesense(
        "extract", "--dsn", embedded_server.conninfo(sample_db_embedded), "--out", str(tmp_path),
        "--no-progress", "--format", "table_list", "--format", "atlan",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    run_dir = Path(done.stdout.rsplit("output: ", 1)[1].strip())
    tables = (run_dir / "transformed" / "table_list" / "tables.tsv").read_text().splitlines()
    assert "ecommerce.orders\ttable" in tables and "reporting.top_customers\tview" in tables
    assert (run_dir / "transformed" / "atlan" / "Table" / "entities.json").exists()
    assert not (run_dir / "transformed" / "openlineage").exists()


def test_unknown_format_is_a_clear_error(tmp_path: Path) -> None:
    done = sourcesense("extract", "--dsn", "postgresql://u@h/db", "--format", "nope")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == (
        "error: unknown output format nope: installed are atlan, openlineage, table_list"
    )
