"""One source of a sources file as a workflow input: its password fetched, its scope, options
and outputs checked the way `sourcesense extract` checks its options."""

from __future__ import annotations

import os
import re
from pathlib import Path

from sourcesense.config.load import LoadedConfig, Loc
from sourcesense.config.model import PasswordRef, SourceConfig
from sourcesense.errors import ConfigError
from sourcesense.extract.filters import Filters, ScopeEntry, check_shape
from sourcesense.settings import Settings
from sourcesense.source import Source, parse_dsn
from sourcesense.transform.openlineage import check_openlineage_url
from sourcesense.transform.registry import check_formats
from sourcesense.workflow.inputs import ExtractionInput, SourceLimits, SourceSpec

SECRET_DIRS = ("CREDENTIALS_DIRECTORY",)  # systemd's; else Docker/Kubernetes' /run/secrets
DEFAULT_SECRET_DIR = Path("/run/secrets")
_VARIABLE_ONLY = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}")


def source_of(config: LoadedConfig, name: str, allow_inline: bool = False) -> Source:
    """The source's connection, with its password; inline passwords refused unless allowed."""
    spec = config.model.sources[name]
    loc: Loc = ("sources", name)
    try:
        source = parse_dsn(spec.dsn)
    except ConfigError as exc:
        raise config.problem((*loc, "dsn"), exc.message) from None
    raw_dsn = str(config.raw["sources"][name].get("dsn", ""))
    if source.password is not None and "${" not in raw_dsn and not allow_inline:
        raise config.problem(
            (*loc, "dsn"),
            "the DSN holds a password: take it out and use `password: {env: VAR}` (or file, "
            "secret), or pass --allow-inline-passwords",
        )
    if spec.password is None:
        return source
    return source.with_password(_password(config, (*loc, "password"), spec.password, allow_inline))


def _password(config: LoadedConfig, loc: Loc, ref: PasswordRef, allow_inline: bool) -> str:
    if ref.value is not None:
        raw = config.raw["sources"][loc[1]].get("password")
        raw = raw.get("value") if isinstance(raw, dict) else raw
        from_env = isinstance(raw, str) and _VARIABLE_ONLY.fullmatch(raw) is not None
        if not (allow_inline or from_env):  # `${VAR}` comes from the environment: not inline
            raise config.problem(
                loc, "a password set inline is refused: use {env: VAR}, {file: PATH} or "
                "{secret: NAME}, or pass --allow-inline-passwords",
            )  # fmt: skip
        return ref.value.get_secret_value()
    if ref.env is not None:
        if ref.env not in os.environ:
            raise config.problem((*loc, "env"), f"environment variable {ref.env} is not set")
        return os.environ[ref.env]
    if ref.file is not None:
        return _first_line(config, (*loc, "file"), config.path.parent / Path(ref.file))
    assert ref.secret is not None  # PasswordRef holds exactly one
    folder = next((Path(os.environ[v]) for v in SECRET_DIRS if os.environ.get(v)), None)
    return _first_line(config, (*loc, "secret"), (folder or DEFAULT_SECRET_DIR) / ref.secret)


def _first_line(config: LoadedConfig, loc: Loc, path: Path) -> str:
    try:
        text = path.expanduser().read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise config.problem(loc, f"cannot read {path}: {reason}") from None
    return text.splitlines()[0] if text else ""


def filters_of(config: LoadedConfig, name: str) -> Filters:
    spec = config.model.sources[name]
    scope = tuple(ScopeEntry(e.database, tuple(e.schemas), tuple(e.tables)) for e in spec.scope)
    filters = Filters(**spec.patterns.model_dump(), scope=scope)
    try:
        check_shape(filters)
    except ConfigError as exc:
        raise config.problem(("sources", name, "scope"), exc.message) from None
    return filters


def extraction_input(
    config: LoadedConfig, name: str, settings: Settings, run_id: str, allow_inline: bool = False
) -> ExtractionInput:
    """The workflow input of source `name`; run_id "" lets the workflow name the run (as
    each run a schedule starts needs its own)."""
    spec = config.model.sources[name]
    source = source_of(config, name, allow_inline)
    filters = filters_of(config, name)
    opts = spec.options
    return ExtractionInput(
        SourceSpec.of(source), str(settings.data_dir), run_id, filters.recorded(),
        spec.all_databases, exact_sizes=not opts.estimate_sizes, lineage=opts.lineage,
        quality=opts.quality, profile=opts.profile, anonymize=opts.anonymize,
        incremental=not opts.full_refresh, formats=[f for f in opts.formats if f != "none"],
        transform_options=_transform_options(config, name, spec),
        webhook_url=spec.outputs.webhook, limits=SourceLimits.of(settings),
    )  # fmt: skip


def _transform_options(config: LoadedConfig, name: str, spec: SourceConfig) -> dict[str, str]:
    formats = [f for f in spec.options.formats if f != "none"]
    try:
        check_formats(formats)
    except ConfigError as exc:
        raise config.problem(("sources", name, "options", "formats"), exc.message) from None
    options = {"atlan_bulk_batch_size": "0", "atlan_remove_stale": "false"}
    url = spec.outputs.openlineage_url
    if url:
        try:
            options["openlineage_url"] = check_openlineage_url(url, formats)
        except ConfigError as exc:
            loc = ("sources", name, "outputs", "openlineage_url")
            raise config.problem(loc, exc.message) from None
    return options
