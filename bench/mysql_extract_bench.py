"""Benchmark: `sourcesense extract` of a MySQL/MariaDB catalog against the floor of its own
queries (the same SQL, in the same kind of snapshot, fetched by the driver and discarded),
with the extraction's peak RSS. Builds the catalog when missing:

    python -m bench.mysql_extract_bench --dsn mysql://root@127.0.0.1:3306/ --tables 10000
    python -m bench.mysql_extract_bench --dsn ... --drop        # drop the catalog again

The catalog: `--schemas` databases `<prefix>s0`, ... with `--tables` tables spread evenly,
each with a primary key, `--columns` columns, two secondary indexes (one a prefix index), a
check constraint, a foreign key to the table before it in every third table, and a view per
40 tables.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import pymysql

from bench.extract_bench import RAW_ONLY, extract_run
from sourcesense.engines.mysql.catalog import KINDS, query_params, query_text
from sourcesense.engines.mysql.connection import connect
from sourcesense.extract.catalog import QueryOptions
from sourcesense.extract.filters import Filters
from sourcesense.settings import Settings
from sourcesense.source import Source, parse_dsn


def admin(source: Source) -> pymysql.connections.Connection[Any]:
    password = source.password.get_secret_value() if source.password else ""
    return pymysql.connect(
        host=source.host or "localhost",
        port=source.port or 3306,
        user=source.user or "root",
        password=password,
        autocommit=True,
    )


def table_sql(database: str, n: int, columns: int) -> list[str]:
    extra = ", ".join(f"c{i} {('INT', 'VARCHAR(40)', 'DATETIME', 'DECIMAL(10,2)')[i % 4]}"
                      for i in range(columns - 2))  # fmt: skip
    fk = (f", CONSTRAINT t{n}_fk FOREIGN KEY (parent_id) REFERENCES `{database}`.t{n - 1} (id)"
          if n % 3 == 2 else "")  # fmt: skip
    sql = [
        f"CREATE TABLE `{database}`.t{n} (id INT PRIMARY KEY, parent_id INT, {extra},"
        f" KEY t{n}_c1 (c1(10)), KEY t{n}_c0 (c0, parent_id), CHECK (id > 0){fk})"
    ]
    if n % 40 == 39:
        sql.append(f"CREATE VIEW `{database}`.v{n} AS SELECT a.id, b.c1 FROM `{database}`.t{n} a"
                   f" JOIN `{database}`.t{n - 1} b ON b.id = a.parent_id")  # fmt: skip
    return sql


def make_catalog(source: Source, prefix: str, tables: int, schemas: int, columns: int) -> None:
    with closing(admin(source)) as conn, conn.cursor() as cur:
        cur.execute("SHOW DATABASES LIKE %s", (f"{prefix}s0",))
        if cur.fetchone():
            return
        print(f"building {tables} tables in {schemas} databases ...", file=sys.stderr)
        for s in range(schemas):
            cur.execute(f"CREATE DATABASE `{prefix}s{s}`")
            for n in range(s * tables // schemas, (s + 1) * tables // schemas):
                for sql in table_sql(f"{prefix}s{s}", n - s * tables // schemas, columns):
                    cur.execute(sql)


def floor_seconds(source: Source, filters: Filters) -> float:
    started = time.perf_counter()
    with connect(source, Settings()) as session:
        params = query_params(filters, QueryOptions(), session.flavour, None)
        with session.conn.cursor() as cur:
            cur.execute(query_text("databases", session.flavour), params)
            cur.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
            for kind in KINDS:
                cur.execute(query_text(kind, session.flavour), params)
                cur.fetchall()
            session.conn.rollback()
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--dsn", default="mysql://root@127.0.0.1:3306/")
    parser.add_argument("--prefix", default="ssbench_")
    parser.add_argument("--tables", type=int, default=10_000)
    parser.add_argument("--schemas", type=int, default=5)
    parser.add_argument("--columns", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--drop", action="store_true")
    args = parser.parse_args()
    source = parse_dsn(args.dsn)
    if args.drop:
        with closing(admin(source)) as conn, conn.cursor() as cur:
            for s in range(args.schemas):
                cur.execute(f"DROP DATABASE IF EXISTS `{args.prefix}s{s}`")
        return 0
    make_catalog(source, args.prefix, args.tables, args.schemas, args.columns)
    filters = Filters(include_schema=f"^{args.prefix}s[0-9]+$")
    floor_seconds(source, filters)  # warm the server's caches once, outside the figures
    floors, extracts = [], []
    with tempfile.TemporaryDirectory() as out:
        for _ in range(args.rounds):
            floors.append(floor_seconds(source, filters))
            extracts.append(extract_run(args.dsn, Path(out), [
                *RAW_ONLY, "--include-schema", f"^{args.prefix}s[0-9]+$"]))  # fmt: skip
    floor = statistics.median(floors)
    extract = statistics.median(seconds for seconds, _, _ in extracts)
    print(json.dumps({
        "tables": args.tables, "floor_s": round(floor, 3), "extract_s": round(extract, 3),
        "ratio": round(extract / floor, 2),
        "extract_peak_rss_mb": round(max(rss for _, rss, _ in extracts), 1),
        "extract_peak_rss_tree_mb": round(max(tree for _, _, tree in extracts), 1),
    }, indent=2))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
