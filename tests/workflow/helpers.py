"""Reading a workflow's history, and holding locks on the source to pause an extraction."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from temporalio.client import WorkflowHandle

from tests.pg import PgServer


@dataclass(frozen=True)
class Attempt:
    activity: str
    attempt: int
    identity: str


async def activity_attempts(handle: WorkflowHandle[Any, Any]) -> list[Attempt]:
    """Each started activity attempt, from the history (retries show as attempt > 1)."""
    names: dict[int, str] = {}
    attempts = []
    async for event in handle.fetch_history_events():
        if event.HasField("activity_task_scheduled_event_attributes"):
            names[event.event_id] = (
                event.activity_task_scheduled_event_attributes.activity_type.name
            )
        if event.HasField("activity_task_started_event_attributes"):
            started = event.activity_task_started_event_attributes
            attempts.append(
                Attempt(names[started.scheduled_event_id], started.attempt, started.identity)
            )
    return attempts


@contextmanager
def table_locked(pg: PgServer, database: str, table: str) -> Iterator[None]:
    """Hold ACCESS EXCLUSIVE on a table: extraction waits on it when it reads its size."""
    with pg.connect(database) as conn, conn.transaction():
        conn.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
        yield


async def waiting_backend(pg: PgServer, database: str, timeout: float = 60) -> int:
    """The pid of the sourcesense session blocked on a lock in `database`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        with pg.connect() as conn:
            row = conn.execute(
                """SELECT pid FROM pg_stat_activity WHERE datname = %s
                   AND application_name = 'sourcesense' AND wait_event_type = 'Lock'""",
                (database,),
            ).fetchone()
        if row is not None:
            return int(row[0])
        await asyncio.sleep(0.1)
    raise AssertionError("no sourcesense session started waiting on the lock")
