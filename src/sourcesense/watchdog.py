"""A client-side limit on how long a source server may stay silent.

PostgreSQL enforces `statement_timeout` in the backend itself, so a frozen backend (stopped,
swapping, stuck in the kernel) never enforces it, and TCP keepalives are answered by the
kernel of a stopped process. Only the client can notice. Every wait of a watched connection
on its socket is timed; one thread patrols all of them and shuts down the socket of a
connection whose server has said nothing for longer than its limit (the statement timeout
plus a grace), which ends the wait with `ServerSilentError`.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import psycopg
from psycopg.abc import PQGen

RV = TypeVar("RV")
PATROL_EVERY_S = 0.25


class ServerSilentError(psycopg.OperationalError):
    """The server sent nothing within the connection's silence limit; the connection is closed."""


class WatchedConnection(psycopg.Connection[Any]):
    """A psycopg connection whose every wait is bounded by `silence_limit_s()`."""

    statement_timeout_ms: int = 0  # 0: no limit
    grace_s: float = 0.0
    server: str = "the server"
    _waiting_since: float | None = None
    _silent_for: float | None = None

    def silence_limit_s(self) -> float | None:
        if not self.statement_timeout_ms:
            return None
        return self.statement_timeout_ms / 1000 + self.grace_s

    def wait(self, gen: PQGen[RV], interval: float = 0.1, timeout: float | None = None) -> RV:
        self._waiting_since = time.monotonic()
        try:
            return super().wait(gen, interval, timeout)
        except psycopg.OperationalError as exc:
            if self._silent_for is None:
                raise
            raise ServerSilentError(self._silence_message()) from exc
        finally:
            self._waiting_since = None

    @contextmanager
    def longer_statements(self, factor: int = 2) -> Iterator[None]:
        """`factor` times the statement timeout (server side and silence limit) meanwhile."""
        before = self.statement_timeout_ms
        self._set_statement_timeout(before * factor)
        try:
            yield
        finally:
            self._set_statement_timeout(before)

    def _set_statement_timeout(self, milliseconds: int) -> None:
        self.statement_timeout_ms = milliseconds
        if not (self.broken or self.closed):  # SET LOCAL: a transaction is open
            query = "SELECT pg_catalog.set_config('statement_timeout', %s, true)"
            self.execute(query, [str(milliseconds)])

    def _silence_message(self) -> str:
        return (
            f"PostgreSQL at {self.server} sent nothing for {self._silent_for or 0:.0f} s "
            f"(statement_timeout {self.statement_timeout_ms / 1000:g} s + {self.grace_s:g} s "
            "grace): presumed hung, connection closed"
        )

    def _overdue(self, now: float) -> bool:
        since, limit = self._waiting_since, self.silence_limit_s()
        return since is not None and limit is not None and now - since > limit

    def _cut_off(self, now: float) -> None:
        """Shut the socket down under the waiting thread, which then fails at once."""
        if self._silent_for is not None or self._waiting_since is None:
            return
        self._silent_for = now - self._waiting_since
        try:
            # A duplicate descriptor: shutting it down ends the connection (the socket is
            # shared), and closing it leaves the driver's own descriptor to the driver.
            with socket.socket(fileno=os.dup(self.pgconn.socket)) as sock:
                sock.shutdown(socket.SHUT_RDWR)
        except (OSError, psycopg.Error):
            pass  # already closed: the wait ends by itself


_watched: weakref.WeakSet[WatchedConnection] = weakref.WeakSet()
_lock = threading.Lock()
_patrol: list[threading.Thread] = []


def watch(
    conn: WatchedConnection, statement_timeout_ms: int, grace_s: float, server: str
) -> WatchedConnection:
    """Bound every wait of `conn` to the statement timeout plus `grace_s` from now on."""
    conn.statement_timeout_ms, conn.grace_s, conn.server = statement_timeout_ms, grace_s, server
    with _lock:
        _watched.add(conn)
        if not _patrol:
            thread = threading.Thread(target=_patrol_forever, name="sourcesense-watchdog")
            thread.daemon = True
            thread.start()
            _patrol.append(thread)
    return conn


def _patrol_forever() -> None:
    while True:
        time.sleep(PATROL_EVERY_S)
        now = time.monotonic()
        with _lock:
            overdue = [conn for conn in _watched if conn._overdue(now)]
        for conn in overdue:
            conn._cut_off(now)
