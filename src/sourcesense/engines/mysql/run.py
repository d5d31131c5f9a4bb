"""The MySQL/MariaDB engine's preflight, run planning and extraction (the run's steps are
those of extract/run.py; this is what differs)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pymysql

from sourcesense.engines.mysql.catalog import (
    CATALOG,
    SERVER_GONE,
    extract_catalog,
    query_params,
    query_text,
    stream_batches,
)
from sourcesense.engines.mysql.connection import Session, connect
from sourcesense.errors import (
    ExtractionError,
    InvalidFilterError,
    SourceSenseError,
    TransientError,
    UnsupportedServerError,
)
from sourcesense.extract.filters import Filters, check_shape, checked_patterns
from sourcesense.extract.names import qualified
from sourcesense.extract.preflight import PreflightResult
from sourcesense.extract.run import (
    DatabasePart,
    DatabaseTarget,
    ExtractRequest,
    KindDone,
    PartSink,
    RunPlan,
    part_dir,
    record_part,
    record_plan,
    went_further,
)
from sourcesense.extract.schemas import DATABASE_KINDS
from sourcesense.settings import Settings, get_settings
from sourcesense.source import Source
from sourcesense.store.manifest import ServerFacts, base_manifest
from sourcesense.store.rundir import create_run_dir, new_run_id

# MySQL 8.0.16: CHECK_CONSTRAINTS, TABLE_CONSTRAINTS.ENFORCED; MariaDB 10.6: STATISTICS.IGNORED
# (and SCHEMATA.SCHEMA_COMMENT, JSON functions, CTEs before it).
MIN_MYSQL, MIN_MARIADB = 80016, 100600


def check_server(session: Session) -> None:
    least = MIN_MARIADB if session.flavour == "mariadb" else MIN_MYSQL
    if session.version_num < least:
        name = "MariaDB 10.6" if session.flavour == "mariadb" else "MySQL 8.0.16"
        raise UnsupportedServerError(
            f"{session.version} is not supported: SourceSense needs {name} or newer"
        )


def validate_patterns(session: Session, filters: Filters) -> None:
    """Compile every pattern with the server's regex engine (MySQL's ICU, MariaDB's PCRE)."""
    for option, pattern in checked_patterns(filters):
        try:
            session.rows("SELECT '' REGEXP %(p)s", {"p": pattern})
        except pymysql.Error as exc:
            detail = exc.args[-1] if exc.args else exc
            raise InvalidFilterError(
                f"{option}: invalid regular expression ({detail}); patterns use the server's "
                "REGEXP syntax, e.g. '^sales_' or 'tmp$'"
            ) from None


def only_schema(request: ExtractRequest) -> str | None:
    """The MySQL database the DSN names is the one read, unless all or a scope are asked for."""
    scoped = request.all_databases or bool(request.filters.scope)
    return None if scoped else request.source.database


def preflight(
    source: Source, filters: Filters, settings: Settings | None = None
) -> PreflightResult:
    check_shape(filters)
    with connect(source, settings or get_settings()) as session:
        check_server(session)
        validate_patterns(session, filters)
        ((privileged, schemas, tables),) = session.rows(
            "SELECT (SELECT COUNT(*) FROM information_schema.USER_PRIVILEGES"
            " WHERE PRIVILEGE_TYPE = 'SUPER'),"
            " (SELECT COUNT(*) FROM information_schema.SCHEMATA),"
            " (SELECT COUNT(*) FROM information_schema.TABLES)"
        )
    return PreflightResult(
        session.version, session.user, source.database or CATALOG, bool(privileged),
        bool(privileged), int(schemas), int(tables),
    )  # fmt: skip


def plan_run(
    request: ExtractRequest,
    data_dir: Path,
    run_id: str | None = None,
    settings: Settings | None = None,
) -> RunPlan:
    """The run's one database is the server's catalog 'def' (its MySQL databases are schemas)."""
    cfg = settings or get_settings()
    check_shape(request.filters)
    started = datetime.now(UTC)
    with connect(request.source, cfg) as session:
        check_server(session)
        validate_patterns(session, request.filters)
        params = query_params(request.filters, request.options, session.flavour,
                              only_schema(request))  # fmt: skip
        databases = list(stream_batches(session, "databases", params, cfg.batch_rows))
        reuse = run_id is not None and not went_further(data_dir / "runs" / run_id)
        run_dir = create_run_dir(data_dir, run_id or new_run_id(started), reuse)
        facts = ServerFacts(session.flavour, session.user, request.source.database,
                            session.version, session.version_num)  # fmt: skip
        manifest = base_manifest(run_dir.name, request, started, facts)
    return record_plan(run_dir, manifest, databases, request)


def extract_part(
    request: ExtractRequest,
    run_dir: Path,
    target: DatabaseTarget,
    on_kind_done: KindDone | None = None,
    settings: Settings | None = None,
) -> DatabasePart:
    """Every kind of the server in one snapshot, into the part folder of 'def'."""
    cfg = settings or get_settings()
    part = DatabasePart(name=target.name, index=target.index)
    sink = PartSink(part_dir(run_dir, target.index))

    def kind_done(kind: str, count: int) -> None:
        if on_kind_done is not None:
            on_kind_done(target.name, kind, count)

    try:
        with connect(request.source, cfg) as session:
            params = query_params(request.filters, request.options, session.flavour,
                                  only_schema(request))  # fmt: skip
            result = extract_catalog(session, params, sink, cfg.batch_rows, kind_done)
    except (SourceSenseError, pymysql.Error) as exc:
        sink.abort()
        failure = _as_error(exc)
        if failure.retryable:
            raise failure from None
        part.error = failure.message
        part.errors.append(f"{qualified(target.name)}: {failure.message}")
        return part
    sink.close(list(DATABASE_KINDS))
    record_part(part, result, sink.unreadable)
    return part


def _as_error(exc: SourceSenseError | pymysql.Error) -> SourceSenseError:
    if isinstance(exc, SourceSenseError):
        return exc
    message = str(exc.args[-1]) if exc.args else type(exc).__name__
    if exc.args and exc.args[0] in SERVER_GONE:
        return TransientError(f"connection lost during extraction: {message}")
    return ExtractionError(message)


__all__ = ["extract_part", "plan_run", "preflight", "query_text"]
