"""Incremental runs: a re-run recomputes exactly the relations that changed (and those that
read them), copies the rest from the previous run, and writes what a full run would write."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from sourcesense.lineage import build_lineage
from sourcesense.quality import QualityOptions, assess
from sourcesense.source import Source, parse_dsn
from sourcesense.store.rundir import read_json
from sourcesense.transform.registry import run_transformers
from tests.helpers import extract
from tests.pg import PgServer

CONNECTION = "default/postgres/1700000000"
SCHEMA = """
CREATE TABLE public.customers (id int PRIMARY KEY, name text, email text);
CREATE TABLE public.orders (id int PRIMARY KEY, customer_id int REFERENCES public.customers,
                            amount numeric(10, 2), status text);
CREATE TABLE public.products (id int PRIMARY KEY, title text, price numeric);
CREATE TABLE public.stock (product_id int REFERENCES public.products, qty int);
CREATE TABLE public.events (id bigint, at timestamptz, kind text) PARTITION BY RANGE (at);
CREATE TABLE public.events_2024 PARTITION OF public.events
    FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE VIEW public.order_totals AS
    SELECT c.name, sum(o.amount) AS total FROM public.orders o
    JOIN public.customers c ON c.id = o.customer_id GROUP BY c.name;
CREATE VIEW public.catalog AS SELECT p.title, s.qty FROM public.products p
    JOIN public.stock s ON s.product_id = p.id;
CREATE MATERIALIZED VIEW public.expensive AS SELECT title FROM public.products WHERE price > 10;
"""
# Tables stay empty, so that no statistics move between runs unless a test moves them.
# orders gets a column and stock a comment: the views that read them are recomputed too.
MIGRATION = """
ALTER TABLE public.orders ADD COLUMN note text;
COMMENT ON TABLE public.stock IS 'units on hand';
"""
STEPS = ("lineage", "data_quality")
FORMATS = ("atlan", "openlineage")


@contextmanager
def schema_database(pg: PgServer, name: str) -> Iterator[str]:
    """A temporary database holding SCHEMA."""
    with pg.temp_database(name) as database:
        with pg.connect(database) as conn:
            conn.execute(SCHEMA)
        yield database


def run_steps(
    run_dir: Path, incremental: bool = True, source: Source | None = None, **quality: Any
) -> dict[str, Any]:
    """Lineage, quality and both formats, as the workflow runs them; their reuse summaries."""
    build_lineage(run_dir, incremental)
    assess(run_dir, source, QualityOptions(**quality), None, incremental)
    results = run_transformers(
        run_dir, list(FORMATS), {"atlan_connection": CONNECTION}, incremental
    )
    summaries = {name: read_json(run_dir / "incremental" / f"{name}.json")["summary"]
                 for name in STEPS}  # fmt: skip
    return summaries | {name: results[name]["incremental"] for name in FORMATS}


def outputs(run_dir: Path) -> dict[str, Any]:
    """Every output of the steps: Parquet as rows, JSON lines as bytes."""
    found: dict[str, Any] = {}
    for name in ("lineage/edges.parquet", "quality/column_profiles.parquet",
                 "quality/findings.parquet"):  # fmt: skip
        found[name] = pq.read_table(run_dir / name).to_pylist()
    for path in sorted((run_dir / "transformed").rglob("*.json*")):
        found[str(path.relative_to(run_dir))] = path.read_bytes()
    return found


def full_recompute(run_dir: Path, tmp: Path) -> dict[str, Any]:
    """The same run's outputs computed from scratch, in a data dir with no earlier run."""
    copy = tmp / "runs" / run_dir.name
    shutil.copytree(run_dir / "raw", copy / "raw")
    shutil.copy(run_dir / "manifest.json", copy / "manifest.json")
    run_steps(copy, incremental=False)
    return outputs(copy)


def test_rerun_recomputes_only_what_changed(pg: PgServer, data_dir: Path, tmp_path: Path) -> None:
    with schema_database(pg, "sstest_incremental") as name:
        first = extract(pg, name, data_dir)
        before = run_steps(first.run_dir)
        with pg.connect(name) as conn:
            conn.execute(MIGRATION)
        second = extract(pg, name, data_dir)
        after = run_steps(second.run_dir)
    relations = 9  # 5 tables (a partition among them), 2 views, a matview, the parent table
    assert {s["reused"] for s in before.values()} == {0}
    assert {s["reason"] for s in before.values()} == {"no earlier run of the same scope"}
    changed = [f"{name}.public.{relation}" for relation in
               ("catalog", "order_totals", "orders", "stock")]  # fmt: skip
    for step, summary in after.items():
        assert summary["recomputed_relations"] == changed, step
        assert (summary["reused"], summary["recomputed"]) == (relations - 4, 4), step
        assert summary["previous_run_id"] == first.run_dir.name
    assert outputs(second.run_dir) == full_recompute(second.run_dir, tmp_path)


