"""What every benchmark shares: its options, and a catalog to measure on."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import psycopg
from psycopg.conninfo import make_conninfo

from bench.make_catalog import make_catalog
from sourcesense import embedded


def ensure_catalog(admin: str, database: str, tables: int) -> None:
    with psycopg.connect(admin, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
    if found is None:
        print(f"building catalog {database} ({tables} tables) ...", file=sys.stderr)
        make_catalog(admin, database, tables=tables)


def prepare(description: str | None) -> tuple[argparse.Namespace, str, dict[str, object]]:
    """Parse the common options, make sure the catalog exists; its conninfo, and run facts."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--dsn", help="admin conninfo; default: an embedded PostgreSQL")
    parser.add_argument("--database", default="sourcesense_bench_10k")
    parser.add_argument("--tables", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    admin = args.dsn
    if admin is None:
        admin = embedded.start(Path(tempfile.gettempdir()) / "sourcesense-bench-pg").conninfo()
    ensure_catalog(admin, args.database, args.tables)
    conninfo = make_conninfo(admin, dbname=args.database)
    with psycopg.connect(conninfo) as conn:
        version = conn.info.parameter_status("server_version")
    facts = {"server": f"PostgreSQL {version}", "tables": args.tables, "cpus": os.cpu_count()}
    return args, conninfo, facts
