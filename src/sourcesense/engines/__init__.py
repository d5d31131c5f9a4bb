"""Engines: one entry per kind of source server, chosen by the DSN's scheme.

An engine is a module `sourcesense.engines.<name>` exposing `ENGINE`, an `Engine` of plain
functions: its preflight, its run planning (the databases in scope and the manifest) and the
extraction of one database (its bulk catalog queries and value mappings). Every engine writes
the one raw run format (extract/schemas.py); fields that do not apply to it are null. No engine
subclasses another: what they share is the run format and the functions in extract/run.py.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sourcesense.errors import ConfigError

if TYPE_CHECKING:
    from sourcesense.extract.filters import Filters
    from sourcesense.extract.preflight import PreflightResult
    from sourcesense.extract.run import (
        DatabasePart,
        DatabaseTarget,
        ExtractRequest,
        KindDone,
        RunPlan,
    )
    from sourcesense.settings import Settings
    from sourcesense.source import Source

ENGINES = ("postgresql", "mysql")
# The steps after extraction, and what an engine that lacks one tells the user.
POST_STEPS = ("lineage", "quality", "formats")


@dataclass(frozen=True)
class Engine:
    name: str
    default_port: int
    preflight: Callable[[Source, Filters, Settings | None], PreflightResult]
    plan_run: Callable[[ExtractRequest, Path, str | None, Settings | None], RunPlan]
    extract_part: Callable[
        [ExtractRequest, Path, DatabaseTarget, KindDone | None, Settings | None], DatabasePart
    ]
    # The post-extraction steps (POST_STEPS) that understand this engine's runs.
    steps: tuple[str, ...] = POST_STEPS
    # Whether the quality step can sample its tables (--profile); else statistics only.
    profiling: bool = True


def get_engine(name: str) -> Engine:
    """The entry of engine `name` (Source.engine); imported on first use."""
    if name not in ENGINES:
        raise ConfigError(f"unknown engine '{name[:20]}': expected one of {', '.join(ENGINES)}")
    engine: Engine = importlib.import_module(f"sourcesense.engines.{name}").ENGINE
    return engine


def unsupported_steps(name: str, lineage: bool, quality: bool, formats: list[str]) -> list[str]:
    """The requested post-extraction steps engine `name` cannot run yet."""
    wanted = {"lineage": lineage, "quality": quality, "formats": bool(formats)}
    supported = get_engine(name).steps
    return [step for step in POST_STEPS if wanted[step] and step not in supported]
