"""A migration between two runs, and the diff lists exactly its changes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sourcesense.store.diff import Change, diff_runs
from sourcesense.store.history import changelog
from tests.helpers import extract
from tests.pg import PgServer

SCHEMA = """
CREATE TABLE public.customers (id int PRIMARY KEY, name text, note varchar(20));
COMMENT ON TABLE public.customers IS 'people who buy';
CREATE TABLE public.orders (id int PRIMARY KEY, customer_id int REFERENCES public.customers,
                            amount numeric(10, 2));
CREATE TABLE public.obsolete (id int PRIMARY KEY, payload text);
CREATE TABLE public.old_name (id int PRIMARY KEY, label text);
"""
MIGRATION = """
ALTER TABLE public.customers ADD COLUMN email text;
ALTER TABLE public.orders ALTER COLUMN amount TYPE numeric(12, 2);
DROP TABLE public.obsolete;
ALTER TABLE public.old_name RENAME TO new_name;
CREATE INDEX orders_customer_id_idx ON public.orders (customer_id);
COMMENT ON TABLE public.customers IS 'people who buy things';
"""


def test_migration_diff(pg: PgServer, data_dir: Path) -> None:
    with pg.temp_database("sstest_diff") as name:
        with pg.connect(name) as conn:
            conn.execute(SCHEMA)
        before = extract(pg, name, data_dir)
        with pg.connect(name) as conn:
            conn.execute(MIGRATION)
        after = extract(pg, name, data_dir)
    changes = diff_runs(before.run_dir, after.run_dir)
    summary = {(c.change, c.object_kind, c.table_name, c.name, c.field) for c in changes}
    assert summary == {
        ("added", "column", "customers", "email", None),
        ("changed", "column", "orders", "amount", "data_type"),
        ("removed", "relation", "obsolete", None, None),
        ("renamed", "relation", "new_name", None, "name"),
        ("added", "index", "orders", "orders_customer_id_idx", None),
        ("changed", "relation", "customers", None, "comment"),
    }
    assert len(changes) == 6
    amount = next(c for c in changes if c.name == "amount")
    assert (amount.before, amount.after) == ("numeric(10,2)", "numeric(12,2)")
    renamed = next(c for c in changes if c.change == "renamed")
    assert (renamed.before, renamed.after) == ("public.old_name", "public.new_name")
    entries = changelog(data_dir)
    assert [len(e["changes"]) for e in entries] == [6, 0]
    assert entries[0]["previous_run_id"] == before.run_dir.name


def test_column_rename_is_one_change(pg: PgServer, data_dir: Path) -> None:
    with pg.temp_database("sstest_diff") as name:
        with pg.connect(name) as conn:
            conn.execute("CREATE TABLE public.t (id int PRIMARY KEY, colour text)")
        before = extract(pg, name, data_dir)
        with pg.connect(name) as conn:
            conn.execute("ALTER TABLE public.t RENAME COLUMN colour TO color")
        after = extract(pg, name, data_dir)
    assert diff_runs(before.run_dir, after.run_dir) == [
        Change("column", "renamed", name, "public", "t", "color", "name", "colour", "color")
    ]


def test_cli_diff_json(pg: PgServer, data_dir: Path) -> None:
    with pg.temp_database("sstest_diff") as name:
        with pg.connect(name) as conn:
            conn.execute("CREATE TABLE public.t (id int)")
        before = extract(pg, name, data_dir)
        with pg.connect(name) as conn:
            conn.execute("ALTER TABLE public.t ADD COLUMN extra text")
        after = extract(pg, name, data_dir)
    done = subprocess.run(
        [sys.executable, "-m", "sourcesense", "diff", before.run_dir.name, after.run_dir.name,
         "--out", str(data_dir), "--json"],
        check=False, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert [(c["change"], c["name"]) for c in json.loads(done.stdout)] == [("added", "extra")]
