"""Sources as code: `run` and `validate` a sources file, and `schedule` its runs on Temporal."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from sourcesense.cli.common import (
    NamespaceOption,
    OutOption,
    TemporalOption,
    TlsOption,
    err,
    out,
    settings_for,
)
from sourcesense.errors import ExtractionError

if TYPE_CHECKING:
    from temporalio.client import Client

    from sourcesense.config.load import LoadedConfig
    from sourcesense.settings import Settings

ConfigOption = Annotated[
    Path, typer.Option("--config", "-c", help="The sources file (YAML)", exists=False)
]
SourcesOption = Annotated[
    list[str] | None,
    typer.Option("--source", help="Only this source, repeatable [default: every source]"),
]
InlineOption = Annotated[
    bool,
    typer.Option(
        help="Accept passwords written in the file (in a DSN or `password:`); refused otherwise"
    ),
]
T = TypeVar("T")
IdArgument = Annotated[str, typer.Argument(help="The schedule's id, or its source's name")]

schedule_app = typer.Typer(
    help="Temporal Schedules of a sources file's runs.", no_args_is_help=True,
    rich_markup_mode=None,
)  # fmt: skip


def register(app: typer.Typer) -> None:
    app.command()(run)
    app.command()(validate)
    app.add_typer(schedule_app, name="schedule")


def _row(*cells: str) -> None:
    """One tab-separated line of results (plain: rich would expand the tabs)."""
    sys.stdout.write("\t".join(cells) + "\n")


def _say(line: str) -> None:
    err().print(line, markup=False, highlight=False)


def run(
    config: ConfigOption,
    source: SourcesOption = None,
    allow_inline_passwords: InlineOption = False,
    parallel: Annotated[
        int | None,
        typer.Option(min=1, max=16, help="Sources run at once [default: the file's max_parallel]"),
    ] = None,
    out_dir: OutOption = None,
    temporal_address: TemporalOption = None,
    temporal_namespace: NamespaceOption = None,
    temporal_tls: TlsOption = False,
) -> None:
    """Run the sources of a file, several at once; every source's outcome is reported, and the
    exit code is 9 when any failed."""
    from sourcesense.config.load import load_config
    from sourcesense.config.run import chosen, inputs_of, run_sources

    loaded = load_config(config)
    names = chosen(loaded, source or [])
    settings = settings_for(out_dir, temporal_address, temporal_namespace, temporal_tls)
    inputs = inputs_of(loaded, names, settings, allow_inline_passwords)
    limit = parallel or loaded.model.max_parallel
    outcomes = asyncio.run(run_sources(inputs, settings, limit, _say))
    for outcome in outcomes:
        detail = outcome.error.message if outcome.error else ""
        _row(outcome.name, outcome.status, outcome.run_id or "-", detail)
    failed = [o.name for o in outcomes if o.status != "completed"]
    if failed:
        raise ExtractionError(
            f"{len(failed)} of {len(outcomes)} sources did not complete: {', '.join(failed)}"
        )


def validate(
    config: ConfigOption,
    source: SourcesOption = None,
    allow_inline_passwords: InlineOption = False,
    preflight: Annotated[
        bool, typer.Option(help="Also connect to each source and check its scope there")
    ] = True,
) -> None:
    """Check a sources file: its shape, passwords and options, then a preflight of each source
    (connect, server version, scope patterns compiled by the server)."""
    from sourcesense.config.load import load_config
    from sourcesense.config.run import chosen

    loaded = load_config(config)
    names = chosen(loaded, source or [])
    failures = [name for name in names if not _check(loaded, name, allow_inline_passwords,
                                                    preflight)]  # fmt: skip
    if failures:
        raise ExtractionError(f"{len(failures)} of {len(names)} sources failed validation: "
                              f"{', '.join(failures)}")  # fmt: skip
    out().print(f"{config}: {len(names)} sources valid", markup=False, highlight=False)


def _check(loaded: LoadedConfig, name: str, allow_inline: bool, preflight: bool) -> bool:
    """One source checked, its outcome printed; False if it failed."""
    from sourcesense.config.build import filters_of, source_of
    from sourcesense.config.load import ConfigFileError
    from sourcesense.config.run import inputs_of
    from sourcesense.errors import SourceSenseError
    from sourcesense.extract.preflight import preflight as check
    from sourcesense.settings import get_settings

    try:
        inputs_of(loaded, [name], get_settings(), allow_inline)
        if not preflight:
            _row(name, "ok")
            return True
        facts = check(source_of(loaded, name, allow_inline), filters_of(loaded, name))
    except ConfigFileError as exc:  # already placed in the file
        _say(exc.message)
        return False
    except SourceSenseError as exc:  # from the server: the source's DSN is where to look
        _say(f"{loaded.where(('sources', name, 'dsn'))}: {exc.message}")
        return False
    about = f"PostgreSQL {facts.server_version} as {facts.user}"
    _row(name, "ok", f"{about}, {facts.estimated_databases} databases")
    return True


def _settings(out_dir: Path | None, address: str | None, namespace: str | None,
              tls: bool) -> Settings:  # fmt: skip
    return settings_for(out_dir, address, namespace, tls)


async def _with_client(settings: Settings, work: Callable[[Client], Awaitable[T]]) -> T:
    """`work` done with a client of the settings' Temporal (embedded: its server, no worker)."""
    from sourcesense.workflow.submit import submission_client

    async with submission_client(settings, _say, worker=False) as client:
        return await work(client)


