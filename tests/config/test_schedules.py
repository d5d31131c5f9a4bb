"""Schedules on the real Temporal dev server: `apply` creates, updates and deletes them to
match the file and changes nothing the second time; a trigger runs a real extraction; the
API lists them and pauses, resumes and triggers; a schedule fires by itself and stops when
paused; runs missed while no worker was up are caught up once."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from temporalio.client import Client, ScheduleOverlapPolicy
from temporalio.service import RPCError, RPCStatusCode

from sourcesense.api.main import create_app
from sourcesense.config.load import ConfigFileError, load_config
from sourcesense.config.schedules import (
    ScheduleNotFoundError,
    act,
    apply_schedules,
    describe_schedule,
    list_schedules,
    schedule_id,
)
from sourcesense.settings import Settings
from sourcesense.store.runs import RUN_ID
from sourcesense.workflow.inputs import RunResult
from sourcesense.workflow.runtime import new_worker
from tests.cli.test_bad_input import run_cli
from tests.pg import PgServer
from tests.workflow.conftest import SECRET_KEY

TOKEN = "schedules-test-token"


@pytest.fixture(scope="module")
def database(embedded_server: PgServer) -> Iterator[str]:
    with embedded_server.temp_database("sstest_sched") as name:
        with embedded_server.connect(name) as conn:
            conn.execute("CREATE TABLE public.item (id int PRIMARY KEY, label text)")
        yield name


@pytest.fixture(autouse=True)
async def no_schedules_left(client: Client) -> object:
    """Each test starts and ends with none of ours (they share the session's server)."""
    yield
    for summary in await list_schedules(client):
        await client.get_schedule_handle(summary.id).delete()


def sources(path: Path, body: str) -> Path:
    path.write_text("sources:\n" + body)
    return path


THREE = """\
  a: {dsn: "postgresql://app@db.internal/a", schedule: {interval: 1h}}
  b: {dsn: "postgresql://app@db.internal/b", schedule: {cron: "0 3 * * *"}}
  c: {dsn: "postgresql://app@db.internal/c"}
"""


async def test_apply_is_idempotent(client: Client, wf_settings: Settings, tmp_path: Path) -> None:
    path = sources(tmp_path / "s.yaml", THREE)
    a, b, c = schedule_id("a"), schedule_id("b"), schedule_id("c")
    assert await apply_schedules(client, load_config(path), wf_settings) == {
        a: "created",
        b: "created",
    }
    described = await client.get_schedule_handle(a).describe()
    assert described.schedule.policy.overlap == ScheduleOverlapPolicy.SKIP
    assert described.schedule.policy.catchup_window == timedelta(days=1)
    again = await apply_schedules(client, load_config(path), wf_settings)
    assert again == {a: "unchanged", b: "unchanged"}
    # A pause by hand survives an apply of the unchanged file.
    await act(client, a, "pause")
    assert await apply_schedules(client, load_config(path), wf_settings) == again
    assert (await describe_schedule(client, a)).paused
    # b changes, a is removed: b updated in place (not duplicated), a deleted.
    sources(path, THREE.replace("  a: {", "  # a: {").replace("0 3 * * *", "30 4 * * *"))
    changed = await apply_schedules(client, load_config(path), wf_settings)
    assert changed == {b: "updated", a: "deleted"}
    with pytest.raises(RPCError) as caught:
        await client.get_schedule_handle(a).describe()
    assert caught.value.status == RPCStatusCode.NOT_FOUND
    summary = await describe_schedule(client, b)
    assert (summary.when, summary.paused) == ("cron 30 4 * * *", False)
    assert summary.next_runs and summary.next_runs[0].minute == 30
    with pytest.raises(ScheduleNotFoundError):
        await describe_schedule(client, c)
    sources(path, THREE.replace("0 3 * * *", "61 3 * * *"))
    with pytest.raises(ConfigFileError, match=r"s\.yaml:3: sources\.b\.schedule: Temporal refused"):
        await apply_schedules(client, load_config(path), wf_settings)


async def test_trigger_runs_an_extraction(
    client: Client, wf_settings: Settings, embedded_server: PgServer, database: str,
    tmp_path: Path,
) -> None:  # fmt: skip
    path = sources(tmp_path / "s.yaml", f"""\
  sched:
    dsn: {embedded_server.url(database)}
    password: {{env: SSTEST_SCHED_PASSWORD}}
    options: {{formats: [none], quality: false}}
    schedule: {{interval: 1d}}
""")  # fmt: skip
    password = embedded_server.admin_password() or ""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SSTEST_SCHED_PASSWORD", password)
        changes = await apply_schedules(client, load_config(path), wf_settings)
    sid = schedule_id("sched")
    assert changes == {sid: "created"}
    settings = wf_settings.model_copy(update={"api_token": SecretStr(TOKEN)})
    app = create_app(settings, client)
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with (
        new_worker(client, wf_settings),
        httpx.AsyncClient(transport=transport, base_url="http://test", headers=headers) as api,
    ):
        listed = (await api.get("/schedules")).json()
        assert [(s["source"], s["paused"], s["last_run"]) for s in listed] == [
            ("sched", False, None)
        ]
        assert listed[0]["next_runs"], listed
        assert (await api.post("/schedules/sched/pause")).json()["paused"] is True
        assert (await api.post("/schedules/sched/resume")).json()["paused"] is False
        assert (await api.post("/schedules/nope/trigger")).status_code == 404
        assert (await api.post("/schedules/sched/trigger")).status_code == 200
        workflow_id = await last_workflow(client, sid)
        result = await asyncio.wait_for(
            client.get_workflow_handle(workflow_id, result_type=RunResult).result(), timeout=120
        )
        listed = (await api.get("/schedules")).json()
    assert result.status == "completed", result.errors
    assert RUN_ID.match(result.run_id), result.run_id
    assert (wf_settings.data_dir / "runs" / result.run_id / "manifest.json").is_file()
    assert listed[0]["last_workflow_id"] == workflow_id
    assert listed[0]["last_run"] is not None


async def last_workflow(client: Client, sid: str) -> str:
    """The workflow id of the schedule's latest action, once it has one."""
    for _ in range(100):
        summary = await describe_schedule(client, sid)
        if summary.last_workflow_id:
            return summary.last_workflow_id
        await asyncio.sleep(0.2)
    raise AssertionError(f"{sid} started no workflow")


async def test_schedule_commands(temporal_address: str, tmp_path: Path) -> None:
    path = sources(tmp_path / "s.yaml", THREE)
    common = ["--out", str(tmp_path / "data"), "--temporal-address", temporal_address]
    env = {"SOURCESENSE_SECRET_KEY": SECRET_KEY}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return checked(run_cli("schedule", *args, *common, env=env))

    applied = cli("apply", "-c", str(path))
    assert applied.returncode == 0, applied.stderr
    assert applied.stdout.splitlines() == [
        f"{schedule_id('a')}\tcreated",
        f"{schedule_id('b')}\tcreated",
    ]
    assert cli("apply", "-c", str(path)).stdout.count("\tunchanged") == 2
    assert cli("pause", "a").stdout == f"{schedule_id('a')}\tpaused\n"
    listed = [line.split("\t") for line in cli("list").stdout.splitlines()]
    assert [row[:3] for row in listed] == [
        ["a", "paused", "every 1:00:00"],
        ["b", "active", "cron 0 3 * * *"],
    ]
    assert all(row[3].startswith("next 20") and row[4] == "last -" for row in listed), listed
    assert cli("delete", "b").returncode == 0
    unknown = cli("trigger", "b")
    assert unknown.returncode == 15
    assert unknown.stderr.strip() == (
        f"error: no schedule {schedule_id('b')}: see `sourcesense schedule list`"
    )


def checked(done: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert "Traceback" not in done.stderr, done.stderr
    return done


async def test_schedule_fires_pauses_and_is_updated(
    client: Client, wf_settings: Settings, embedded_server: PgServer, database: str,
    tmp_path: Path,
) -> None:  # fmt: skip
    """Every 3 s: two scheduled runs complete; paused, none starts; re-applied with another
    interval, the same schedule is updated (not duplicated); then deleted."""
    body = f"""\
  tick:
    dsn: "{embedded_server.url(database, password=embedded_server.admin_password())}"
    options: {{formats: [none], lineage: false, quality: false}}
    schedule: {{interval: 3s}}
"""  # fmt: skip
    path, sid = sources(tmp_path / "s.yaml", body), schedule_id("tick")
    config = load_config(path)
    async with new_worker(client, wf_settings):
        assert await apply_schedules(client, config, wf_settings, True) == {sid: "created"}
        done = await completed_runs(client, sid, wf_settings, at_least=2)
        await act(client, sid, "pause")
        await asyncio.sleep(1)  # a run the schedule started just before the pause may finish
        started = (await client.get_schedule_handle(sid).describe()).info.num_actions
        await asyncio.sleep(7)  # two intervals and more
        assert (await client.get_schedule_handle(sid).describe()).info.num_actions == started
    assert len(done) >= 2 and all(RUN_ID.match(run) for run in done)
    sources(path, body.replace("3s", "1h"))
    assert await apply_schedules(client, load_config(path), wf_settings, True) == {sid: "updated"}
    summary = await describe_schedule(client, sid)
    assert summary.when == "every 1:00:00"
    assert [s.id for s in await list_schedules(client)] == [sid]
    await act(client, sid, "delete")
    with pytest.raises(ScheduleNotFoundError):
        await describe_schedule(client, sid)


async def completed_runs(client: Client, sid: str, settings: Settings, at_least: int) -> list[str]:
    """The run ids of the schedule's first `at_least` runs, each awaited to completion."""
    seen: dict[str, str] = {}
    for _ in range(300):
        described = await client.get_schedule_handle(sid).describe()
        for action in described.info.recent_actions:
            workflow_id = getattr(action.action, "workflow_id", "")
            if workflow_id and workflow_id not in seen and len(seen) < at_least:
                handle = client.get_workflow_handle(workflow_id, result_type=RunResult)
                result = await asyncio.wait_for(handle.result(), timeout=120)
                assert result.status == "completed", result.errors
                assert (settings.data_dir / "runs" / result.run_id / "manifest.json").is_file()
                seen[workflow_id] = result.run_id
        if len(seen) >= at_least:
            return list(seen.values())
        await asyncio.sleep(0.5)
    raise AssertionError(f"{sid}: {len(seen)} runs completed, {at_least} expected")


async def test_runs_missed_without_a_worker_are_caught_up_once(
    client: Client, wf_settings: Settings, embedded_server: PgServer, database: str,
    tmp_path: Path,
) -> None:  # fmt: skip
    body = f"""\
  late:
    dsn: "{embedded_server.url(database, password=embedded_server.admin_password())}"
    options: {{formats: [none], lineage: false, quality: false}}
    schedule: {{interval: 2s}}
"""  # fmt: skip
    sid = schedule_id("late")
    await apply_schedules(
        client, load_config(sources(tmp_path / "s.yaml", body)), wf_settings, True
    )
    await asyncio.sleep(7)  # three or more runs due, no worker to run them
    info = (await client.get_schedule_handle(sid).describe()).info
    assert (info.num_actions, len(info.running_actions)) == (1, 1)
    assert info.num_actions_skipped_overlap >= 2
    await act(client, sid, "pause")
    async with new_worker(client, wf_settings):  # the worker is back: the one run completes
        [run] = await completed_runs(client, sid, wf_settings, at_least=1)
    assert RUN_ID.match(run)
