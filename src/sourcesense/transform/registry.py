"""The transformer registry: built-ins plus whatever installed packages declare in the
entry-point group `sourcesense.transformers`.

A transformer is a plain function `(TransformContext) -> TransformOutput`; a new output format
is a new entry, never a subclass. Third parties publish one with, in their pyproject.toml:

    [project.entry-points."sourcesense.transformers"]
    my_format = "my_package.module:transform"
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from sourcesense.errors import ConfigError, SourceSenseError, StopRequested
from sourcesense.incremental.reuse import step_summary
from sourcesense.store.manifest import remove_staging
from sourcesense.store.rundir import read_json
from sourcesense.transform.atlan import transform_atlan
from sourcesense.transform.context import TransformContext, Transformer
from sourcesense.transform.openlineage import transform_openlineage

ENTRY_POINT_GROUP = "sourcesense.transformers"
PROGRESS_EVERY_S = 1.0
# (format, entities written so far): where a step's progress goes (the workflow's progress).
OnProgress = Callable[[str, int], None]


def builtin_transformers() -> dict[str, Transformer]:
    return {"atlan": transform_atlan, "openlineage": transform_openlineage}


def available_transformers() -> dict[str, Transformer]:
    """Built-ins, then plugins; a plugin may not shadow a built-in."""
    found = builtin_transformers()
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        if entry.name not in found:
            found[entry.name] = entry.load()
    return found


def check_formats(names: list[str]) -> None:
    unknown = sorted(set(names) - set(available_transformers()))
    if unknown:
        known = ", ".join(sorted(available_transformers()))
        raise ConfigError(f"unknown output format {', '.join(unknown)}: installed are {known}")


def run_transformers(
    run_dir: Path, names: list[str], options: dict[str, str] | None = None,
    incremental: bool = True, stop: threading.Event | None = None,
    on_progress: OnProgress | None = None,
) -> dict[str, dict[str, Any]]:  # fmt: skip
    """Run each named transformer into transformed/<name>/ (replaced whole, atomically).

    Each writes into transformed/.<name>.staging/ first: a fixed name, so the next attempt of
    the step (on any worker) finds and removes what an interrupted one left. `on_progress`
    hears each transformer's entities written: at most once a second while it runs, and its
    final count when it has completed."""
    registry = available_transformers()
    manifest = read_json(run_dir / "manifest.json")
    remove_staging(run_dir / "transformed")
    results: dict[str, dict[str, Any]] = {}
    for name in names:
        context = TransformContext(run_dir, Path(), manifest, options or {}, incremental, stop)
        if on_progress is not None:
            context.progress = _throttled(name, on_progress)
        clock = time.perf_counter()
        results[name] = _run_one(name, registry[name], context)
        results[name]["seconds"] = round(time.perf_counter() - clock, 3)
        if on_progress is not None and results[name]["status"] == "completed":
            on_progress(name, results[name]["entities"])
    return results


def _throttled(name: str, on_progress: OnProgress) -> Callable[[int], None]:
    """A transformer's progress callback: cheap to call per entity, passed on once a second
    (a Temporal signal each time: never one per entity)."""
    last = time.monotonic()

    def report(entities: int) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= PROGRESS_EVERY_S:
            last = now
            on_progress(name, entities)

    return report


def staging_dir(run_dir: Path, name: str) -> Path:
    return run_dir / "transformed" / f".{name}.staging"


def _run_one(name: str, transformer: Transformer, context: TransformContext) -> dict[str, Any]:
    run_dir = context.run_dir
    final = run_dir / "transformed" / name
    staging = staging_dir(run_dir, name)
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    context.out_dir = staging
    try:
        output = transformer(context)
    except StopRequested:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    except SourceSenseError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        return {"status": "failed", "error": exc.message}
    except Exception as exc:  # a plugin's bug must not sink the run: record it
        shutil.rmtree(staging, ignore_errors=True)
        return {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}
    shutil.rmtree(final, ignore_errors=True)
    os.replace(staging, final)
    summary = step_summary(run_dir, name)
    return {
        "status": "completed", "files": output.files, "entities": output.entities,
        "warnings": output.warnings, **output.details,
        **({"incremental": summary} if summary else {}),
    }  # fmt: skip
