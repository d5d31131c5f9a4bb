"""Exit codes through the real CLI: each outcome its documented code and exact message; an
empty scope is a normal run (exit 0, empty outputs, a warning naming the filter); the README's
exit-code table is the code's."""

from __future__ import annotations

import importlib
import os
import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from sourcesense.errors import EXIT_CODES, SourceSenseError
from tests.cli.test_bad_input import assert_one_line_error, run_cli
from tests.pg import PgServer

README = Path(__file__).parents[2] / "README.md"
FAILING_PLUGIN = "def transform(ctx):\n    raise RuntimeError('the plugin broke')\n"


@pytest.fixture(scope="module")
def empty_db(embedded_server: PgServer) -> Iterator[str]:
    with embedded_server.temp_database("sstest_empty") as name:
        yield name


def output_dir(stdout: str) -> Path:
    return Path(re.findall(r"output: (\S+)", stdout)[-1])


def test_empty_database_is_a_normal_run(
    embedded_server: PgServer, empty_db: str, tmp_path: Path
) -> None:
    done = run_cli("extract", "--dsn", embedded_server.conninfo(empty_db), "--out",
                   str(tmp_path), "--no-progress")  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "warning: no table, view or other relation in scope: the outputs are empty" in (
        done.stdout
    )
    assert "error:" not in done.stdout + done.stderr
    run_dir = output_dir(done.stdout)
    assert (run_dir / "transformed" / "openlineage" / "events.jsonl").read_text() == ""


def test_filter_matching_nothing_is_named(
    embedded_server: PgServer, sample_db_embedded: str, tmp_path: Path
) -> None:
    done = run_cli(
        "extract", "--dsn", embedded_server.conninfo(sample_db_embedded), "--out", str(tmp_path),
        "--no-progress", "--include-schema", "^no_such_schema$",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "warning: --include-schema '^no_such_schema$' matched no schema" in done.stdout
    assert "error:" not in done.stdout


def test_failed_step_is_exit_12(embedded_server: PgServer, empty_db: str, tmp_path: Path) -> None:
    """A transformer installed as a plugin (a real entry point) that raises."""
    plugins = tmp_path / "plugins"
    (plugins / "failing_plugin-0.1.dist-info").mkdir(parents=True)
    (plugins / "failing_plugin.py").write_text(FAILING_PLUGIN)
    info = plugins / "failing_plugin-0.1.dist-info"
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: failing-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        "[sourcesense.transformers]\nfailing = failing_plugin:transform\n"
    )
    path = os.pathsep.join([str(plugins), os.environ.get("PYTHONPATH", "")])
    done = run_cli(
        "extract", "--dsn", embedded_server.conninfo(empty_db), "--out", str(tmp_path / "d"),
        "--no-progress", "--format", "failing", "--format", "openlineage",
        env={"PYTHONPATH": path},
    )  # fmt: skip
    run_dir = output_dir(done.stdout)
    assert_one_line_error(
        done, 12, f"error: the run completed, but the failing output failed: the errors are "
        f"listed above and in {run_dir / 'manifest.json'}",
    )  # fmt: skip
    assert (run_dir / "transformed" / "openlineage" / "events.jsonl").exists()


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (["--include-database", "^a"],
         "--include-database only applies with --all-databases: add it, or give the database "
         "in the DSN"),
        (["--exclude-database", "^a"],
         "--exclude-database only applies with --all-databases: add it, or give the database "
         "in the DSN"),
        (["--format", "openlineage", "--atlan-connection", "default/postgres/1"],
         "--atlan-connection applies to the atlan format: add --format atlan"),
        (["--temporal-ui", "--temporal-address", "127.0.0.1:1"],
         "--temporal-ui serves the embedded server's UI: with --temporal-address, open your "
         "cluster's UI instead"),
    ],
)  # fmt: skip
def test_ignored_options_are_refused(args: list[str], text: str) -> None:
    done = run_cli("extract", "--dsn", "postgresql://u@h/db", *args)
    assert_one_line_error(done, 2, f"error: {text}")


def test_demo_stop_takes_no_other_option() -> None:
    done = run_cli("demo", "--stop", "--keep-running")
    assert_one_line_error(done, 2, "error: --stop only stops the demo's server: give it alone")


def test_out_is_a_file(tmp_path: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("")
    message = f"error: --out {afile} is a file, not a directory: give a directory"
    for args in (["extract", "--dsn", "postgresql://u@h/db"], ["history"], ["serve"]):
        assert_one_line_error(run_cli(*args, "--out", str(afile)), 14, message)


def test_history_of_a_missing_dir_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    done = run_cli("history", "--out", str(missing))
    assert_one_line_error(
        done, 14, f"error: --out {missing}: no such directory (no run was written there)"
    )
    assert not missing.exists()


def test_unknown_run(tmp_path: Path) -> None:
    done = run_cli("diff", "20261127T083000Z-3f9a1c", "20261127T083000Z-3f9a1d", "--out",
                   str(tmp_path))  # fmt: skip
    assert_one_line_error(done, 15, f"error: no run '20261127T083000Z-3f9a1c' in {tmp_path}")


def test_busy_port(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        done = run_cli("serve", "--out", str(tmp_path), "--port", str(port))
    assert_one_line_error(
        done, 13, f"error: port {port} on 127.0.0.1 is in use by another process: stop it, or "
        "choose another port with --port",
    )  # fmt: skip
    assert "SourceSense on" not in done.stderr


def readme_exit_codes() -> dict[int, str]:
    section = README.read_text().split("### Exit codes", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (\d+) \| (.+?) \|$", section, flags=re.MULTILINE)
    return {int(code): meaning for code, meaning in rows}


def test_readme_exit_codes_are_the_codes() -> None:
    for module in ("embedded", "source", "store.runs"):  # where more errors are defined
        importlib.import_module(f"sourcesense.{module}")
    assert readme_exit_codes() == EXIT_CODES
    used = {cls.exit_code for cls in _all(SourceSenseError)}
    assert used - set(EXIT_CODES) == set(), "an error's exit code is not documented"


def _all(cls: type[SourceSenseError]) -> list[type[SourceSenseError]]:
    return [cls, *(sub for child in cls.__subclasses__() for sub in _all(child))]
