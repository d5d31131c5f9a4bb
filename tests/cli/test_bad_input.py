"""Bad input through the real CLI: one clear line on stderr, a distinct exit code, no traceback,
and never the password."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from psycopg import sql

from tests.pg import PgServer

ROLE, PASSWORD = "sstest_cli_role", "Right-Pass-7f3a"


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "SOURCESENSE_CONNECT_TIMEOUT_S": "5", **(env or {})}
    if "PGPASSWORD" not in (env or {}):
        full_env.pop("PGPASSWORD", None)
    return subprocess.run(
        [sys.executable, "-m", "sourcesense", *args],
        check=False, capture_output=True, text=True, timeout=120,
        env=full_env, stdin=subprocess.DEVNULL,
    )  # fmt: skip


def assert_one_line_error(done: subprocess.CompletedProcess[str], code: int, text: str) -> None:
    assert done.returncode == code, (done.returncode, done.stderr)
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert lines[-1].startswith("error: "), done.stderr
    assert text in lines[-1], lines[-1]
    assert "Traceback" not in done.stderr + done.stdout


@pytest.fixture(scope="module")
def role_db(embedded_server: PgServer) -> Iterator[str]:
    """A database and a password-protected role on the embedded server (scram over TCP)."""
    with embedded_server.temp_database("sstest_cli") as name:
        with embedded_server.connect(name) as conn:
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(ROLE)))
            conn.execute(
                sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                    sql.Identifier(ROLE), sql.Literal(PASSWORD)
                )
            )
            conn.execute("CREATE TABLE public.kept (id int)")
        yield name
        with embedded_server.connect() as conn:
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(ROLE)))


def test_wrong_password(embedded_server: PgServer, role_db: str, tmp_path: Path) -> None:
    url = embedded_server.url(role_db, ROLE, "Wrong-Pass-91c2")
    done = run_cli("extract", "--dsn", url, "--out", str(tmp_path))
    assert_one_line_error(done, 5, f"authentication failed for user '{ROLE}'")
    assert "Wrong-Pass-91c2" not in done.stderr + done.stdout
    assert not (tmp_path / "runs").exists()


def test_missing_password_without_a_terminal(
    embedded_server: PgServer, role_db: str, tmp_path: Path
) -> None:
    done = run_cli("extract", "--dsn", embedded_server.url(role_db, ROLE), "--out", str(tmp_path))
    assert_one_line_error(done, 5, "requires a password: give it in the DSN, PGPASSWORD")


def test_password_from_pgpassword_and_pgpass(
    embedded_server: PgServer, role_db: str, tmp_path: Path
) -> None:
    url = embedded_server.url(role_db, ROLE)
    done = run_cli("extract", "--dsn", url, "--out", str(tmp_path), env={"PGPASSWORD": PASSWORD})
    assert done.returncode == 0, done.stderr
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"127.0.0.1:*:*:{ROLE}:{PASSWORD}\n")
    pgpass.chmod(0o600)
    done = run_cli("extract", "--dsn", url, "--out", str(tmp_path), env={"PGPASSFILE": str(pgpass)})
    assert done.returncode == 0, done.stderr
    assert PASSWORD not in done.stdout + done.stderr


def test_unreachable_host(tmp_path: Path) -> None:
    done = run_cli(
        "extract", "--dsn", "postgresql://u:pw-x1@127.0.0.1:1/db", "--out", str(tmp_path)
    )
    assert_one_line_error(
        done, 4, "cannot connect to PostgreSQL at 127.0.0.1:1: Connection refused"
    )
    assert "pw-x1" not in done.stderr


def test_unknown_database(embedded_server: PgServer, tmp_path: Path) -> None:
    url = embedded_server.url("no_such_db_here", password=embedded_server.admin_password())
    done = run_cli("extract", "--dsn", url, "--out", str(tmp_path))
    assert_one_line_error(done, 6, "database 'no_such_db_here' does not exist at 127.0.0.1:")


def test_database_without_connect_privilege(
    embedded_server: PgServer, role_db: str, tmp_path: Path
) -> None:
    with embedded_server.connect() as conn:
        conn.execute(
            sql.SQL("REVOKE CONNECT ON DATABASE {} FROM PUBLIC").format(sql.Identifier(role_db))
        )
    try:
        url = embedded_server.url(role_db, ROLE, PASSWORD)
        done = run_cli("extract", "--dsn", url, "--out", str(tmp_path))
        assert_one_line_error(done, 7, "permission denied")
    finally:
        with embedded_server.connect() as conn:
            conn.execute(
                sql.SQL("GRANT CONNECT ON DATABASE {} TO PUBLIC").format(sql.Identifier(role_db))
            )


@pytest.mark.parametrize(
    ("dsn", "text"),
    [
        ("postgresql://u:Secret-55@h:notaport/db", "malformed DSN"),
        ("oracle://root@localhost/db", "scheme 'oracle' is not postgresql://"),
        ("host=h sslmode=maybe", "sslmode must be one of"),
    ],
)
def test_malformed_dsn(dsn: str, text: str, tmp_path: Path) -> None:
    done = run_cli("extract", "--dsn", dsn, "--out", str(tmp_path))
    assert_one_line_error(done, 2, text)
    assert "Secret-55" not in done.stderr


def test_invalid_regex(embedded_server: PgServer, role_db: str, tmp_path: Path) -> None:
    url = embedded_server.url(role_db, ROLE, PASSWORD)
    done = run_cli("extract", "--dsn", url, "--out", str(tmp_path), "--include-table", "(unclosed")
    assert_one_line_error(done, 3, "--include-table: invalid regular expression")


def test_sql_injection_in_filters_is_just_a_pattern(
    embedded_server: PgServer, role_db: str, tmp_path: Path
) -> None:
    url = embedded_server.url(role_db, ROLE, PASSWORD)
    hostile = "x' OR '1'='1'; DROP TABLE public.kept; --"
    done = run_cli("extract", "--dsn", url, "--out", str(tmp_path), "--include-table", hostile)
    assert done.returncode == 0, done.stderr
    assert "relations" in done.stdout
    with embedded_server.connect(role_db) as conn:
        assert conn.execute("SELECT to_regclass('public.kept') IS NOT NULL").fetchone() == (True,)


def test_conflicting_options(tmp_path: Path) -> None:
    done = run_cli("extract", "--dsn", "postgresql://h/db", "--database", "a", "--all-databases")
    assert_one_line_error(done, 2, "--database and --all-databases exclude each other")


def test_usage_error_exit_code() -> None:
    done = run_cli("extract")
    assert done.returncode == 2
    assert "--dsn" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["--openlineage-url", "ftp://lineage.example/x?token=t0k"],
         "OpenLineage URL ftp://lineage.example/x?****: give the server's http(s)://host[:port]"),
        (["--openlineage-url", "http://lineage.example", "--format", "atlan"],
         "an OpenLineage URL sends the openlineage output: add that format"),
    ],
)  # fmt: skip
def test_bad_openlineage_url(args: list[str], text: str, tmp_path: Path) -> None:
    done = run_cli("extract", "--dsn", "postgresql://u@h/db", "--out", str(tmp_path), *args)
    assert_one_line_error(done, 2, text)
    assert "t0k" not in done.stderr + done.stdout
