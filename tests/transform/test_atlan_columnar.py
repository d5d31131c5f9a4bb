"""Column entity lines built by Arrow are the bytes json.dumps(entity, ensure_ascii=False)
writes, also for names and comments that JSON must escape (quotes, backslashes, control
characters, U+2028, non-ASCII), for the columns of partitions, and for profile attributes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
from psycopg import sql

from sourcesense.transform.atlan.columnar import escaped, quoted
from sourcesense.transform.atlan.profile_columns import batch_fragments
from sourcesense.transform.atlan.profiles import (
    NUMERIC_TYPE,
    QUALITY_ATTRIBUTES,
    pii_tags,
    profile_attributes,
)
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


def test_profile_fragments_are_what_json_dumps_writes() -> None:
    """Typed bounds, rounded distinct counts, float layouts Arrow writes otherwise (3.0,
    1e-07, 1e+16), non-finite numbers left out, PII tags: as profile_attributes gives them."""
    rows: list[dict[str, Any]] = []
    bounds = [("02100", "9"), ("NaN", "1e999"), (" 7 ", "abc"), ('x"y\\z\n', "\u2028"), (None, "3")]
    numbers = [3.0, 1e-07, 1e16, 0.1, 2.5e300, -0.0, 123456.5, 1e-05, None]
    for n, value in enumerate(numbers * 2):
        low, high = bounds[n % len(bounds)]
        rows.append({
            "catalog_name": "db", "schema_name": "s", "table_name": "t", "column_name": f"c{n}",
            "data_type": ["numeric(10,2)", "text", "integer", "date"][n % 4],
            "null_fraction": value, "null_ratio": None if n % 3 else 0.125,
            "min_value": low, "max_value": high,
            "pii_class": ["email", None, "phone", "unknown"][n % 4],
            "n_distinct": None if value is None else [-1.0, 2.5, 3.5, 1e20][n % 4],
            "null_count": n, "mean": value, "stddev": value, "avg_length": value,
            "max_length": n, "min_length": None,
        })  # fmt: skip
    table = pa.Table.from_pylist(rows)
    tags = pii_tags("phone=Phone number")
    keys, attributes, classes = batch_fragments(
        table, QUALITY_ATTRIBUTES, NUMERIC_TYPE.pattern, tags
    )
    for row, key, text, tag_text in zip(
        rows, keys.to_pylist(), attributes.to_pylist(), classes.to_pylist(), strict=True
    ):
        assert key == f"db\x1fs\x1ft\x1f{row['column_name']}"
        expected = json.dumps(profile_attributes(row), ensure_ascii=False)[1:-1]
        assert text == (f", {expected}" if expected else "")
        tag = tags.get(row["pii_class"] or "")
        assert tag_text == (f', "classifications": [{{"typeName": "{tag}"}}]' if tag else "")
