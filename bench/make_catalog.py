"""Generate a large synthetic PostgreSQL catalog for benchmarking metadata extraction.

Usage::

    python bench/make_catalog.py --dsn postgresql://postgres@127.0.0.1:5432/postgres \\
        --database bench_10k --tables 10000 --schemas 5 --columns 20
    python bench/make_catalog.py --dsn ... --database bench_10k --drop   # drop it again

Importable::

    from make_catalog import make_catalog
    counts = make_catalog(dsn, "bench_10k", tables=10_000)

The database is (re)created from scratch; every table is empty.  The layout is fully
deterministic for a given ``(tables, schemas, columns)`` triple.  All identifiers are
built from integers only and are still quoted.

Shape of the generated catalog:

* ``schemas`` schemas ``bench_s0``, ``bench_s1``, ...; tables are spread evenly.
* ``tables`` tables in total (regular tables, partitioned parents *and* partitions).
* each table has about ``columns`` columns (including the key) of varied types, a
  primary key, some NOT NULL columns and defaults; comments on some tables/columns.
* about 1 in 3 regular tables has a foreign key to an earlier table of its schema.
* about 2.5 secondary indexes per table on average (some unique, some partial).
* about 1 in 100 tables is range partitioned with 3 partitions.
* about 1 view and 1 materialized view (``WITH NO DATA``) per 40 tables.

The returned counts are read back from ``pg_catalog`` (restricted to the
``bench_s*`` schemas):

* ``tables``: relations of relkind ``r`` or ``p`` (partitions included),
* ``partitioned``: relkind ``p``; ``partitions``: tables with ``relispartition``,
* ``views``: relkind ``v``; ``matviews``: relkind ``m``,
* ``columns``: live user columns (attnum > 0) of all tables (relkind ``r``/``p``),
* ``indexes``: all indexes (relkind ``i``/``I``) including primary keys and the
  per-partition child indexes,
* ``foreign_keys``: constraints of type ``f``.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import psycopg
from psycopg.conninfo import make_conninfo

__all__ = ["SCHEMA_PREFIX", "drop_catalog", "make_catalog"]

log = logging.getLogger("make_catalog")

SCHEMA_PREFIX = "bench_s"
#: tables per round trip / transaction (each batch is committed on its own so the
#: shared lock table never has to hold more than one batch worth of locks)
BATCH_TABLES = 200
PARTITION_EVERY = 100  # one partitioned table (parent + 3 partitions) per ~100 tables
PARTITIONS = 3
VIEW_EVERY = 40
FK_PROBABILITY = 1 / 3
PARTITION_YEARS = (2023, 2024, 2025)

_COUNTS_SQL = f"""
WITH ns AS (
    SELECT oid FROM pg_catalog.pg_namespace WHERE nspname LIKE '{SCHEMA_PREFIX}%'
)
SELECT
    (SELECT count(*) FROM pg_catalog.pg_class c
      WHERE c.relnamespace IN (SELECT oid FROM ns) AND c.relkind IN ('r', 'p')),
    (SELECT count(*) FROM pg_catalog.pg_class c
      WHERE c.relnamespace IN (SELECT oid FROM ns) AND c.relkind = 'p'),
    (SELECT count(*) FROM pg_catalog.pg_class c
      WHERE c.relnamespace IN (SELECT oid FROM ns) AND c.relkind IN ('r', 'p')
        AND c.relispartition),
    (SELECT count(*) FROM pg_catalog.pg_class c
      WHERE c.relnamespace IN (SELECT oid FROM ns) AND c.relkind = 'v'),
    (SELECT count(*) FROM pg_catalog.pg_class c
      WHERE c.relnamespace IN (SELECT oid FROM ns) AND c.relkind = 'm'),
    (SELECT count(*) FROM pg_catalog.pg_attribute a
       JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
      WHERE c.relnamespace IN (SELECT oid FROM ns) AND c.relkind IN ('r', 'p')
        AND a.attnum > 0 AND NOT a.attisdropped),
    (SELECT count(*) FROM pg_catalog.pg_class c
      WHERE c.relnamespace IN (SELECT oid FROM ns) AND c.relkind IN ('i', 'I')),
    (SELECT count(*) FROM pg_catalog.pg_constraint k
      WHERE k.connamespace IN (SELECT oid FROM ns) AND k.contype = 'f')
