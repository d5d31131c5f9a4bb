"""The `sourcesense` command line: thin commands over the core functions and the workflow.

One module per command group; `main` maps every error to one line on stderr and a distinct,
documented exit code (sourcesense.errors.EXIT_CODES), never a traceback.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
from typing import Annotated, NoReturn

import typer

from sourcesense import __version__
from sourcesense.cli import config, demo, extract, prune, runs, sample_db, serve, tools
from sourcesense.cli.common import err
from sourcesense.errors import SourceSenseError

app = typer.Typer(
    help="Complete, consistent, catalog-ready PostgreSQL metadata extraction.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    # Plain help: rich markup would read "[default: ...]" as a tag and drop it.
    rich_markup_mode=None,
)


def _version(show: bool) -> None:
    if show:
        sys.stdout.write(f"sourcesense {__version__}\n")
        raise typer.Exit


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version"),
    ] = False,
) -> None:
    """Complete, consistent, catalog-ready PostgreSQL metadata extraction."""


for module in (extract, serve, demo, runs, prune, tools, config):
    module.register(app)
app.add_typer(sample_db.app, name="sample-db")
app.add_typer(tools.ddl_app, name="ddl-log")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    """Console entry point: map every error to one line and an exit code."""
    # SIGTERM unwinds like Ctrl-C, so the embedded servers this process started are stopped.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        app()  # standalone: usage errors print their own line and exit with code 2
    except SystemExit as done:
        _exit(done.code if isinstance(done.code, int) else 1 if done.code else 0)
    except KeyboardInterrupt:
        err().print("interrupted")
        _exit(130)
    except Exception as exc:  # the last line of defence: no traceback reaches the user
        error = _as_error(exc)
        if error is not None:
            err().print(f"error: {error.message}", markup=False, highlight=False)
            _exit(error.exit_code)
        if os.environ.get("SOURCESENSE_DEBUG"):
            raise
        err().print(f"internal error: {type(exc).__name__}: {exc}", markup=False, highlight=False)
        err().print("set SOURCESENSE_DEBUG=1 for a traceback, and please report it")
        _exit(70)
    _exit(0)


def _exit(code: int) -> NoReturn:
    """Exit with `code`, skipping Python's finalisation once the Temporal SDK is loaded: its
    Rust threads can still call into Python while the interpreter tears down, which now and
    then aborted the process (SIGABRT, "PyGILState_Release") after the outcome was reported.
    Everything this process started has been stopped by then; logs and output are flushed."""
    if "temporalio" not in sys.modules:
        sys.exit(code)
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


def _as_error(exc: Exception) -> SourceSenseError | None:
    """The error to report for `exc`: ours, or a lost Temporal connection; None for a bug."""
    if isinstance(exc, SourceSenseError):
        return exc
    if "temporalio" in sys.modules:  # only then can a Temporal error have been raised
        from temporalio.service import RPCError

        from sourcesense.workflow.runtime import temporal_error

        if isinstance(exc, RPCError):
            return temporal_error(exc)
    return None