@schedule_app.command("apply")
def schedule_apply(
    config: ConfigOption,
    allow_inline_passwords: InlineOption = False,
    out_dir: OutOption = None,
    temporal_address: TemporalOption = None,
    temporal_namespace: NamespaceOption = None,
    temporal_tls: TlsOption = False,
) -> None:
    """Create, update and delete schedules to match the file (sources without `schedule:`
    have none); a second apply of the same file changes nothing."""
    from sourcesense.config.load import load_config
    from sourcesense.config.schedules import apply_schedules

    loaded = load_config(config)
    settings = _settings(out_dir, temporal_address, temporal_namespace, temporal_tls)

    async def work(client: Client) -> dict[str, str]:
        return dict(await apply_schedules(client, loaded, settings, allow_inline_passwords))

    changes = asyncio.run(_with_client(settings, work))
    for sid, change in sorted(changes.items()):
        _row(sid, change)
    if not changes:
        out().print("no schedules declared, none of ours on the server", markup=False)


@schedule_app.command("list")
def schedule_list(
    out_dir: OutOption = None,
    temporal_address: TemporalOption = None,
    temporal_namespace: NamespaceOption = None,
    temporal_tls: TlsOption = False,
) -> None:
    """Our schedules, with their next and last runs."""
    from sourcesense.config.schedules import list_schedules

    settings = _settings(out_dir, temporal_address, temporal_namespace, temporal_tls)
    summaries = asyncio.run(_with_client(settings, list_schedules))
    for s in summaries:
        state = "paused" if s.paused else "active"
        next_run = f"{s.next_runs[0]:%Y-%m-%d %H:%M:%S} UTC" if s.next_runs else "-"
        last_run = f"{s.last_run:%Y-%m-%d %H:%M:%S} UTC" if s.last_run else "-"
        _row(s.source, state, s.when, f"next {next_run}", f"last {last_run}")


def _act(action: str, given: str, out_dir: Path | None, address: str | None,
         namespace: str | None, tls: bool) -> None:  # fmt: skip
    from sourcesense.config.schedules import act, resolve_id

    settings = _settings(out_dir, address, namespace, tls)
    sid = resolve_id(given)

    async def work(client: Client) -> None:
        await act(client, sid, action)  # type: ignore[arg-type]

    asyncio.run(_with_client(settings, work))
    _row(sid, action + ("d" if action.endswith("e") else "ed"))


@schedule_app.command("pause")
def schedule_pause(
    schedule: IdArgument, out_dir: OutOption = None, temporal_address: TemporalOption = None,
    temporal_namespace: NamespaceOption = None, temporal_tls: TlsOption = False,
) -> None:  # fmt: skip
    """Pause a schedule: no run starts until it is resumed."""
    _act("pause", schedule, out_dir, temporal_address, temporal_namespace, temporal_tls)


@schedule_app.command("resume")
def schedule_resume(
    schedule: IdArgument, out_dir: OutOption = None, temporal_address: TemporalOption = None,
    temporal_namespace: NamespaceOption = None, temporal_tls: TlsOption = False,
) -> None:  # fmt: skip
    """Resume a paused schedule."""
    _act("resume", schedule, out_dir, temporal_address, temporal_namespace, temporal_tls)


@schedule_app.command("trigger")
def schedule_trigger(
    schedule: IdArgument, out_dir: OutOption = None, temporal_address: TemporalOption = None,
    temporal_namespace: NamespaceOption = None, temporal_tls: TlsOption = False,
) -> None:  # fmt: skip
    """Start one run now (skipped if one of the schedule is still going); a worker runs it."""
    _act("trigger", schedule, out_dir, temporal_address, temporal_namespace, temporal_tls)


@schedule_app.command("delete")
def schedule_delete(
    schedule: IdArgument, out_dir: OutOption = None, temporal_address: TemporalOption = None,
    temporal_namespace: NamespaceOption = None, temporal_tls: TlsOption = False,
) -> None:  # fmt: skip
    """Delete a schedule (its past runs stay; the next `apply` recreates it if still declared)."""
    _act("delete", schedule, out_dir, temporal_address, temporal_namespace, temporal_tls)
