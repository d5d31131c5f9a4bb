"""Malformed DSNs through the real CLI: what is wrong and what was expected, exit code 2, the
DSN shown with its password masked."""

from __future__ import annotations

from pathlib import Path

import pytest

from sourcesense.source import EXPECTED_DSN
from tests.cli.test_bad_input import assert_one_line_error, run_cli


@pytest.mark.parametrize(
    ("dsn", "message"),
    [
        ("hello world", '(got "hello world": missing "=" after "hello")'),
        ("127.0.0.1", '(got "127.0.0.1": missing "=" after "127.0.0.1")'),
        ("host=h password='Secret-55", '(got "host=h password=****": unterminated quoted string)'),
        (
            "postgresql://u:Secret%zz55@h/db",
            '(got "postgresql://u:****@h/db": invalid percent-encoded token: "****")',
        ),
        (
            "postgresql://u:Secret-55@[::1/db",
            '(got "postgresql://u:****@[::1/db": end of string reached when looking for '
            'matching "]" in IPv6 host address in URI)',
        ),
        (
            "postgresql://u@h/db?password=Secret-55&bad=1",
            '(got "postgresql://u@h/db?password=****&bad=1": invalid URI query parameter: "bad")',
        ),
    ],
)
def test_malformed_dsn_says_what_is_wrong(dsn: str, message: str, tmp_path: Path) -> None:
    done = run_cli("extract", "--dsn", dsn, "--out", str(tmp_path))
    assert_one_line_error(done, 2, f"error: malformed DSN: expected {EXPECTED_DSN} {message}")
    assert "Secret" not in done.stderr + done.stdout
    assert not any(tmp_path.iterdir()), "nothing is written for a DSN that does not parse"


def test_long_dsn_is_cut(tmp_path: Path) -> None:
    dsn = "x" * 200
    done = run_cli("ddl-log", "install", "--dsn", dsn)
    assert_one_line_error(done, 2, f'(got "{"x" * 79}…": missing "=" after "{dsn}")')