"""
_COUNT_KEYS = (
    "tables",
    "partitioned",
    "partitions",
    "views",
    "matviews",
    "columns",
    "indexes",
    "foreign_keys",
)


def quote_ident(name: str) -> str:
    """Quote an SQL identifier (names here are generated from integers only)."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    """Quote an SQL string literal (standard_conforming_strings assumed, as on PG >= 9.1)."""
    return "'" + value.replace("'", "''") + "'"


# --------------------------------------------------------------------------- columns

# kind -> (SQL type, default expression or None); the type may depend on the RNG.
_TypeMaker = Callable[[random.Random], tuple[str, str | None]]


def _varchar(rng: random.Random) -> tuple[str, str | None]:
    return f"varchar({rng.choice((16, 32, 64, 128, 255))})", "''"


def _numeric(rng: random.Random) -> tuple[str, str | None]:
    precision = rng.randint(10, 18)
    return f"numeric({precision},{rng.randint(0, 4)})", "0"


_TYPES: dict[str, _TypeMaker] = {
    "int": lambda _r: ("integer", "0"),
    "bigint": lambda _r: ("bigint", "0"),
    "text": lambda _r: ("text", "''"),
    "varchar": _varchar,
    "numeric": _numeric,
    "ts": lambda _r: ("timestamptz", "now()"),
    "bool": lambda _r: ("boolean", "false"),
    "jsonb": lambda _r: ("jsonb", "'{}'::jsonb"),
    "uuid": lambda _r: ("uuid", None),  # gen_random_uuid() is core only from PG13
    "date": lambda _r: ("date", "CURRENT_DATE"),
}
_KINDS = tuple(_TYPES)
# kinds usable in a UNIQUE btree index
_UNIQUE_KINDS = frozenset({"int", "bigint", "text", "varchar", "uuid"})


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    sql_type: str
    not_null: bool
    default: str | None

    def ddl(self) -> str:
        parts = [quote_ident(self.name), self.sql_type]
        if self.not_null:
            parts.append("NOT NULL")
        if self.default is not None:
            parts.append(f"DEFAULT {self.default}")
        return " ".join(parts)


@dataclass
class TableSpec:
    schema: str
    name: str
    columns: list[Column] = field(default_factory=list)
    partitioned: bool = False
    parent: TableSpec | None = None

    @property
    def qname(self) -> str:
        return f"{quote_ident(self.schema)}.{quote_ident(self.name)}"


def _random_columns(rng: random.Random, count: int, start: int) -> list[Column]:
    cols: list[Column] = []
    for j in range(start, start + count):
        kind = rng.choice(_KINDS)
        sql_type, default = _TYPES[kind](rng)
        not_null = rng.random() < 0.3
        if default is not None and rng.random() >= 0.3:
            default = None
        cols.append(Column(f"c{j:02d}_{kind}", kind, sql_type, not_null, default))
    return cols


# --------------------------------------------------------------------------- DDL


def _index_statements(rng: random.Random, table: TableSpec, count: int) -> list[str]:
    """``count`` secondary indexes on ``table``: some unique, some partial, some GIN."""
    stmts: list[str] = []
    candidates = [c for c in table.columns if c.name != "id"]
    if not candidates:
        return stmts
    for k in range(1, count + 1):
        iname = quote_ident(f"{table.name}_ix{k}")
        col = rng.choice(candidates)
        if col.kind == "jsonb":
            stmts.append(
                f"CREATE INDEX {iname} ON {table.qname} USING gin ({quote_ident(col.name)});"
            )
            continue
        cols = [col]
        if rng.random() < 0.3:
            other = rng.choice(candidates)
            if other.kind != "jsonb" and other.name != col.name:
                cols.append(other)
        unique = (
            not table.partitioned
            and len(cols) == 1
            and col.kind in _UNIQUE_KINDS
            and rng.random() < 0.35
        )
        where = ""
        if rng.random() < 0.25:
            where = (
                f" WHERE {quote_ident(col.name)}"
                if col.kind == "bool"
                else f" WHERE {quote_ident(col.name)} IS NOT NULL"
            )
        collist = ", ".join(quote_ident(c.name) for c in cols)
        kw = "UNIQUE INDEX" if unique else "INDEX"
        stmts.append(f"CREATE {kw} {iname} ON {table.qname} ({collist}){where};")
    return stmts


def _comment_statements(rng: random.Random, table: TableSpec) -> list[str]:
    stmts: list[str] = []
    if rng.random() < 0.4:
        text = f"Synthetic benchmark table {table.schema}.{table.name}"
        stmts.append(f"COMMENT ON TABLE {table.qname} IS {quote_literal(text)};")
    for col in table.columns:
        if rng.random() < 0.1:
            text = f"Column {col.name} of type {col.sql_type}"
            stmts.append(
                f"COMMENT ON COLUMN {table.qname}.{quote_ident(col.name)} IS {quote_literal(text)};"
            )
    return stmts


def _secondary_index_count(rng: random.Random) -> int:
    return rng.randint(1, 4)  # mean 2.5


def _regular_table(
    rng: random.Random,
    schema: str,
    name: str,
    columns: int,
    parents: list[TableSpec],
) -> tuple[TableSpec, list[str]]:
    table = TableSpec(schema, name)
    identity = rng.random() < 0.25
    id_col = Column(
        "id",
        "bigint",
        "bigint GENERATED BY DEFAULT AS IDENTITY" if identity else "bigint",
        True,
        None,
    )
    fk_parent = (
        parents[rng.randrange(len(parents))]
        if parents and (rng.random() < FK_PROBABILITY)
        else None
    )
    table.parent = fk_parent
    n_random = max(columns - 1 - (1 if fk_parent else 0), 0)
    table.columns = [id_col, *_random_columns(rng, n_random, 1)]
    defs = [c.ddl() for c in table.columns]
    if fk_parent is not None:
        fk_col = Column("parent_id", "bigint", "bigint", rng.random() < 0.5, None)
        table.columns.append(fk_col)
        defs.append(fk_col.ddl())
        defs.append(
            f'CONSTRAINT {quote_ident(name + "_parent_fk")} FOREIGN KEY ("parent_id") '
            f'REFERENCES {fk_parent.qname} ("id") ON DELETE CASCADE'
        )
    defs.append(f'CONSTRAINT {quote_ident(name + "_pkey")} PRIMARY KEY ("id")')
    body = ",\n  ".join(defs)
    stmts = [f"CREATE TABLE {table.qname} (\n  {body}\n);"]
    stmts += _index_statements(rng, table, _secondary_index_count(rng))
    stmts += _comment_statements(rng, table)
    return table, stmts


def _partitioned_table(
    rng: random.Random, schema: str, name: str, columns: int
) -> tuple[TableSpec, list[str]]:
    table = TableSpec(schema, name, partitioned=True)
    table.columns = [
        Column("id", "bigint", "bigint", True, None),
        Column("created_on", "date", "date", True, "CURRENT_DATE"),
        *_random_columns(rng, max(columns - 2, 0), 1),
    ]
    defs = [c.ddl() for c in table.columns]
    defs.append(f'CONSTRAINT {quote_ident(name + "_pkey")} PRIMARY KEY ("id", "created_on")')
    body = ",\n  ".join(defs)
    stmts = [f'CREATE TABLE {table.qname} (\n  {body}\n) PARTITION BY RANGE ("created_on");']
    for year in PARTITION_YEARS[:PARTITIONS]:
        part_q = f"{quote_ident(schema)}.{quote_ident(f'{name}_p{year}')}"
        stmts.append(
            f"CREATE TABLE {part_q} PARTITION OF {table.qname} "
            f"FOR VALUES FROM ('{year}-01-01') TO ('{year + 1}-01-01');"
        )
    stmts += _index_statements(rng, table, _secondary_index_count(rng))
    stmts += _comment_statements(rng, table)
    return table, stmts


def _view_statement(rng: random.Random, schema: str, idx: int, regular: list[TableSpec]) -> str:
    base = regular[rng.randrange(len(regular))]
    cols = [c for c in base.columns if c.name != "id"][:4]
    select = ", ".join(["t.id", *(f"t.{quote_ident(c.name)}" for c in cols)])
    vname = f"{quote_ident(schema)}.{quote_ident(f'v_{idx:04d}')}"
    if base.parent is not None:
        return (
            f"CREATE VIEW {vname} AS SELECT {select}, p.id AS parent_ref "
            f"FROM {base.qname} t LEFT JOIN {base.parent.qname} p ON p.id = t.parent_id;"
        )
    return f"CREATE VIEW {vname} AS SELECT {select} FROM {base.qname} t;"


def _matview_statements(
    rng: random.Random, schema: str, idx: int, regular: list[TableSpec]
) -> list[str]:
    base = regular[rng.randrange(len(regular))]
    group = next((c for c in base.columns if c.kind in {"int", "bool", "date", "text"}), None)
    mname_raw = f"mv_{idx:04d}"
    mname = f"{quote_ident(schema)}.{quote_ident(mname_raw)}"
    if group is None:
        sql = f"SELECT count(*) AS n, max(t.id) AS max_id FROM {base.qname} t"
        stmts = [f"CREATE MATERIALIZED VIEW {mname} AS {sql} WITH NO DATA;"]
    else:
        g = quote_ident(group.name)
        sql = f"SELECT t.{g} AS grp, count(*) AS n FROM {base.qname} t GROUP BY t.{g}"
        stmts = [f"CREATE MATERIALIZED VIEW {mname} AS {sql} WITH NO DATA;"]
        if rng.random() < 0.5:
            stmts.append(f"CREATE UNIQUE INDEX {quote_ident(mname_raw + '_grp')} ON {mname} (grp);")
    return stmts


@dataclass
class _Batch:
    tables: int = 0
    statements: list[str] = field(default_factory=list)


def _schema_plan(
    rng: random.Random, schema: str, n_tables: int, columns: int
) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(tables_created, statements)`` units for one schema, then views/matviews."""
    regular: list[TableSpec] = []
    remaining = n_tables
    unit = 0
    while remaining > 0:
        name = f"t_{unit:05d}"
        if unit % PARTITION_EVERY == PARTITION_EVERY // 2 and remaining >= 1 + PARTITIONS:
            _, stmts = _partitioned_table(rng, schema, name, columns)
            made = 1 + PARTITIONS
        else:
            table, stmts = _regular_table(rng, schema, name, columns, regular)
            regular.append(table)
            made = 1
        remaining -= made
        unit += 1
        yield made, stmts
    if not regular:
        return
    n_views = round(n_tables / VIEW_EVERY)
    stmts = []
    for i in range(n_views):
        stmts.append(_view_statement(rng, schema, i, regular))
        stmts += _matview_statements(rng, schema, i, regular)
    if stmts:
        yield 0, stmts


