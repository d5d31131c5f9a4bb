"""One profiling query per table: a sample (or the whole of a small table) in one pass.

The query reads `SELECT <columns> FROM t TABLESAMPLE ... LIMIT row_cap` in a subquery and
aggregates every column over it at once, each column's figures packed into one JSON object
so that wide tables stay under PostgreSQL's 1,664 result columns. Identifiers and literals
are composed with psycopg.sql only.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql

from sourcesense.quality import pii
from sourcesense.quality.options import QualityOptions
from sourcesense.quality.statistics import ColumnInfo, TableInfo

# Below this many expected sampled pages, SYSTEM (whole pages) is too coarse: BERNOULLI picks
# rows from every page instead, which costs a full read of a table that is small anyway.
MIN_SYSTEM_PAGES = 50
# Aim the sample at this share of row_cap, so the LIMIT is a safety net and never cuts the
# sample short (a cut sample would favour the table's first pages).
CAP_FILL = 0.9
MAX_TEXT_CHARS = 200  # min/max of long text are kept as a prefix
MAX_CARD_CANDIDATES = 50

_NUMERIC = {"smallint", "integer", "bigint", "numeric", "real", "double precision"}
_TEXT = {"text", "character varying", "character", "name", "citext", "bpchar", "varchar"}
_ORDERED = {"date", "timestamp without time zone", "timestamp with time zone", "interval",
            "time without time zone", "time with time zone", "money", "inet", "cidr", "oid",
            "macaddr"}  # fmt: skip


@dataclass(frozen=True)
class SamplePlan:
    sampling: str  # system | bernoulli | limit
    percent: float  # TABLESAMPLE percent; 100 for limit


@dataclass
class TableSample:
    plan: SamplePlan
    method: str  # sample | full
    sampled_rows: int
    scaled_row_count: int | None
    seconds: float
    columns: dict[str, dict[str, Any]] = field(default_factory=dict)
    evidence: dict[str, pii.ValueEvidence] = field(default_factory=dict)


def choose_plan(row_estimate: int | None, pages: int | None, options: QualityOptions) -> SamplePlan:
    """Read small tables whole (capped), sample large ones."""
    cap = options.row_cap
    if row_estimate is None or row_estimate <= cap or options.sample_percent >= 100:
        return SamplePlan("limit", 100.0)
    percent = min(options.sample_percent, 100.0 * CAP_FILL * cap / row_estimate)
    if pages is not None and pages * percent / 100.0 < MIN_SYSTEM_PAGES:
        return SamplePlan("bernoulli", percent)
    return SamplePlan("system", percent)


def column_category(col: ColumnInfo) -> str:
    """numeric | text | ordered | boolean | other: which aggregates the column gets."""
    if col.type_kind == "enum":
        return "ordered"
    if col.type_kind not in ("base", "domain"):
        return "other"
    base = re.sub(r"\([^)]*\)", "", col.base_type).split(".")[-1].strip().strip('"')
    base = re.sub(r"\s+", " ", base)
    if base in _NUMERIC:
        return "numeric"
    if base in _TEXT:
        return "text"
    if base in _ORDERED:
        return "ordered"
    return "boolean" if base == "boolean" else "other"


def _call(name: str, *args: sql.Composable) -> sql.Composed:
    return sql.SQL("pg_catalog.{}({})").format(sql.SQL(name), sql.SQL(", ").join(args))


def _as_text(expr: sql.Composable) -> sql.Composed:
    return sql.SQL("({})::text").format(expr)


def _evidence_aggregates(ref: sql.Composable) -> list[tuple[str, sql.Composable]]:
    """Counts for value-based PII classification; "C" collation, since regular expressions
    refuse nondeterministic collations."""
    value = sql.SQL('({})::text COLLATE "C"').format(ref)
    empty, every = sql.Literal(""), sql.Literal("g")
    digits = _call("regexp_replace", value, sql.Literal(pii.CARD_SEPARATORS), empty, every)
    card = sql.SQL("{} ~ {}").format(digits, sql.Literal(pii.CARD_PATTERN))
    only_digits = _call("regexp_replace", value, sql.Literal("[^0-9]"), empty, every)
    low, high = pii.PHONE_DIGITS
    phone_test = "{v} ~ {p} AND {v} ~ {m} AND pg_catalog.length({d}) BETWEEN {lo} AND {hi}"
    phone = sql.SQL(phone_test).format(
        v=value,
        p=sql.Literal(pii.PHONE_PATTERN),
        m=sql.Literal(pii.PHONE_MARK_PATTERN),
        d=only_digits,
        lo=sql.Literal(low),
        hi=sql.Literal(high),
    )
    count_if = sql.SQL("count(*) FILTER (WHERE {})")
    email = sql.SQL("{} ~ {}").format(value, sql.Literal(pii.EMAIL_PATTERN))
    candidates = sql.SQL("(array_agg({}) FILTER (WHERE {}))[1:{}]").format(
        digits, card, sql.Literal(MAX_CARD_CANDIDATES)
    )
    return [
        ("em", count_if.format(email)),
        ("ph", count_if.format(phone)),
        ("cs", count_if.format(card)),
        ("cc", candidates),
    ]


def column_aggregates(ref: sql.Composable, category: str, evidence: bool) -> sql.Composed:
    """A json_build_object of one column's figures over the sample."""
    distinct_of = _as_text(ref) if category == "other" else ref
    parts: list[tuple[str, sql.Composable]] = [
        ("n", _call("count", ref)),
        ("d", sql.SQL("count(DISTINCT {})").format(distinct_of)),
    ]
    if category in ("numeric", "text", "ordered"):
        for key, agg in (("mn", "min"), ("mx", "max")):
            text = _as_text(_call(agg, ref))
            parts.append((key, _call("left", text, sql.Literal(MAX_TEXT_CHARS))))
    if category == "boolean":
        parts += [("mn", _as_text(_call("bool_and", ref))), ("mx", _as_text(_call("bool_or", ref)))]
    if category == "numeric":
        parts.append(("avg", sql.SQL("({})::float8").format(_call("avg", ref))))
        parts.append(("sd", sql.SQL("({})::float8").format(_call("stddev_samp", ref))))
    if category == "text":
        length = _call("length", ref)
        parts += [("lmin", _call("min", length)), ("lmax", _call("max", length))]
        parts.append(("lavg", sql.SQL("({})::float8").format(_call("avg", length))))
        if evidence:
            parts += _evidence_aggregates(ref)
    args = [item for key, expr in parts for item in (sql.Literal(key), expr)]
    return _call("json_build_object", *args)


