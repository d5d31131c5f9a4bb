"""`sourcesense transformers` and the optional DDL log (`sourcesense ddl-log ...`)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from sourcesense.cli.common import DsnOption, out

ddl_app = typer.Typer(
    help="Optional DDL log: event triggers recording schema changes with their time. The only "
    "thing SourceSense ever writes to a source, and only through these commands.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def register(app: typer.Typer) -> None:
    app.command()(transformers)


def transformers() -> None:
    """List the installed output formats (built-ins and plugins)."""
    from sourcesense.transform.registry import available_transformers

    for name, function in sorted(available_transformers().items()):
        sys.stdout.write(f"{name}\t{function.__module__}.{function.__qualname__}\n")


@ddl_app.command("install")
def ddl_log_install(dsn: DsnOption) -> None:
    """Install the event triggers and the sourcesense_ddl schema (needs a superuser)."""
    from sourcesense import ddl_log
    from sourcesense.source import parse_dsn

    source = parse_dsn(dsn)
    ddl_log.install(source)
    out().print(f"DDL log installed in {source.redacted_url()}; remove it with ddl-log uninstall")


@ddl_app.command("uninstall")
def ddl_log_uninstall(dsn: DsnOption) -> None:
    """Remove the event triggers and the sourcesense_ddl schema with its events."""
    from sourcesense import ddl_log
    from sourcesense.source import parse_dsn

    source = parse_dsn(dsn)
    ddl_log.uninstall(source)
    out().print(f"DDL log removed from {source.redacted_url()}")


@ddl_app.command("show")
def ddl_log_show(
    dsn: DsnOption, limit: Annotated[int, typer.Option(help="How many, newest first")] = 50
) -> None:
    """The most recent recorded DDL events."""
    from sourcesense import ddl_log
    from sourcesense.source import parse_dsn

    for event in ddl_log.recent_events(parse_dsn(dsn), limit):
        out().print(
            f"{event['occurred_at']:%Y-%m-%d %H:%M:%S%z}  {event['username']}  "
            f"{event['command_tag']}  {event['object_identity'] or ''}", highlight=False,
        )  # fmt: skip
