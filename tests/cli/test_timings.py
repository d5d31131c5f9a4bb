"""`sourcesense extract` records where its time went: the extraction, each step and each
output format, and the whole run, which the closing summary and the live table's last frame
both show as its elapsed time."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq

from tests.pg import PgServer


def test_manifest_and_summary_give_every_step_and_the_whole_run(
    embedded_server: PgServer, sample_db_embedded: str, tmp_path: Path
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sourcesense", "extract", "--out", str(tmp_path),
         "--dsn", embedded_server.conninfo(sample_db_embedded)],
        check=False, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    run_dir = Path(done.stdout.rsplit("output: ", 1)[1].strip())
    manifest = json.loads((run_dir / "manifest.json").read_text())
    steps = manifest["steps"]
    assert set(steps) == {"lineage", "data_quality", "transformation"}
    assert all(step["seconds"] > 0 for step in steps.values())
    formats = steps["transformation"]["formats"]
    assert set(formats) == {"atlan", "openlineage"}
    assert all(entry["seconds"] > 0 for entry in formats.values())
    assert sum(entry["seconds"] for entry in formats.values()) <= steps["transformation"]["seconds"]
    parts = manifest["extraction_seconds"] + sum(step["seconds"] for step in steps.values())
    assert manifest["extraction_seconds"] > 0
    assert manifest["elapsed_seconds"] >= parts
    assert f"elapsed: {manifest['elapsed_seconds']:.2f} s" in done.stdout
    assert f"elapsed {manifest['elapsed_seconds']:.2f} s" in done.stderr  # the live table
    seconds = {name: step["seconds"] for name, step in steps.items()}
    assert (
        f"time: extraction {manifest['extraction_seconds']:.2f} s, "
        f"lineage {seconds['lineage']:.2f} s, data quality {seconds['data_quality']:.2f} s, "
        f"transformation {seconds['transformation']:.2f} s "
        f"(atlan {formats['atlan']['seconds']:.2f} s, "
        f"openlineage {formats['openlineage']['seconds']:.2f} s)"
    ) in done.stdout
    live_rows_count_their_subject(done.stderr, run_dir, manifest)


def live_rows_count_their_subject(live: str, run_dir: Path, manifest: dict[str, object]) -> None:
    """The last frame's rows: foreign keys only (not every constraint), relations only (not
    their indexes and privileges)."""
    counts: dict[str, int] = manifest["counts"]  # type: ignore[assignment]
    types = pq.read_table(run_dir / "raw" / "constraints.parquet")["constraint_type"].to_pylist()
    foreign_keys = types.count("foreign_key")
    assert 0 < foreign_keys < len(types)
    frame = live.rsplit("elapsed", 1)[1]
    expected = {
        "schema discovery": f"{counts['schemas']} schemas",
        "table metadata": f"{counts['relations']} relations",
        "column metadata": f"{counts['columns']} columns",
        "foreign keys": f"{foreign_keys} foreign keys",
    }
    for stage, figure in expected.items():
        assert re.search(rf"{stage}\s+done\s+{figure}\s", frame), (stage, figure, frame)
