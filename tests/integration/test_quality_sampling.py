"""Sampled profiling of a 1,000,000-row table: within its time budget, and its figures close
to exact full-table values. Plus the time-limit and overall-budget paths, and a wide table
with awkward identifiers. Embedded server only: the big table is built once per module."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from psycopg import sql

from sourcesense.quality import QualityOptions, assess
from sourcesense.source import parse_dsn
from tests.helpers import extract
from tests.pg import PgServer

ROWS = 1_000_000
# Tolerances of sampled figures against exact ones (a 1% SYSTEM sample, ~11,000 rows). The
# means sit far from zero relative to their spread, so 2% is about 7 standard errors.
NULL_RATIO_ABS = 0.02
MEAN_REL = 0.02
ROW_COUNT_REL = 0.10

BIG_TABLE = """
CREATE TABLE public.big (
    id         bigint NOT NULL,
    amount     numeric(10, 2) NOT NULL,   -- uniform 500..1500
    score      double precision,          -- uniform 50..150, a tenth null
    qty        integer NOT NULL,          -- 100 + id mod 100: tied to the physical position
    label      text NOT NULL,             -- 'item-' and 1..4 digits
    note       text,                      -- 1..41 x characters, three tenths null
    created_at timestamp with time zone NOT NULL  -- uniform over 2024
)
"""
FILL_BIG = """
INSERT INTO public.big
SELECT i,
       500 + round((random() * 1000)::numeric, 2),
       CASE WHEN random() < 0.1 THEN NULL ELSE 50 + random() * 100 END,
       100 + i %% 100,
       'item-' || (random() * 9999)::int,
       CASE WHEN random() < 0.3 THEN NULL ELSE repeat('x', 1 + (random() * 40)::int) END,
       '2024-01-01 00:00:00+00'::timestamptz + random() * interval '365 days'
FROM generate_series(1, %s) AS i
"""
EXACT = """
SELECT count(*),
       avg(amount)::float8, min(amount)::float8, max(amount)::float8,
       avg(score), min(score), max(score), avg((score IS NULL)::int)::float8,
       avg(qty)::float8, min(qty), max(qty),
       avg(length(label))::float8,
       avg((note IS NULL)::int)::float8,
       min(created_at), max(created_at)
