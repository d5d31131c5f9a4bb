"""The runs of a scope, one table's history across them (renames followed), and grants per
role: through the store on run directories written here, and bad requests through the API."""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx
import pyarrow as pa
import pyarrow.parquet as pq

from sourcesense.extract.schemas import SCHEMAS
from sourcesense.store.grants import role_grants, roles
from sourcesense.store.results import IndexCache
from sourcesense.store.scope_history import scope_runs, table_history
from tests.api.conftest import AUTH

SOURCE = {"url": "postgresql://reader@db.example:5432/shop"}


def write(run: Path, kind: str, rows: list[dict[str, object]]) -> None:
    schema = SCHEMAS[kind]
    columns = {f.name: pa.array([row.get(f.name) for row in rows], f.type) for f in schema}
    (run / "raw").mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(columns, schema=schema), run / "raw" / f"{kind}.parquet")


def make_run(data: Path, run_id: str, table: str, columns: list[str], url: str = "") -> None:
    run = data / "runs" / run_id
    run.mkdir(parents=True)
    manifest = {"run_id": run_id, "status": "completed", "started_at": run_id, "filters": {},
                "source": {"url": url or SOURCE["url"]}, "all_databases": False}  # fmt: skip
    (run / "manifest.json").write_text(json.dumps(manifest))
    where = {"catalog_name": "shop", "schema_name": "public", "table_name": table}
    write(run, "relations", [{**where, "oid": 42, "kind": "table", "is_partition": False}])
    write(run, "columns", [{**where, "column_name": c, "ordinal": n + 1, "data_type": "text"}
                           for n, c in enumerate(columns)])  # fmt: skip
    held = (("reader", "SELECT"), ("reader", "INSERT"), ("owner", "SELECT"))
    grants: list[dict[str, object]] = [
        {**where, "grantee": g, "privilege_type": p, "object_kind": "table"} for g, p in held
    ]
    write(run, "privileges", grants)


def test_history_follows_a_renamed_table_across_the_scope(tmp_path: Path) -> None:
    make_run(tmp_path, "20261201T100000Z-aaaaaa", "old", ["a"])
    make_run(tmp_path, "20261201T110000Z-bbbbbb", "new", ["a"])
    make_run(tmp_path, "20261201T113000Z-dddddd", "new", ["a"], url="postgresql://other/x")
    make_run(tmp_path, "20261201T120000Z-cccccc", "new", ["a", "b"])
    newest = "20261201T120000Z-cccccc"
    assert [r["run_id"] for r in scope_runs(tmp_path, newest)] == [
        newest, "20261201T110000Z-bbbbbb", "20261201T100000Z-aaaaaa"]  # fmt: skip
    history = table_history(tmp_path, newest, "shop", "public", "new")
    assert [entry["previous_run_id"] for entry in history] == [
        "20261201T110000Z-bbbbbb", "20261201T100000Z-aaaaaa"]  # fmt: skip
    [added], [renamed] = history[0]["changes"], history[1]["changes"]
    assert (added["object_kind"], added["change"], added["name"]) == ("column", "added", "b")
    assert (renamed["change"], renamed["before"], renamed["after"]) == (
        "renamed", "public.old", "public.new")  # fmt: skip
    assert table_history(tmp_path, "20261201T100000Z-aaaaaa", "shop", "public", "old") == []


def test_grants_per_role(tmp_path: Path) -> None:
    make_run(tmp_path, "20261201T100000Z-aaaaaa", "t", ["a"])
    run, index = tmp_path / "runs" / "20261201T100000Z-aaaaaa", IndexCache(1)
    assert roles(index, run) == [{"role": "reader", "grants": 2}, {"role": "owner", "grants": 1}]
    page = role_grants(index, run, "reader", limit=1)
    assert (page["total"], [g["privilege_type"] for g in page["items"]]) == (2, ["INSERT"])
    assert roles(index, run, database="elsewhere") == []


async def test_bad_requests_get_json_errors(http: httpx.AsyncClient) -> None:
    missing = await http.get("/runs/20261201T100000Z-aaaaaa/scope", headers=AUTH)
    assert missing.status_code == 404
    assert "no run" in missing.json()["error"]["message"]
    odd = await http.get("/runs/..%2Fetc/roles", headers=AUTH)
    assert odd.status_code == 404
    incomplete = await http.get(
        "/runs/20261201T100000Z-aaaaaa/history", headers=AUTH, params={"database": "shop"}
    )
    assert incomplete.status_code == 422


def test_a_rewritten_run_is_diffed_again(tmp_path: Path) -> None:
    make_run(tmp_path, "20261201T100000Z-aaaaaa", "t", ["a"])
    make_run(tmp_path, "20261201T110000Z-bbbbbb", "t", ["a", "b"])
    newest, run = "20261201T110000Z-bbbbbb", tmp_path / "runs" / "20261201T110000Z-bbbbbb"
    assert len(table_history(tmp_path, newest, "shop", "public", "t")[0]["changes"]) == 1
    where = {"catalog_name": "shop", "schema_name": "public", "table_name": "t"}
    write(run, "columns", [{**where, "column_name": c, "ordinal": n + 1, "data_type": "text"}
                           for n, c in enumerate(["a", "b", "c"])])  # fmt: skip
    manifest = run / "manifest.json"
    os.utime(manifest, ns=(1, 1))  # another stamp, whatever the clock
    assert len(table_history(tmp_path, newest, "shop", "public", "t")[0]["changes"]) == 2


async def test_table_rows_reject_an_unknown_kind(http: httpx.AsyncClient) -> None:
    params = {"database": "d", "schema": "s", "table": "t", "kinds": "columns,secrets"}
    answer = await http.get("/runs/20261201T100000Z-aaaaaa/table", headers=AUTH, params=params)
    assert answer.status_code == 422
    assert "unknown kind 'secrets'" in answer.json()["error"]["message"]
