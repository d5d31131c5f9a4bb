"""`sourcesense run -c` runs every source of a file, several at once: the reachable ones
complete, the unreachable one is reported with its error, and the exit code says so.
`validate` preflights each source and names the file and line of the one that fails."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.cli.test_bad_input import run_cli
from tests.pg import PgServer, external_dsn

UNREACHABLE = "postgresql://postgres@127.0.0.1:1/postgres"  # nothing listens on port 1


@dataclass(frozen=True)
class Sources:
    first: str  # its password in SSTEST_CFG_PASSWORD
    second: str  # its password (if any) in the DSN
    password: str

    def env(self) -> dict[str, str]:
        return {"SSTEST_CFG_PASSWORD": self.password}


@pytest.fixture(scope="module")
def sources(embedded_server: PgServer) -> Iterator[Sources]:
    """Two PostgreSQL databases: one on the embedded server, one on the external server when
    SOURCESENSE_TEST_DSN names one (else a second database of the embedded one)."""
    other = PgServer("external", external_dsn() or embedded_server.admin, False)
    with (
        embedded_server.temp_database("sstest_cfg_a") as a,
        other.temp_database("sstest_cfg_b") as b,
    ):
        for server, name in ((embedded_server, a), (other, b)):
            with server.connect(name) as conn:
                conn.execute("CREATE TABLE public.item (id int PRIMARY KEY, label text)")
        second = other.url(b, password=other.admin_password())
        yield Sources(embedded_server.url(a), second, embedded_server.admin_password() or "")


def sources_file(tmp_path: Path, sources: Sources) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(f"""\
max_parallel: 3
sources:
  first:
    dsn: {sources.first}
    password: {{env: SSTEST_CFG_PASSWORD}}
    options: {{formats: [openlineage], quality: false}}
  second:
    dsn: "{sources.second}"
    options: {{formats: [none], lineage: false, quality: false}}
  gone:
    dsn: {UNREACHABLE}
""")  # fmt: skip
    return path


def test_run_reports_each_source(sources: Sources, tmp_path: Path) -> None:
    path, data = sources_file(tmp_path, sources), tmp_path / "data"
    done = run_cli("run", "-c", str(path), "--out", str(data), "--allow-inline-passwords",
                   env=sources.env())  # fmt: skip
    assert done.returncode == 9, done.stdout + done.stderr
    rows = {line.split("\t")[0]: line.split("\t") for line in done.stdout.splitlines()}
    assert set(rows) == {"first", "second", "gone"}, done.stdout + done.stderr
    assert rows["first"][1] == rows["second"][1] == "completed", done.stdout
    assert rows["gone"][1] == "failed"
    assert rows["gone"][3].startswith("cannot connect to PostgreSQL at 127.0.0.1:1"), rows["gone"]
    for name in ("first", "second"):
        manifest = json.loads((data / "runs" / rows[name][2] / "manifest.json").read_text())
        assert manifest["status"] == "completed"
    assert (data / "runs" / rows["first"][2] / "transformed" / "openlineage").is_dir()
    assert not (data / "runs" / rows["second"][2] / "transformed" / "openlineage").exists()
    last = done.stderr.strip().splitlines()[-1]
    assert last == "error: 1 of 3 sources did not complete: gone", done.stderr
    assert "Traceback" not in done.stderr
    assert not sources.password or sources.password not in done.stdout + done.stderr


def test_unknown_source_name(sources: Sources, tmp_path: Path) -> None:
    path = sources_file(tmp_path, sources)
    done = run_cli("run", "-c", str(path), "--source", "nope", "--out", str(tmp_path / "d"))
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"error: {path}: no source named nope: the file has first, second, gone"
    )


def test_validate_preflights_each_source(sources: Sources, tmp_path: Path) -> None:
    path = sources_file(tmp_path, sources)
    done = run_cli("validate", "-c", str(path), "--allow-inline-passwords", env=sources.env())
    assert done.returncode == 9, done.stdout + done.stderr
    assert re.search(r"^first\tok\tPostgreSQL \d+", done.stdout, re.M), done.stdout
    assert re.search(r"^second\tok\tPostgreSQL \d+", done.stdout, re.M), done.stdout
    place = re.escape(f"{path}:11: sources.gone.dsn: cannot connect to PostgreSQL at 127.0.0.1:1")
    assert re.search(f"^{place}", done.stderr, re.M), done.stderr
    unset = run_cli("validate", "-c", str(path), "--no-preflight", "--allow-inline-passwords")
    assert unset.returncode == 9
    assert unset.stderr.startswith(
        f"{path}:5: sources.first.password.env: environment variable SSTEST_CFG_PASSWORD"
    ), unset.stderr
