"""`sourcesense sample-db load` and `sourcesense extract` on a mysql:// DSN, end to end through
the workflow: lineage, quality (statistics and catalog; sampled profiling is left out with a
note, never a crash), Atlan and OpenLineage."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pyarrow.parquet as pq

from sourcesense.sample_db.mysql_load import DOMAINS
from sourcesense.source import Source
from tests.mysql.conftest import admin, query


def sourcesense(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sourcesense", *args],
        check=False, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
    )  # fmt: skip


def test_load_and_extract_through_the_workflow(mysql_source: Source, tmp_path: Path) -> None:
    prefix = f"sstest{os.getpid()}cli_"
    dsn = mysql_source.redacted_url()  # root without a password: the whole DSN
    try:
        loaded = sourcesense("sample-db", "load", "--dsn", dsn, "--database", prefix,
                             "--scale", "0.1")  # fmt: skip
        assert loaded.returncode == 0, loaded.stderr
        assert f"created databases {prefix}ecommerce, {prefix}analytics" in loaded.stdout
        done = sourcesense("extract", "--out", str(tmp_path), "--dsn", dsn,
                           "--include-schema", f"^{prefix}", "--profile")  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert "note: mysql runs have no sampled profiling yet" in done.stderr
        assert "Traceback" not in done.stderr
        run_dir = Path(done.stdout.rsplit("output: ", 1)[1].strip())
        manifest = json.loads((run_dir / "manifest.json").read_text())
        assert manifest["status"] == "completed", manifest
        assert manifest["engine"] in ("mysql", "mariadb")
        assert f"server: {'MariaDB' if manifest['engine'] == 'mariadb' else 'MySQL'}" in done.stdout
        assert manifest["steps"]["lineage"]["status"] == "completed"
        assert manifest["steps"]["data_quality"]["status"] == "completed"
        profiles = pq.read_table(run_dir / "quality" / "column_profiles.parquet").to_pylist()
        columns = pq.read_table(run_dir / "raw" / "columns.parquet").num_rows
        assert len(profiles) == columns
        email = next(p for p in profiles if (p["table_name"], p["column_name"]) ==
                     ("users", "email"))  # fmt: skip
        assert (email["method"], email["pii_class"]) == ("statistics", "email")
        formats = manifest["steps"]["transformation"]["formats"]
        assert {name: entry["status"] for name, entry in formats.items()} == {
            "atlan": "completed", "openlineage": "completed"}  # fmt: skip
        assert formats["atlan"]["connection"].startswith("default/mysql/")
        ((tables,),) = query(mysql_source, "SELECT COUNT(*) FROM information_schema.TABLES"
                             " WHERE TABLE_SCHEMA IN (%s, %s, %s)",
                             *[prefix + domain for domain in DOMAINS])  # fmt: skip
        assert pq.read_table(run_dir / "raw" / "relations.parquet").num_rows == tables == 10
        edges = pq.read_table(run_dir / "lineage" / "edges.parquet").to_pylist()
        assert {e["target_table"] for e in edges if e["edge_kind"] == "view"} == {
            "order_summary", "top_customers"}  # fmt: skip
    finally:
        with closing(admin(mysql_source)) as conn, conn.cursor() as cur:
            for domain in reversed(DOMAINS):
                cur.execute(f"DROP DATABASE IF EXISTS `{prefix}{domain}`")
