"""`sourcesense extract --profile` writes no personal data of sample_db anywhere (run files,
logs, console) unless --include-pii-values asks for it; --anonymize then masks it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.pg import PgServer
from tests.pii_grep import found_in, personal_values, tree_texts


def run_extract(dsn: str, out: Path, *extra: str) -> list[str]:
    """The console output of a profiled run (with most common values) into `out`."""
    done = subprocess.run(
        [sys.executable, "-m", "sourcesense", "extract", "--dsn", dsn, "--out", str(out),
         "--no-progress", "--profile", "--most-common-values", *extra],
        check=False, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return [done.stdout, done.stderr]


def test_no_personal_values_without_opt_in(
    embedded_server: PgServer, sample_db_embedded: str, tmp_path: Path
) -> None:
    dsn = embedded_server.conninfo(sample_db_embedded)
    secrets = personal_values(embedded_server, sample_db_embedded)

    console = run_extract(dsn, tmp_path / "default")
    # The tree holds the run directory and the logs (logs/sourcesense.log) of the run.
    assert list((tmp_path / "default").rglob("column_profiles.parquet"))
    assert (tmp_path / "default" / "logs" / "sourcesense.log").stat().st_size > 0
    assert found_in([*console, *tree_texts(tmp_path / "default")], secrets) == set()

    # The same search does find them once asked for: it can fail.
    console = run_extract(dsn, tmp_path / "opted", "--include-pii-values")
    assert len(found_in([*console, *tree_texts(tmp_path / "opted")], secrets)) >= 2

    # ... and --anonymize masks what the opt-in writes.
    console = run_extract(dsn, tmp_path / "masked", "--include-pii-values", "--anonymize")
    assert found_in([*console, *tree_texts(tmp_path / "masked")], secrets) == set()
