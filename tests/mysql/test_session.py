"""How MySQL/MariaDB extraction treats the server: one consistent read-only snapshot, its
limits set, a number of statements that does not grow with the tables, filters bound, and
clear errors for bad input."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from typing import Any

import pyarrow as pa
import pytest

from sourcesense.engines.mysql.catalog import extract_catalog, query_params
from sourcesense.engines.mysql.connection import Session, connect
from sourcesense.engines.mysql.run import only_schema
from sourcesense.errors import (
    AuthenticationError,
    ConnectionFailedError,
    DatabaseNotFoundError,
    InvalidFilterError,
)
from sourcesense.extract.catalog import QueryOptions
from sourcesense.extract.filters import Filters
from sourcesense.extract.preflight import preflight
from sourcesense.extract.run import ExtractRequest
from sourcesense.settings import Settings
from sourcesense.source import Source
from tests.mysql.conftest import admin, query

SETTINGS = Settings(statement_timeout_ms=7_500, lock_timeout_ms=3_000)


class Collect:
    """A sink keeping every batch; `on_first` runs when the first one arrives."""

    def __init__(self, on_first: Any = None) -> None:
        self.batches: dict[str, list[pa.RecordBatch]] = {}
        self.on_first = on_first

    def write(self, kind: str, batch: pa.RecordBatch) -> None:
        if self.on_first is not None:
            self.on_first()
            self.on_first = None
        self.batches.setdefault(kind, []).append(batch)

    def discard(self, kind: str) -> None:
        self.batches.pop(kind, None)

    def rows(self, kind: str) -> list[dict[str, Any]]:
        return [row for batch in self.batches.get(kind, []) for row in batch.to_pylist()]


def extract(session: Session, filters: Filters) -> Collect:
    sink = Collect()
    params = query_params(filters, QueryOptions(), session.flavour, None)
    result = extract_catalog(session, params, sink, 1000)
    assert not result.errors
    return sink


def test_one_read_only_snapshot_with_limits(mysql_source: Source, mysql_sample: str) -> None:
    seen: list[tuple[Any, ...]] = []
    with connect(mysql_source, SETTINGS) as session:
        ((thread,),) = session.rows("SELECT CONNECTION_ID()")

        def look() -> None:  # from another session, while the snapshot is open
            seen.extend(query(mysql_source, "SELECT trx_isolation_level, trx_is_read_only FROM"
                              " information_schema.INNODB_TRX WHERE trx_mysql_thread_id = %s",
                              thread))  # fmt: skip

        sink = Collect(look)
        params = query_params(Filters(include_schema=f"^{mysql_sample}"), QueryOptions(),
                              session.flavour, None)  # fmt: skip
        assert extract_catalog(session, params, sink, 1000).snapshot.startswith(
            "consistent snapshot at "
        )
        statement = (
            "@@max_statement_time" if session.flavour == "mariadb" else "@@max_execution_time"
        )
        ((limit, lock_wait, innodb_wait, read_only),) = session.rows(
            f"SELECT {statement}, @@lock_wait_timeout, @@innodb_lock_wait_timeout,"
            " @@session.tx_read_only" if session.flavour == "mariadb" else
            f"SELECT {statement}, @@lock_wait_timeout, @@innodb_lock_wait_timeout,"
            " @@session.transaction_read_only"
        )  # fmt: skip
    assert seen == [("REPEATABLE READ", 1)]
    expected = 7.5 if session.flavour == "mariadb" else 7500
    assert (float(limit), lock_wait, innodb_wait, read_only) == (expected, 3, 3, 1)


@pytest.fixture(scope="module")
def scale_db(mysql_source: Source, mysql_sample: str) -> Iterator[str]:
    name = f"{mysql_sample}scale"
    with closing(admin(mysql_source)) as conn, conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE `{name}`")
        try:
            yield name
        finally:
            cur.execute(f"DROP DATABASE `{name}`")


def add_tables(source: Source, database: str, first: int, last: int) -> None:
    with closing(admin(source)) as conn, conn.cursor() as cur:
        for n in range(first, last):
            cur.execute(f"CREATE TABLE `{database}`.t{n} (id INT PRIMARY KEY, name VARCHAR(20),"
                        f" KEY name_idx (name(5)), CHECK (id > 0))")  # fmt: skip


def statements(session: Session, filters: Filters) -> tuple[int, int]:
    """Statements the server counted for one extraction (the status queries excluded), and
    the relations it found."""
    status = "SHOW SESSION STATUS LIKE 'Questions'"
    before = int(session.rows(status)[0][1])
    relations = len(extract(session, filters).rows("relations"))
    return int(session.rows(status)[0][1]) - before - 1, relations


def test_statements_do_not_grow_with_tables(mysql_source: Source, scale_db: str) -> None:
    only = Filters(include_schema=f"^{scale_db}$")
    add_tables(mysql_source, scale_db, 0, 10)
    with connect(mysql_source, SETTINGS) as session:
        few, ten = statements(session, only)
    add_tables(mysql_source, scale_db, 10, 500)
    with connect(mysql_source, SETTINGS) as session:
        many, five_hundred = statements(session, only)
    assert (ten, five_hundred) == (10, 500)
    assert few == many <= 12  # transaction, snapshot time, the kinds, rollback


def test_filters_are_bound_and_system_schemas_left_out(
    mysql_source: Source, mysql_sample: str
) -> None:
    with connect(mysql_source, SETTINGS) as session:
        everything = extract(session, Filters())
        ecommerce = extract(
            session,
            Filters(
                include_schema=f"^{mysql_sample}ecommerce$",
                include_table="^order",
                exclude_table="items$",
            ),
        )
        hostile = extract(session, Filters(include_table="x'\\); DROP DATABASE mysql; --"))
    schemas = {row["schema_name"] for row in everything.rows("schemas")}
    assert f"{mysql_sample}ecommerce" in schemas
    assert not schemas & {"mysql", "sys", "performance_schema", "information_schema"}
    assert [row["table_name"] for row in ecommerce.rows("relations")] == ["orders"]
    assert {row["table_name"] for row in ecommerce.rows("columns")} == {"orders"}
    assert hostile.rows("relations") == []
    assert query(mysql_source, "SHOW DATABASES LIKE 'mysql'") == [("mysql",)]


def test_bad_input_gets_clear_errors(mysql_source: Source) -> None:
    wrong = mysql_source.with_password("Wrong-Pass-1")
    if query(mysql_source, "SELECT COUNT(*) FROM mysql.global_priv WHERE User = 'root'"
             " AND JSON_VALUE(Priv, '$.plugin') = 'unix_socket'")[0][0]:  # fmt: skip
        wrong = wrong.model_copy(update={"user": "sstest_nobody"})
    with pytest.raises(AuthenticationError, match="authentication failed for user") as exc:
        preflight(wrong, Filters(), SETTINGS)
    assert "Wrong-Pass-1" not in exc.value.message
    with pytest.raises(DatabaseNotFoundError, match="database 'sstest_missing' does not exist"):
        preflight(mysql_source.with_database("sstest_missing"), Filters(), SETTINGS)
    unreachable = mysql_source.model_copy(update={"port": 1})
    with pytest.raises(ConnectionFailedError, match="cannot connect to MySQL/MariaDB at"):
        preflight(unreachable, Filters(), SETTINGS)
    with pytest.raises(InvalidFilterError, match="--include-table: invalid regular expression"):
        preflight(mysql_source, Filters(include_table="(unclosed"), SETTINGS)


def test_a_user_sees_what_it_is_granted(mysql_source: Source, mysql_sample: str) -> None:
    """MySQL lists in information_schema only what a user holds a privilege on: the rest of
    the server is out of its run, without an error."""
    user, password = f"sstest{mysql_sample.removeprefix('sstest')[:-1]}_ro", "Ro-Pass-5e1"
    ecommerce = f"{mysql_sample}ecommerce"
    with closing(admin(mysql_source)) as conn, conn.cursor() as cur:
        cur.execute(f"CREATE USER '{user}'@'%' IDENTIFIED BY '{password}'")
        try:
            cur.execute(f"GRANT SELECT ON `{ecommerce}`.`users` TO '{user}'@'%'")
            limited = mysql_source.model_copy(update={"user": user}).with_password(password)
            with connect(limited, SETTINGS) as session:
                seen = extract(session, Filters())
        finally:
            cur.execute(f"DROP USER '{user}'@'%'")
    assert [(r["schema_name"], r["table_name"]) for r in seen.rows("relations")] == [
        (ecommerce, "users")]  # fmt: skip
    grants = {(r["table_name"], r["grantee"], r["privilege_type"]) for r in seen.rows("privileges")}
    assert grants == {("users", f"'{user}'@'%'", "SELECT")}


def test_a_dsn_database_is_the_one_read(mysql_source: Source, mysql_sample: str) -> None:
    reporting = f"{mysql_sample}reporting"
    request = ExtractRequest(mysql_source.with_database(reporting))
    assert only_schema(request) == reporting
    assert only_schema(ExtractRequest(request.source, all_databases=True)) is None
    with connect(request.source, SETTINGS) as session:
        sink = Collect()
        params = query_params(request.filters, QueryOptions(), session.flavour, reporting)
        extract_catalog(session, params, sink, 1000)
    assert [row["schema_name"] for row in sink.rows("schemas")] == [reporting]
    assert {row["table_name"] for row in sink.rows("relations")} == {
        "daily_sales", "order_summary", "top_customers"}  # fmt: skip
