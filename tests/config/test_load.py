"""A sources file is read with the line of every value: each validation error names the file,
the line and the field; inline passwords are refused without the flag; ${VAR} needs VAR."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sourcesense.config.build import extraction_input, source_of
from sourcesense.config.load import ConfigFileError, load_config
from sourcesense.settings import Settings

BAD = """\
version: 1
sources:
  warehouse:
    dsn: postgresql://app@db.internal:5432/dw
    optons: {}
  Bad Name:
    dsn: postgresql://app@db.internal/x
  sales:
    dsn: postgresql://app@db.internal/sales
    scope:
      - database: sales
        schemas: [public]
        extra: 1
    schedule:
      interval: 5 weeks
  nodsn:
    all_databases: true
  both:
    dsn: postgresql://app@db.internal/x
    schedule: {cron: "0 3 * * *", interval: 5m}
"""
# (line, field) of each error the file above holds, in the file's order.
EXPECTED = [
    (5, "sources.warehouse.optons"),
    (6, "sources.Bad Name"),
    (13, "sources.sales.scope[0].extra"),
    (15, "sources.sales.schedule.interval"),
    (16, "sources.nodsn.dsn"),
    (20, "sources.both.schedule"),
]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(text)
    return path


def test_every_error_names_file_line_and_field(tmp_path: Path) -> None:
    path = write(tmp_path, BAD)
    with pytest.raises(ConfigFileError) as caught:
        load_config(path)
    found = []
    for problem in caught.value.problems:
        match = re.match(rf"^{re.escape(str(path))}:(\d+): (\S+(?: Name)?): \S", problem)
        assert match, problem
        found.append((int(match[1]), match[2]))
    assert sorted(found) == EXPECTED


@pytest.mark.parametrize(
    ("text", "line", "field"),
    [
        ("sources:\n  a:\n    dsn: [unclosed\n", 4, "invalid YAML"),
        ("sources: {}\n", 1, "sources"),
        ("- a\n", 1, "(top level)"),
        ("sources:\n  a:\n    dsn: postgresql://x@h/${SSTEST_UNSET_VAR}\n", 3, "sources.a.dsn"),
    ],
)
def test_shape_and_syntax_errors(tmp_path: Path, text: str, line: int, field: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigFileError) as caught:
        load_config(path)
    assert caught.value.message.startswith(f"{path}:{line}: {field}"), caught.value.message


def test_unset_variable_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSTEST_UNSET_VAR", raising=False)
    path = write(tmp_path, "sources:\n  a:\n    dsn: postgresql://x@h/${SSTEST_UNSET_VAR}\n")
    with pytest.raises(ConfigFileError, match=r"\$\{SSTEST_UNSET_VAR\} is not set"):
        load_config(path)


@pytest.mark.parametrize(
    ("source", "line", "field"),
    [
        ("    dsn: postgresql://app:Sekrit-771@db/x\n", 3, "sources.a.dsn"),
        ("    dsn: postgresql://app@db/x\n    password: Sekrit-771\n", 4, "sources.a.password"),
        (
            "    dsn: postgresql://app@db/x\n    password: {value: Sekrit-771}\n",
            4,
            "sources.a.password",
        ),
    ],
)
def test_inline_password_refused_without_flag(
    tmp_path: Path, source: str, line: int, field: str
) -> None:
    config = load_config(write(tmp_path, "sources:\n  a:\n" + source))
    with pytest.raises(ConfigFileError) as caught:
        source_of(config, "a")
    message = caught.value.message
    assert message.startswith(f"{tmp_path / 'sources.yaml'}:{line}: {field}: "), message
    assert "--allow-inline-passwords" in message
    assert "Sekrit-771" not in message
    allowed = source_of(config, "a", allow_inline=True)
    assert allowed.password is not None and allowed.password.get_secret_value() == "Sekrit-771"


def test_password_from_env_file_and_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pw.txt").write_text("from-file\n")
    (tmp_path / "creds").mkdir()
    (tmp_path / "creds" / "dbpw").write_text("from-secret")
    monkeypatch.setenv("SSTEST_PW", "from-env")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path / "creds"))
    config = load_config(write(tmp_path, """\
sources:
  e: {dsn: "postgresql://app@db/x", password: {env: SSTEST_PW}}
  f: {dsn: "postgresql://app@db/x", password: {file: pw.txt}}
  s: {dsn: "postgresql://app@db/x", password: {secret: dbpw}}
  i: {dsn: "postgresql://app@db/x", password: "${SSTEST_PW}"}
  missing: {dsn: "postgresql://app@db/x", password: {env: SSTEST_NOT_SET}}
"""))  # fmt: skip
    got = {}
    for name in "efsi":
        password = source_of(config, name).password
        assert password is not None
        got[name] = password.get_secret_value()
    assert got == {"e": "from-env", "f": "from-file", "s": "from-secret", "i": "from-env"}
    with pytest.raises(ConfigFileError, match=r":6: sources\.missing\.password\.env: .*SSTEST_NOT"):
        source_of(config, "missing")


def test_options_become_the_workflow_input(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, """\
sources:
  dw:
    dsn: postgresql://app@db/dw
    scope:
      - {database: dw, schemas: [public, audit], tables: ["^fact_"]}
    patterns: {exclude_schema: "^tmp"}
    options: {formats: [openlineage], profile: true, lineage: false}
    outputs: {openlineage_url: "http://ol.internal:5000", webhook: "https://hooks.internal/x"}
  bad:
    dsn: postgresql://app@db/dw
    options: {formats: [nope]}
"""))  # fmt: skip
    inp = extraction_input(config, "dw", Settings(data_dir=tmp_path / "data"), "")
    assert inp.filters == {
        "exclude_schema": "^tmp",
        "scope": [{"database": "dw", "schemas": ["public", "audit"], "tables": ["^fact_"]}],
    }
    assert (inp.formats, inp.profile, inp.lineage) == (["openlineage"], True, False)
    assert inp.transform_options["openlineage_url"] == "http://ol.internal:5000"
    assert inp.webhook_url == "https://hooks.internal/x"
    with pytest.raises(ConfigFileError, match=r":11: sources\.bad\.options\.formats: unknown"):
        extraction_input(config, "bad", Settings(data_dir=tmp_path / "data"), "")
