"""Reading a workflow's history, and pausing an extraction in the middle."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
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


# Statements only the extraction's snapshot transaction sends (the preflight and the plan run
# in autocommit): its backend, caught between two kinds or on a savepoint.
_IN_EXTRACTION = """
SELECT pid FROM pg_stat_activity
WHERE datname = %s AND application_name = 'sourcesense'
  AND (state = 'idle in transaction' OR query LIKE 'SAVEPOINT%%' OR query LIKE 'RELEASE%%')
LIMIT 1
"""


@asynccontextmanager
async def paused_extraction(pg: PgServer, database: str, timeout: float = 60) -> AsyncIterator[int]:
    """Freeze the backend of a running extraction (SIGSTOP) for the block; yield its pid.

    Lock waits no longer pause an extraction (locked relations are left out), so tests that
    need one caught mid-run stop its backend; the test process may signal the server's
    processes (root in CI). On leaving, the backend is continued and ended.
    """
    pid = await _extraction_backend(pg, database, timeout)
    os.kill(pid, signal.SIGSTOP)
    try:
        yield pid
    finally:
        with pg.connect() as conn:
            conn.execute("SELECT pg_terminate_backend(%s)", (pid,))
        os.kill(pid, signal.SIGCONT)


async def _extraction_backend(pg: PgServer, database: str, timeout: float) -> int:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    with pg.connect() as conn:
        while loop.time() < deadline:
            row = conn.execute(_IN_EXTRACTION, (database,)).fetchone()
            if row is not None:
                return int(row[0])
            await asyncio.sleep(0)
    raise AssertionError("no sourcesense extraction seen in its snapshot transaction")
