"""Incremental Atlan output where the fingerprints alone would not see a change: the columns
of a sub-partition are its root table's, two levels up."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import extract
from tests.integration.test_incremental import full_recompute, outputs, run_steps
from tests.pg import PgServer

SCHEMA = """
CREATE TABLE public.events (id int, at date, amount int) PARTITION BY RANGE (at);
CREATE TABLE public.events_2024 PARTITION OF public.events
    FOR VALUES FROM ('2024-01-01') TO ('2025-01-01') PARTITION BY RANGE (at);
CREATE TABLE public.events_2024_h1 PARTITION OF public.events_2024
    FOR VALUES FROM ('2024-01-01') TO ('2024-07-01');
"""


def test_sub_partition_columns_follow_their_root(
    pg: PgServer, data_dir: Path, tmp_path: Path
) -> None:
    with pg.temp_database("sstest_atlan_subpart") as name:
        with pg.connect(name) as conn:
            conn.execute(SCHEMA)
        first = extract(pg, name, data_dir)
        run_steps(first.run_dir)
        with pg.connect(name) as conn:
            conn.execute("ALTER TABLE public.events ALTER COLUMN amount TYPE bigint")
        second = extract(pg, name, data_dir)
        after = run_steps(second.run_dir)
    assert "atlan" in after and after["atlan"]["previous_run_id"] == first.run_dir.name
    columns = Path("transformed/atlan/Column/entities.json").as_posix()
    amounts = [json.loads(line)["attributes"] for line in outputs(second.run_dir)[columns]
               .decode().splitlines() if '"name": "amount"' in line]  # fmt: skip
    assert sorted((a["qualifiedName"].split("/")[-2], a["dataType"]) for a in amounts) == [
        ("events", "bigint"), ("events_2024", "bigint"), ("events_2024_h1", "bigint")
    ]  # fmt: skip
    assert outputs(second.run_dir) == full_recompute(second.run_dir, tmp_path)