FROM public.big
"""


@pytest.fixture(scope="module")
def big_db(embedded_server: PgServer) -> Iterator[tuple[str, dict[str, Any]]]:
    """A database holding public.big, and the exact figures computed over all its rows."""
    with embedded_server.temp_database("sstest_quality_big") as name:
        with embedded_server.connect(name) as conn:
            conn.execute("SELECT setseed(0.42)")  # the same data on every run
            conn.execute(BIG_TABLE)
            conn.execute(FILL_BIG, (ROWS,))
            conn.execute("VACUUM (ANALYZE) public.big")
            conn.execute("SET TimeZone = 'UTC'")
            row = conn.execute(EXACT).fetchone()
        assert row is not None
        keys = ["rows", "amount_avg", "amount_min", "amount_max", "score_avg", "score_min",
                "score_max", "score_nulls", "qty_avg", "qty_min", "qty_max", "label_len",
                "note_nulls", "created_min", "created_max"]  # fmt: skip
        yield name, dict(zip(keys, row, strict=True))


@pytest.fixture(scope="module")
def big_run(embedded_server: PgServer, big_db: tuple[str, dict[str, Any]],
            tmp_path_factory: pytest.TempPathFactory) -> Path:  # fmt: skip
    outcome = extract(embedded_server, big_db[0], tmp_path_factory.mktemp("big"))
    return outcome.run_dir


def profiles(run_dir: Path) -> dict[str, dict[str, Any]]:
    table = pq.read_table(run_dir / "quality" / "column_profiles.parquet")
    return {row["column_name"]: row for row in table.to_pylist()}


def _close(sampled: float, exact: float, relative: float) -> bool:
    return abs(sampled - exact) <= relative * abs(exact)


def test_sampled_profile_of_a_million_rows(
    embedded_server: PgServer, big_db: tuple[str, dict[str, Any]], big_run: Path
) -> None:
    name, exact = big_db
    options = QualityOptions(profile=True)
    warnings = assess(big_run, parse_dsn(embedded_server.conninfo(name)), options)
    assert warnings == []
    cols = profiles(big_run)
    amount, score, qty, label, note = (cols[c] for c in ("amount", "score", "qty", "label", "note"))
    created = cols["created_at"]

    assert {(c["method"], c["sampling"]) for c in cols.values()} == {("sample", "system")}
    assert amount["profile_seconds"] <= options.budget_seconds  # its own timing, in the output
    assert 0 < amount["sampled_rows"] <= options.row_cap
    assert _close(amount["scaled_row_count"], exact["rows"], ROW_COUNT_REL)

    assert abs(score["null_ratio"] - exact["score_nulls"]) <= NULL_RATIO_ABS
    assert abs(note["null_ratio"] - exact["note_nulls"]) <= NULL_RATIO_ABS
    assert abs(amount["null_ratio"]) == 0
    for col, key in ((amount, "amount"), (score, "score"), (qty, "qty")):
        assert _close(col["mean"], exact[f"{key}_avg"], MEAN_REL), key
        assert exact[f"{key}_min"] <= float(col["min_value"]) <= float(col["max_value"])
        assert float(col["max_value"]) <= exact[f"{key}_max"], key
        assert col["stddev"] > 0
    assert _close(label["avg_length"], exact["label_len"], MEAN_REL)
    assert 6 <= label["min_length"] <= label["max_length"] <= 9
    low, high = (datetime.fromisoformat(created[f]) for f in ("min_value", "max_value"))
    assert exact["created_min"] <= low <= high <= exact["created_max"]
    # Sample distinct counts describe the sample only; pg_stats estimates the table.
    assert cols["id"]["sample_distinct_count"] == cols["id"]["sampled_rows"]
    assert cols["id"]["n_distinct"] == pytest.approx(cols["id"]["row_estimate"])  # was -1


def test_statement_time_limit_leaves_statistics(
    embedded_server: PgServer, big_db: tuple[str, dict[str, Any]], big_run: Path
) -> None:
    options = QualityOptions(profile=True, sample_percent=100, row_cap=ROWS, statement_timeout_ms=1)
    warnings = assess(big_run, parse_dsn(embedded_server.conninfo(big_db[0])), options)
    assert len(warnings) == 1 and "public.big: profiling stopped by its 1 ms limit" in warnings[0]
    cols = profiles(big_run)
    assert {c["method"] for c in cols.values()} == {"statistics"}
    assert cols["score"]["null_fraction"] == pytest.approx(big_db[1]["score_nulls"], abs=0.02)


def test_overall_budget_stops_profiling(
    embedded_server: PgServer, big_db: tuple[str, dict[str, Any]], big_run: Path
) -> None:
    options = QualityOptions(profile=True, total_budget_seconds=1e-9)
    warnings = assess(big_run, parse_dsn(embedded_server.conninfo(big_db[0])), options)
    assert warnings == ["quality: profiling budget of 1e-09 s spent: 1 table(s) not profiled "
                        "(statistics only)"]  # fmt: skip
    assert {c["method"] for c in profiles(big_run).values()} == {"statistics"}


ODD_SCHEMA, ODD_TABLE = 'Odd "Schema"', "Mixed Case; DROP TABLE x"
WIDE = 400  # 400 columns: one JSON result column each keeps the query under 1,664 columns


def test_wide_table_with_awkward_identifiers(embedded_server: PgServer, tmp_path: Path) -> None:
    pg = embedded_server
    with pg.temp_database("sstest_quality_odd") as name:
        columns = [sql.SQL("{} integer").format(sql.Identifier(f"c{i}")) for i in range(WIDE)]
        columns.append(sql.SQL("{} text").format(sql.Identifier('we"ird Col')))
        table = sql.Identifier(ODD_SCHEMA, ODD_TABLE)
        with pg.connect(name) as conn:
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(ODD_SCHEMA)))
            conn.execute(sql.SQL("CREATE TABLE {} ({})").format(table, sql.SQL(", ").join(columns)))
            values = sql.SQL(", ").join([sql.SQL("i")] * WIDE)
            conn.execute(
                sql.SQL("INSERT INTO {} SELECT {}, 'v' || i FROM generate_series(1, 10) i").format(
                    table, values
                )
            )
        run_dir = extract(pg, name, tmp_path).run_dir
        assert assess(run_dir, parse_dsn(pg.conninfo(name)), QualityOptions(profile=True)) == []
    cols = profiles(run_dir)
    assert len(cols) == WIDE + 1
    assert (cols["c399"]["method"], cols["c399"]["mean"], cols["c399"]["max_value"]) == (
        "full", 5.5, "10"
    )  # fmt: skip
    assert (cols['we"ird Col']["min_value"], cols['we"ird Col']["sample_distinct_count"]) == (
        "v1", 10
    )  # fmt: skip
