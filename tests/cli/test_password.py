"""The password prompt, and that a password given anywhere never reaches outputs."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest
from psycopg import sql

from tests.pg import PgServer

ROLE, PASSWORD = "sstest_prompt_role", "Prompted-Secret-42"


@pytest.fixture(scope="module")
def prompt_db(embedded_server: PgServer) -> Iterator[str]:
    with embedded_server.temp_database("sstest_prompt") as name:
        with embedded_server.connect() as conn:
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(ROLE)))
            conn.execute(
                sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                    sql.Identifier(ROLE), sql.Literal(PASSWORD)
                )
            )
        yield name
        with embedded_server.connect() as conn:
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(ROLE)))


def _spawn(args: list[str]) -> pexpect.spawn[str]:
    return pexpect.spawn(
        sys.executable, ["-m", "sourcesense", *args], encoding="utf-8", timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "COLUMNS": "120"},
    )  # fmt: skip


@pytest.mark.parametrize("flag", [[], ["--password-prompt"]])
def test_prompt_on_a_terminal(
    embedded_server: PgServer, prompt_db: str, tmp_path: Path, flag: list[str]
) -> None:
    url = embedded_server.url(prompt_db, ROLE)
    child = _spawn(["extract", "--dsn", url, "--out", str(tmp_path), "--no-progress", *flag])
    child.expect("Password: ")
    child.sendline(PASSWORD)
    child.expect(pexpect.EOF)
    child.close()
    transcript = child.before or ""
    assert child.exitstatus == 0, transcript
    assert "status: completed" in transcript
    assert PASSWORD not in transcript, "the typed password is not echoed"
    for file in tmp_path.rglob("*"):
        if file.is_file():
            assert PASSWORD.encode() not in file.read_bytes(), file