def _sample_clause(plan: SamplePlan) -> sql.Composable:
    if plan.sampling == "limit":
        return sql.SQL("")
    method = sql.SQL("SYSTEM" if plan.sampling == "system" else "BERNOULLI")
    return sql.SQL(" TABLESAMPLE {} ({})").format(method, sql.Literal(plan.percent))


def _pages_expr(table: TableInfo) -> sql.Composable:
    """Current heap pages of the table (of its leaf partitions when partitioned): metadata."""
    regclass = sql.SQL("{}::pg_catalog.oid::pg_catalog.regclass").format(
        sql.Literal(int(table.relation["oid"]))
    )
    block = sql.SQL("pg_catalog.current_setting('block_size')::bigint")
    if table.relation["kind"] == "partitioned_table":
        size = sql.SQL(
            "(SELECT sum(pg_catalog.pg_relation_size(t.relid)) "
            "FROM pg_catalog.pg_partition_tree({}) t WHERE t.isleaf)"
        ).format(regclass)
    else:
        size = _call("pg_relation_size", regclass)
    return sql.SQL("({} / {})::bigint").format(size, block)


def profile_query(table: TableInfo, plan: SamplePlan, options: QualityOptions) -> sql.Composed:
    """SELECT count, pages seen, pages, one JSON per column FROM (capped sample) s."""
    aliases = [sql.Identifier(f"c{i}") for i in range(len(table.columns))]
    inner_cols: list[sql.Composable] = [
        sql.SQL("tableoid AS _t"),
        sql.SQL("(ctid::text::point)[0] AS _b"),
    ]
    inner_cols += [
        sql.SQL("{} AS {}").format(sql.Identifier(col.name), alias)
        for col, alias in zip(table.columns, aliases, strict=True)
    ]
    # ONLY: an inheritance parent's children are profiled on their own. A partitioned table
    # has no rows of its own, so it is read whole.
    only = sql.SQL("" if table.relation["kind"] == "partitioned_table" else "ONLY ")
    relation = sql.Identifier(table.key[1], table.key[2])
    inner = sql.SQL("SELECT {} FROM {}{}{} LIMIT {}").format(
        sql.SQL(", ").join(inner_cols), only, relation, _sample_clause(plan),
        sql.Literal(options.row_cap),
    )  # fmt: skip
    outer: list[sql.Composable] = [
        sql.SQL("count(*)"),
        # Pages the sample came from: only SYSTEM needs them, for scale_rows.
        sql.SQL("count(DISTINCT ROW(s._t, s._b))" if plan.sampling == "system" else "0"),
        _pages_expr(table) if plan.sampling == "system" else sql.SQL("NULL::bigint"),
    ]
    # Anonymizing needs the PII classes too, even when they are not part of the output.
    evidence = options.classify_pii or options.anonymize
    for col, alias in zip(table.columns, aliases, strict=True):
        ref = sql.SQL("s.{}").format(alias)
        outer.append(column_aggregates(ref, column_category(col), evidence))
    return sql.SQL("SELECT {} FROM ({}) AS s").format(sql.SQL(", ").join(outer), inner)


