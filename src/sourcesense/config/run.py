"""Run the sources of a file: each as an extraction workflow, several at once, every outcome
reported (a source that fails does not stop the others)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from sourcesense.config.build import extraction_input
from sourcesense.config.load import LoadedConfig
from sourcesense.errors import ConfigError, SourceSenseError
from sourcesense.settings import Settings
from sourcesense.store.rundir import new_run_id
from sourcesense.workflow.inputs import ExtractionInput
from sourcesense.workflow.submit import follow, submission_client


@dataclass(frozen=True)
class SourceOutcome:
    name: str
    run_id: str | None  # None: failed before its run started
    status: str  # the run's status, or "failed"
    error: SourceSenseError | None = None


def chosen(config: LoadedConfig, names: list[str]) -> list[str]:
    """The sources to act on: `names` (each must be in the file), else all of them."""
    known = list(config.model.sources)
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ConfigError(
            f"{config.path}: no source named {', '.join(unknown)}: the file has {', '.join(known)}"
        )
    return names or known


def inputs_of(
    config: LoadedConfig, names: list[str], settings: Settings, allow_inline: bool
) -> dict[str, ExtractionInput]:
    """Every input built before any run starts, so a bad source stops nothing half-done."""
    return {
        name: extraction_input(config, name, settings, new_run_id(), allow_inline) for name in names
    }


async def run_sources(
    inputs: dict[str, ExtractionInput], settings: Settings, parallel: int,
    say: Callable[[str], None],
) -> list[SourceOutcome]:  # fmt: skip
    """Run each input as a workflow, at most `parallel` at once; one outcome per source."""
    gate = asyncio.Semaphore(parallel)
    async with submission_client(settings, say) as client:

        async def one(name: str, inp: ExtractionInput) -> SourceOutcome:
            async with gate:
                say(f"{name}: run {inp.run_id} started")
                try:
                    result = await follow(client, inp, settings, None)
                except SourceSenseError as exc:
                    say(f"{name}: failed: {exc.message}")
                    return SourceOutcome(name, inp.run_id, "failed", exc)
                say(f"{name}: run {result.run_id} {result.status}")
                return SourceOutcome(name, result.run_id, result.status)

        return list(await asyncio.gather(*(one(n, i) for n, i in inputs.items())))
