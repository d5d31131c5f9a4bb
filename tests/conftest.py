"""Real PostgreSQL servers for the tests: embedded PostgreSQL 18 always, plus the server named
by SOURCESENSE_TEST_DSN when set. Server-backed tests run once per server."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from sourcesense import embedded
from sourcesense.sample_db import load_sample_db
from tests.pg import PgServer, external_dsn, generated_catalog

SERVER_NAMES = ["embedded", *(["external"] if external_dsn() else [])]


@pytest.fixture(scope="session")
def embedded_server() -> Iterator[PgServer]:
    root = Path(tempfile.mkdtemp(prefix="sourcesense-test-pg-"))
    running = embedded.start(root)
    server = PgServer("embedded", running.conninfo(), has_pg_stat_statements=True)
    try:
        yield server
    finally:
        embedded.remove(root)


@pytest.fixture(scope="session", params=SERVER_NAMES)
def pg(request: pytest.FixtureRequest) -> PgServer:
    """Each server in turn: tests using it run on PostgreSQL 18 and on the external one."""
    if request.param == "embedded":
        server: PgServer = request.getfixturevalue("embedded_server")
        return server
    return PgServer("external", str(external_dsn()), has_pg_stat_statements=False)


@pytest.fixture(scope="session")
def sample_db(pg: PgServer) -> Iterator[str]:
    """sample_db loaded under a unique name on the server; its name."""
    with pg.temp_database("sstest_sample") as name:
        load_sample_db(pg.admin, name)
        yield name


@pytest.fixture(scope="session")
def catalog_2000(pg: PgServer) -> Iterator[str]:
    """bench/make_catalog.py's catalog of 2,000 tables on the server, shared read-only by the
    tests that need a large catalog (it takes most of a minute to build)."""
    with generated_catalog(pg, "sstest_cat2000", tables=2000, columns=12) as name:
        yield name


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture(scope="session")
def sample_db_embedded(embedded_server: PgServer) -> Iterator[str]:
    """sample_db on the embedded server only, for tests that need one server."""
    with embedded_server.temp_database("sstest_sample") as name:
        load_sample_db(embedded_server.admin, name)
        yield name