def run_profile(
    conn: psycopg.Connection[Any],
    table: TableInfo,
    plan: SamplePlan,
    options: QualityOptions,
    timeout_ms: int,
) -> TableSample:
    """Run the table's profiling query in a read-only transaction; psycopg errors propagate."""
    query = profile_query(table, plan, options)
    started = time.perf_counter()
    with conn.transaction():
        # LOCAL: the limits end with this transaction and never leak to the next table.
        conn.execute(
            "SELECT pg_catalog.set_config('statement_timeout', %s, true),"
            " pg_catalog.set_config('TimeZone', 'UTC', true)",
            (str(max(1, timeout_ms)),),
        )
        row = conn.execute(query).fetchone()
    seconds = time.perf_counter() - started
    if row is None:  # an aggregate query without GROUP BY always returns one row
        raise psycopg.DataError("profiling query returned no row")
    return parse_result(row, table, plan, options, seconds)


def scale_rows(
    plan: SamplePlan, sampled: int, pages_seen: int, pages: int | None, row_cap: int
) -> tuple[str, int | None]:
    """(method, estimated table rows) from what the query read."""
    if plan.sampling == "limit":
        # Fewer rows than the cap: the read reached the end, so this is the exact count.
        return ("full", sampled) if sampled < row_cap else ("sample", None)
    if plan.sampling == "system" and pages_seen > 0 and pages:
        # SYSTEM picks whole pages, so rows / fraction varies with the page count drawn;
        # rows per sampled page times current pages does not (ANALYZE estimates the same way).
        return "sample", round(sampled / pages_seen * pages)
    return "sample", round(sampled * 100.0 / plan.percent)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)  # JSON carries NaN/Infinity as strings


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def parse_result(
    row: tuple[Any, ...], table: TableInfo, plan: SamplePlan, options: QualityOptions,
    seconds: float,
) -> TableSample:  # fmt: skip
    sampled, pages_seen, pages = int(row[0]), int(row[1] or 0), _int(row[2])
    method, scaled = scale_rows(plan, sampled, pages_seen, pages, options.row_cap)
    result = TableSample(plan, method, sampled, scaled, seconds)
    for col, figures in zip(table.columns, row[3:], strict=True):
        non_null = int(figures["n"])
        result.columns[col.name] = {
            "null_count": sampled - non_null,
            "null_ratio": (sampled - non_null) / sampled if sampled else None,
            "sample_distinct_count": _int(figures.get("d")),
            "min_value": figures.get("mn"),
            "max_value": figures.get("mx"),
            "mean": _float(figures.get("avg")),
            "stddev": _float(figures.get("sd")),
            "min_length": _int(figures.get("lmin")),
            "max_length": _int(figures.get("lmax")),
            "avg_length": _float(figures.get("lavg")),
        }
        if "em" in figures:
            result.evidence[col.name] = pii.ValueEvidence(
                non_null=non_null,
                email_matches=int(figures["em"]),
                phone_matches=int(figures["ph"]),
                card_shaped=int(figures["cs"]),
                card_candidates=list(figures.get("cc") or []),
            )
    return result