def _plan(tables: int, schemas: int, columns: int) -> Iterator[_Batch]:
    """Deterministically generate the DDL, grouped into batches of ~BATCH_TABLES tables."""
    rng = random.Random(f"make_catalog:{tables}:{schemas}:{columns}")  # noqa: S311
    per_schema = [tables // schemas + (1 if s < tables % schemas else 0) for s in range(schemas)]
    batch = _Batch()
    for s, n in enumerate(per_schema):
        schema = f"{SCHEMA_PREFIX}{s}"
        batch.statements.append(f"CREATE SCHEMA {quote_ident(schema)};")
        for made, stmts in _schema_plan(rng, schema, n, columns):
            batch.tables += made
            batch.statements += stmts
            if batch.tables >= BATCH_TABLES:
                yield batch
                batch = _Batch()
    if batch.statements:
        yield batch


# --------------------------------------------------------------------------- driver


def _connect_admin(conninfo: str) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(conninfo, autocommit=True, prepare_threshold=None)


def drop_catalog(conninfo: str, database: str) -> None:
    """Drop ``database`` if it exists (forcibly disconnecting sessions on PG13+)."""
    with _connect_admin(conninfo) as admin:
        force = " WITH (FORCE)" if admin.info.server_version >= 130000 else ""
        admin.execute(f"DROP DATABASE IF EXISTS {quote_ident(database)}{force}")


def _counts(conn: psycopg.Connection[tuple[object, ...]]) -> dict[str, int]:
    row = conn.execute(_COUNTS_SQL).fetchone()
    assert row is not None
    return {key: int(str(value)) for key, value in zip(_COUNT_KEYS, row, strict=True)}


def make_catalog(
    conninfo: str,
    database: str,
    tables: int = 10_000,
    schemas: int = 5,
    columns: int = 20,
) -> dict[str, int]:
    """(Re)create ``database`` and fill it with a synthetic catalog; return pg_catalog counts.

    ``conninfo`` is any libpq URL / conninfo string of a role allowed to create
    databases; the new database is reached via ``make_conninfo(conninfo, dbname=...)``.
    """
    if tables < 1 or schemas < 1 or columns < 3:
        raise ValueError("need tables >= 1, schemas >= 1 and columns >= 3")
    schemas = min(schemas, tables)

    drop_catalog(conninfo, database)
    with _connect_admin(conninfo) as admin:
        admin.execute(f"CREATE DATABASE {quote_ident(database)}")

    target = make_conninfo(conninfo, dbname=database)
    started = time.monotonic()
    done = 0
    with psycopg.connect(target, autocommit=True, prepare_threshold=None) as conn:
        conn.execute("SET synchronous_commit TO off")
        conn.execute("SET client_min_messages TO warning")
        for batch in _plan(tables, schemas, columns):
            # One multi-statement simple-protocol query == one implicit transaction.
            conn.execute("\n".join(batch.statements).encode())
            done += batch.tables
            log.info("%d/%d tables (%.1fs)", done, tables, time.monotonic() - started)
        conn.execute("ANALYZE")  # cheap on empty tables; gives realistic pg_class stats
        counts = _counts(conn)
    log.info("catalog %s ready in %.1fs: %s", database, time.monotonic() - started, counts)
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--dsn", required=True, help="libpq URL/conninfo of an admin role")
    parser.add_argument("--database", required=True, help="database to (re)create")
    parser.add_argument("--tables", type=int, default=10_000)
    parser.add_argument("--schemas", type=int, default=5)
    parser.add_argument("--columns", type=int, default=20)
    parser.add_argument(
        "--drop", action="store_true", help="only drop the database (cleanup) and exit"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO,
        format="%(asctime)s %(message)s",
        stream=sys.stderr,
    )
    started = time.monotonic()
    if args.drop:
        drop_catalog(args.dsn, args.database)
        print(json.dumps({"dropped": args.database}))
        return 0
    counts = make_catalog(args.dsn, args.database, args.tables, args.schemas, args.columns)
    print(json.dumps(counts))
    print(f"elapsed: {time.monotonic() - started:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
