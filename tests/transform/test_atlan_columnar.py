"""Column entity lines built by Arrow are the bytes json.dumps(entity, ensure_ascii=False)
writes, also for names and comments that JSON must escape (quotes, backslashes, control
characters, U+2028, non-ASCII), and for the columns of partitions."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
from psycopg import sql

from sourcesense.transform.atlan.columnar import escaped, quoted
from sourcesense.transform.registry import run_transformers
from tests.helpers import extract
from tests.pg import PgServer

COMMENT = 'c\x01\\"\u2028 名'
TRICKY = [
    'a"b',
    "back\\slash",
    "new\nline",
    "tab\tcr\r",
    "bell\x07\x01\x1f",
    "é ü 名",
    "sep\u2028x",
]


def test_escaped_values_are_what_json_dumps_writes() -> None:
    values = pa.array([*TRICKY, None, ""], pa.string())
    expected = [
        json.dumps(v, ensure_ascii=False) if v is not None else None for v in values.to_pylist()
    ]
    assert quoted(values).to_pylist() == expected
    assert escaped(values).to_pylist()[:2] == ['a\\"b', "back\\\\slash"]


def test_column_lines_round_trip_through_json(embedded_server: PgServer, tmp_path: Path) -> None:
    with embedded_server.temp_database() as database:
        with embedded_server.connect(database) as conn:
            conn.execute('CREATE SCHEMA "s""q"')
            conn.execute('CREATE TABLE "s""q"."t\\1" ("a""b" int PRIMARY KEY, "é\nx" text)')
            comment = sql.SQL('COMMENT ON COLUMN "s""q"."t\\1"."é\nx" IS {}')
            conn.execute(comment.format(sql.Literal(COMMENT)))
            conn.execute("CREATE TABLE p (k int, v text) PARTITION BY RANGE (k)")
            conn.execute("CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (0) TO (10)")
            conn.commit()
        run_dir = extract(embedded_server, database, tmp_path).run_dir
    result = run_transformers(run_dir, ["atlan"], {"atlan_connection": "default/postgres/1"})
    assert result["atlan"]["status"] == "completed", result
    data = (run_dir / "transformed" / "atlan" / "Column" / "entities.json").read_bytes()
    lines = data.decode("utf-8").split("\n")[:-1]
    names = set()
    for line in lines:
        entity = json.loads(line)
        assert json.dumps(entity, ensure_ascii=False) == line
        names.add((entity["attributes"]["name"], entity["attributes"].get("description")))
    assert ('a"b', None) in names
    assert ("é\nx", COMMENT) in names
    partition = [json.loads(line) for line in lines if "/p1/" in line]
    assert [e["attributes"]["name"] for e in partition] == ["k", "v"]
    assert all(e["attributes"]["tableName"] == "p" for e in partition)
    assert all(e["attributes"]["isPrimary"] is False for e in partition)
    primary = [json.loads(line) for line in lines if '"a\\"b"' in line]
    assert primary[0]["attributes"]["isPrimary"] is True
