"""What every command shares: the consoles, the option types, settings, the data dir checks.

Kept light: `sourcesense --help` imports this and the command modules only; each command
imports the heavy parts (Temporal, pyarrow, psycopg, FastAPI) in its body.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from sourcesense.errors import OutputPathError

if TYPE_CHECKING:
    from rich.console import Console

    from sourcesense.settings import Settings


@functools.cache
def err() -> Console:
    """The console of messages and live progress (stderr), made on first use."""
    from rich.console import Console

    return Console(stderr=True, soft_wrap=True)


@functools.cache
def out() -> Console:
    """The console of results (stdout), made on first use."""
    from rich.console import Console

    return Console(soft_wrap=True)


DEFAULT_DATA_DIR = "~/.local/share/sourcesense, or SOURCESENSE_DATA_DIR"
Unfinished = Literal["resume", "cancel"]  # sourcesense.workflow.submit.Unfinished

DsnOption = Annotated[
    str,
    typer.Option(
        "--dsn", help="postgresql://user@host:port/database; the password is optional (see "
        "--password-prompt)",
    ),
]  # fmt: skip
OutOption = Annotated[
    Path | None,
    typer.Option(
        "--out", help=f"Data directory: runs go to OUT/runs/<run_id> [default: {DEFAULT_DATA_DIR}]"
    ),
]
TemporalOption = Annotated[
    str | None,
    typer.Option(
        help="host:port of a Temporal cluster [default: the data dir's embedded dev server, "
        "shared with a running `serve`]"
    ),
]
NamespaceOption = Annotated[
    str | None, typer.Option(help="Temporal namespace [default: default, or settings]")
]
TlsOption = Annotated[bool, typer.Option(help="TLS to Temporal (certs from settings)")]
TemporalUiOption = Annotated[
    bool, typer.Option(help="Serve the Temporal Web UI meanwhile (embedded server only)")
]
UnfinishedOption = Annotated[
    Unfinished,
    typer.Option(
        help="Runs of this data dir left unfinished (a kill, a crash): resume them in the "
        "foreground first, or cancel them. Each is listed either way."
    ),
]


def settings_for(
    out_dir: Path | None, address: str | None, namespace: str | None, tls: bool = False
) -> Settings:
    """The settings with the command's options applied, and logging to the data dir."""
    from sourcesense.logs import configure_logging
    from sourcesense.settings import get_settings

    updates: dict[str, object] = {"temporal_tls": tls or get_settings().temporal_tls}
    if out_dir is not None:
        updates["data_dir"] = out_dir.expanduser().resolve()
    if address:
        updates["temporal_address"] = address
    if namespace:
        updates["temporal_namespace"] = namespace
    settings = get_settings().model_copy(update=updates)
    writable_dir(settings.data_dir)
    configure_logging(settings.data_dir)
    return settings


def writable_dir(path: Path) -> None:
    """A data dir to write to: a directory, or nothing yet (it is created)."""
    if path.exists() and not path.is_dir():
        raise OutputPathError(f"--out {path} is a file, not a directory: give a directory")


def existing_data_dir(out_dir: Path | None) -> Path:
    """A data dir only read from (history, diff): it must exist, and is never created."""
    from sourcesense.settings import get_settings

    path = out_dir.expanduser().resolve() if out_dir else get_settings().data_dir
    writable_dir(path)
    if not path.exists():
        raise OutputPathError(f"--out {path}: no such directory (no run was written there)")
    return path