def test_statistics_change_recomputes_the_table(pg: PgServer, data_dir: Path) -> None:
    with schema_database(pg, "sstest_incremental_stats") as name:
        first = extract(pg, name, data_dir)
        run_steps(first.run_dir)
        with pg.connect(name) as conn:
            conn.execute(
                "INSERT INTO public.products SELECT g, 'q', 1 FROM generate_series(51, 900) g"
            )
            conn.execute("ANALYZE public.products")
        second = extract(pg, name, data_dir)
        after = run_steps(second.run_dir)
    a = pq.read_table(first.run_dir / "incremental" / "fingerprints.parquet").to_pylist()
    b = pq.read_table(second.run_dir / "incremental" / "fingerprints.parquet").to_pylist()
    products = [next(r for r in rows if r["table_name"] == "products") for rows in (a, b)]
    assert products[0]["definition"] == products[1]["definition"]
    assert products[0]["statistics"] != products[1]["statistics"]
    # The views and the matview read products' columns, not its statistics: they are reused.
    assert after["data_quality"]["recomputed_relations"] == [f"{name}.public.products"]


def test_unprofiled_tables_are_tried_again(pg: PgServer, data_dir: Path) -> None:
    """A table whose profiling did not happen (here: no budget) is not reused next time, even
    unchanged: its statistics-only profile must not stand in for a profile for ever."""
    with schema_database(pg, "sstest_incremental_budget") as name:
        starved: dict[str, Any] = {"profile": True, "total_budget_seconds": 0.001}
        source = parse_dsn(pg.conninfo(name))
        first = extract(pg, name, data_dir)
        run_steps(first.run_dir, source=source, **starved)
        second = extract(pg, name, data_dir)
        after = run_steps(second.run_dir, source=source, **starved)
    recomputed = after["data_quality"]["recomputed_relations"]
    # Every table with columns is sampled (not the partition: its parent's profile covers it).
    assert recomputed == [
        f"{name}.public.{t}"
        for t in ("customers", "events", "expensive", "orders", "products", "stock")
    ]
    # Atlan reads the profiles, so it recomputes them too; lineage does not read them.
    assert after["atlan"]["recomputed_relations"] == recomputed
    assert after["lineage"]["recomputed"] == 0


def test_nothing_is_reused_when_it_must_not_be(pg: PgServer, data_dir: Path) -> None:
    with schema_database(pg, "sstest_incremental_guard") as name:
        first = extract(pg, name, data_dir)
        run_steps(first.run_dir)
        second = extract(pg, name, data_dir)
        refreshed = run_steps(second.run_dir, incremental=False)
        assert {s["reason"] for s in refreshed.values()} == {"full refresh asked for"}
        third = extract(pg, name, data_dir)
        other_options = run_steps(third.run_dir, anonymize=True)
        assert other_options["data_quality"]["reason"] == (
            "the options or version differ from the previous run's"
        )
        assert other_options["data_quality"]["reused"] == 0
        assert other_options["lineage"]["reused"] == 9
        # Atlan reads the profiles: whatever quality recomputed, it recomputes.
        assert other_options["atlan"]["reused"] == 0
        edges = third.run_dir / "lineage" / "edges.parquet"
        edges.write_bytes(edges.read_bytes() + b"tampered")
        fourth = extract(pg, name, data_dir)
        tampered = run_steps(fourth.run_dir, anonymize=True)
        # Asking for PII values changes what profiles hold: nothing of them is reused.
        fifth = extract(pg, name, data_dir)
        with_pii = run_steps(fifth.run_dir, anonymize=True, include_pii_values=True)
    assert tampered["lineage"]["reason"] == (
        "the previous run's lineage/edges.parquet is missing or changed"
    )
    assert tampered["data_quality"]["reused"] == 9
    assert (with_pii["data_quality"]["reused"], with_pii["atlan"]["reused"]) == (0, 0)


def test_a_run_without_steps_is_passed_over(pg: PgServer, data_dir: Path) -> None:
    """A raw-only extraction in between does not cost the next run its reuse."""
    with schema_database(pg, "sstest_incremental_raw_only") as name:
        first = extract(pg, name, data_dir)
        run_steps(first.run_dir)
        extract(pg, name, data_dir)  # raw files only: no step ran, no fingerprints
        third = extract(pg, name, data_dir)
        after = run_steps(third.run_dir)
    assert {s["previous_run_id"] for s in after.values()} == {first.run_dir.name}
    assert {s["reused"] for s in after.values()} == {9}
