"""`POST /runs/prune` on two real runs of a tiny database: dry_run lists and keeps, a real
prune deletes the older run, a missing or invalid policy is a 422 JSON error."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from sourcesense.settings import Settings
from sourcesense.store.retention import PRUNE_LOG
from tests.api.conftest import AUTH, recording_client
from tests.helpers import extract
from tests.pg import PgServer


async def test_prune_route(app: FastAPI, api_settings: Settings, embedded_server: PgServer) -> None:
    data_dir: Path = api_settings.data_dir
    with embedded_server.temp_database("sstest_prune16api") as name:
        with embedded_server.connect(name) as conn:
            conn.execute("CREATE TABLE t (id int PRIMARY KEY)")
        older, newest = (extract(embedded_server, name, data_dir).run_dir.name for _ in range(2))
    async with recording_client(app) as client:
        dry = await client.post("/runs/prune", json={"keep_last": 1, "dry_run": True}, headers=AUTH)
        assert dry.status_code == 200, dry.text
        assert [run["run_id"] for run in dry.json()["deleted"]] == [older]
        kept = dry.json()["kept"]
        assert [(run["run_id"], run["reason"]) for run in kept] == [
            (newest, "last successful run of its scope")
        ]
        assert len((await client.get("/runs", headers=AUTH)).json()) == 2

        done = await client.post("/runs/prune", json={"keep_last": 1}, headers=AUTH)
        assert done.status_code == 200, done.text
        assert done.json()["dry_run"] is False
        assert [run["run_id"] for run in (await client.get("/runs", headers=AUTH)).json()] == [
            newest
        ]
        assert older in (data_dir / PRUNE_LOG).read_text()

        unset = await client.post("/runs/prune", json={}, headers=AUTH)
        assert unset.status_code == 422
        assert unset.json()["error"]["message"].startswith("no retention policy")
        for body in ({"keep_last": -1}, {"keep_days": 1e9}, {"keep": 1}):
            refused = await client.post("/runs/prune", json=body, headers=AUTH)
            assert refused.status_code == 422, body
            assert refused.json()["detail"], body
