"""The one error hierarchy. Each error knows its CLI exit code and HTTP status.

Messages are one line, say what is wrong and what to do, and never contain a password.
"""

from __future__ import annotations

import threading


class SourceSenseError(Exception):
    """Base of every error SourceSense reports to a user."""

    exit_code = 1
    http_status = 500
    retryable = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(SourceSenseError):
    """Invalid user input: a malformed DSN, an unknown option value."""

    exit_code = 2
    http_status = 422


class InvalidFilterError(ConfigError):
    """A filter pattern that is not a valid regular expression."""

    exit_code = 3


class ConnectionFailedError(SourceSenseError):
    """The server could not be reached (DNS, refused, timeout, TLS)."""

    exit_code = 4
    http_status = 502
    retryable = True


class AuthenticationError(SourceSenseError):
    """The server rejected the credentials. (HTTP 400, not 401: 401 is about the API token.)"""

    exit_code = 5
    http_status = 400


class DatabaseNotFoundError(SourceSenseError):
    """The named database does not exist on the server."""

    exit_code = 6
    http_status = 404


class PermissionDeniedError(SourceSenseError):
    """The role may not connect or read the catalog."""

    exit_code = 7
    http_status = 403


class UnsupportedServerError(SourceSenseError):
    """The server is older than the oldest version we support."""

    exit_code = 8
    http_status = 422


class ExtractionError(SourceSenseError):
    """A run finished, but some databases or kinds failed (details in the manifest)."""

    exit_code = 9
    http_status = 500
    retryable = True


class TransformError(SourceSenseError):
    """A transformer could not turn the run into its format (recorded with the step)."""

    exit_code = 9
    http_status = 500


class TransientError(SourceSenseError):
    """A failure worth retrying: a lost connection, a server restarting, too many clients."""

    exit_code = 4
    http_status = 503
    retryable = True


class StopRequested(SourceSenseError):
    """A long step was asked to stop (its workflow cancelled, its worker shutting down); raised
    between batches by the writers that check a stop event. It never reaches a user."""

    exit_code = 130


def check_stop(stop: threading.Event | None) -> None:
    if stop is not None and stop.is_set():
        raise StopRequested("stopped: the step was cancelled")


class TemporalUnavailableError(SourceSenseError):
    """Temporal (the workflow service) cannot be reached: not started, restarting, or gone."""

    exit_code = 11
    http_status = 503
    retryable = True


class IncompleteRunError(SourceSenseError):
    """The run completed, but something asked for was not produced: a step (lineage, quality,
    a format) or a database failed. What was produced is kept; the manifest says the rest."""

    exit_code = 12


class PortInUseError(SourceSenseError):
    """`serve` cannot bind its address: another process listens there."""

    exit_code = 13


class OutputPathError(ConfigError):
    """`--out` names a file, or a directory that does not exist where one is only read."""

    exit_code = 14


class RunNotFoundError(SourceSenseError):
    """No run (or workflow) of that id in the data dir."""

    exit_code = 15
    http_status = 404


# Every exit code of the `sourcesense` command, with its meaning: the README's table is
# compared with this one by a test (tests/cli/test_exit_codes.py).
EXIT_CODES: dict[int, str] = {
    0: "everything asked for was produced (warnings included)",
    1: "other error",
    2: "bad option, combination of options or DSN",
    3: "invalid filter",
    4: "server not reachable (or lost)",
    5: "authentication failed",
    6: "unknown database",
    7: "permission denied",
    8: "server too old (PostgreSQL 12+ needed)",
    9: "run failed (see its manifest)",
    10: "embedded PostgreSQL failed",
    11: "Temporal unreachable or lost during the run",
    12: "run completed, but a requested step, format or database failed",
    13: "port already in use (serve)",
    14: "--out is not a usable directory",
    15: "unknown run",
    70: "internal error (a bug: please report it)",
    130: "interrupted",
}


def error_from_name(name: str | None, message: str) -> SourceSenseError:
    """Rebuild an error that crossed a process boundary by its class name (Temporal failures)."""
    classes = {cls.__name__: cls for cls in _subclasses(SourceSenseError)}
    return classes.get(name or "", SourceSenseError)(message)


def _subclasses(cls: type[SourceSenseError]) -> list[type[SourceSenseError]]:
    found = [cls]
    for sub in cls.__subclasses__():
        found.extend(_subclasses(sub))
    return found
