"""Column lineage of one PostgreSQL query: which source columns feed each output column.

A pure function over a SQL string and the columns of the relations it reads. The query is
qualified with sqlglot (stars expanded, every column bound to the relation it comes from),
then each output column is traced through CTEs, derived tables, set operations and scalar
subqueries down to the relations named in FROM. Views named in FROM are not expanded: their
columns are the sources (one hop), so lineage of a view over a view stays followable hop by hop.

What an output column is computed from are its sources (output_lineage). Columns the query
reads without passing them into a value (JOIN conditions, WHERE and HAVING, GROUP BY, ORDER BY,
window PARTITION BY / ORDER BY) are reported apart, for the whole query (query_lineage). The
columns of a set-returning function in FROM (`LATERAL jsonb_each_text(x.col) e`,
`unnest(x.arr)`) are expressions of the columns its arguments read.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.optimizer.normalize_identifiers import normalize_identifiers
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import Scope, build_scope
from sqlglot.schema import MappingSchema

# (source schema, source table, source column, transformation)
SourceColumn = tuple[str, str, str, str]
# schema -> relation -> its column names in ordinal order
SchemaColumns = Mapping[str, Mapping[str, Sequence[str]]]

# (source schema, source table, source column, how the query reads it: one of _INDIRECT)
IndirectColumn = tuple[str, str, str, str]

DIRECT = "direct"
EXPRESSION = "expression"
AGGREGATE = "aggregate"
# Composing two hops keeps the stronger: an aggregate of an expression is an aggregate.
_STRENGTH = {DIRECT: 0, EXPRESSION: 1, AGGREGATE: 2}
# A column under one of these (between it and the output column) is aggregated.
_AGGREGATING = (exp.AggFunc, exp.WithinGroup, exp.Filter)
# Window functions that pick a value from another row rather than aggregate (sqlglot models
# them as aggregate functions): lag(amount) is an expression of amount.
_ROW_PICKING = (exp.Lag, exp.Lead, exp.FirstValue, exp.LastValue, exp.NthValue)
_QUERY = (exp.Select, exp.SetOperation)
JOIN, FILTER, GROUP_BY, SORT, WINDOW = "join", "filter", "group_by", "sort", "window"


def column_lineage(
    sql: str, schema_columns: SchemaColumns, default_schema: str = "public"
) -> dict[str, set[SourceColumn]]:
    """{output column name: its source columns}; raises sqlglot errors or ValueError."""
    return dict(output_lineage(sql, schema_columns, default_schema))


def query_lineage(
    sql: str,
    schema_columns: SchemaColumns,
    default_schema: str = "public",
    dialect: str = "postgres",
) -> tuple[list[tuple[str, set[SourceColumn]]], set[IndirectColumn]]:
    """output_lineage, and the columns read in joins, filters, group-by, sort and windows
    anywhere in the query (traced to the relations in FROM like output columns are).
    `dialect`: sqlglot's name of the SQL (postgres, mysql)."""
    query = qualified_query(sql, schema_columns, default_schema, dialect)
    root = build_scope(query)
    if root is None:
        raise ValueError("not a query")
    walk = _Walk(schema_columns, {id(scope.expression): scope for scope in root.traverse()})
    outputs = [
        (name, _strongest(_output_sources(root, index, walk)))
        for index, name in enumerate(query.named_selects)
    ]
    indirect: set[IndirectColumn] = set()
    for scope in root.traverse():
        if isinstance(scope.expression, exp.Select):
            for kind, clause in _clauses(scope.expression):
                found = _clause_sources(scope, clause, walk)
                indirect |= {(schema, table, column, kind) for schema, table, column, _ in found}
    return outputs, indirect


def output_lineage(
    sql: str, schema_columns: SchemaColumns, default_schema: str = "public"
) -> list[tuple[str, set[SourceColumn]]]:
    """(output column name, its source columns) in output order.

    `default_schema` qualifies relations named without a schema, as the search_path would.
    Raises sqlglot.errors.SqlglotError when the SQL can't be parsed or a column can't be
    resolved, ValueError when it is not a single query.
    """
    return query_lineage(sql, schema_columns, default_schema)[0]


def qualified_query(
    sql: str, schema_columns: SchemaColumns, default_schema: str, dialect: str = "postgres"
) -> exp.Query:
    """The query with every table schema-qualified, stars expanded, every column bound."""
    statements = [s for s in sqlglot.parse(sql, dialect=dialect) if s is not None]
    if len(statements) != 1 or not isinstance(statements[0], exp.Query):
        raise ValueError("expected exactly one SELECT statement")
    query = normalize_identifiers(statements[0], dialect=dialect)
    _qualify_unique_tables(query, schema_columns)
    # normalize=False: catalog names are exact (case and spaces kept), the way PostgreSQL
    # compares them once the query's unquoted identifiers have been folded to lower case.
    schema = MappingSchema(
        {
            schema_name: {
                table: dict.fromkeys(columns, "unknown") for table, columns in tables.items()
            }
            for schema_name, tables in schema_columns.items()
        },
        dialect=dialect,
        normalize=False,
    )
    qualified = qualify(
        query,
        dialect=dialect,
        db=default_schema,
        schema=schema,
        identify=False,
        validate_qualify_columns=True,
    )
    if not isinstance(qualified, exp.Query):
        raise ValueError("qualifying did not give a query")
    return qualified


def _qualify_unique_tables(query: exp.Expr, schema_columns: SchemaColumns) -> None:
    """Give an unqualified relation the one schema that has it, as the search_path did.

    pg_get_viewdef leaves a relation unqualified when the extracting session's search_path
    finds it; the schema that has a relation of that name is the one it meant.
    """
    schemas_by_table: dict[str, list[str]] = {}
    for schema_name, tables in schema_columns.items():
        for table_name in tables:
            schemas_by_table.setdefault(table_name, []).append(schema_name)
    cte_names = {cte.alias_or_name for cte in query.find_all(exp.CTE)}
    for table in query.find_all(exp.Table):
        if table.db or not isinstance(table.this, exp.Identifier) or table.name in cte_names:
            continue
        candidates = schemas_by_table.get(table.name, [])
        if len(candidates) == 1:
            table.set("db", exp.to_identifier(candidates[0]))


@dataclass
class _Walk:
    """State of one trace: the relations' columns, scopes by their query node, memoised
    outputs, the path being traced."""

    schema_columns: SchemaColumns
    scopes: dict[int, Scope]
    done: dict[tuple[int, int], set[SourceColumn]] = field(default_factory=dict)
    active: set[tuple[int, int]] = field(default_factory=set)

    def scope_of(self, query: exp.Expr) -> Scope:
        found = self.scopes.get(id(query)) or self.scopes.get(id(query.unnest()))
        if found is None:
            raise ValueError(f"no scope for {query.sql(dialect='postgres')[:60]}")
        return found


def _output_sources(scope: Scope, index: int, walk: _Walk) -> set[SourceColumn]:
    """Sources of the index-th output column of the query a scope stands for."""
    query = scope.expression
    key = (id(query), index)
    if key in walk.done:
        return walk.done[key]
    if key in walk.active:
        # A recursive CTE reading itself: its other branches already give every source.
        return set()
    walk.active.add(key)
    try:
        found: set[SourceColumn] = set()
        if isinstance(query, exp.SetOperation):
            # Set operations match branches by position; each branch contributes.
            for branch in (query.this, query.expression):
                found |= _output_sources(walk.scope_of(branch), index, walk)
        elif isinstance(query, exp.Select) and index < len(query.selects):
            found = _projection_sources(scope, query.selects[index], walk)
    finally:
        walk.active.discard(key)
    walk.done[key] = found
    return found


def _projection_sources(scope: Scope, projection: exp.Expr, walk: _Walk) -> set[SourceColumn]:
    expression = projection.unalias()
    passed_through = _is_pass_through(expression)
    found: set[SourceColumn] = set()
    # prune: columns of a nested query belong to that query's scope, traced through it.
    for node in expression.walk(prune=lambda n: n is not expression and isinstance(n, _QUERY)):
        if isinstance(node, exp.Column):
            if passed_through:
                transformation = DIRECT
            elif _is_aggregated(node, expression):
                transformation = AGGREGATE
            else:
                transformation = EXPRESSION
            found |= _column_sources(scope, node, transformation, walk)
        elif isinstance(node, _QUERY) and node is not expression:
            nested = walk.scope_of(node)
            for index in range(len(node.named_selects)):
                found |= _composed(_output_sources(nested, index, walk), EXPRESSION)
    return found


def _clauses(query: exp.Select) -> Iterator[tuple[str, exp.Expr]]:
    """(kind, expression) of the clauses of one SELECT that read columns without passing them
    into an output value; windows of nested queries belong to those queries' scopes."""
    for join in query.args.get("joins") or []:
        if join.args.get("on") is not None:
            yield JOIN, join.args["on"]
        for name in join.args.get("using") or []:
            yield JOIN, name
    for key, kind in (("where", FILTER), ("having", FILTER), ("group", GROUP_BY), ("order", SORT)):
        if query.args.get(key) is not None:
            yield kind, query.args[key]
    for node in query.walk(prune=lambda n: n is not query and isinstance(n, _QUERY)):
        if isinstance(node, exp.Window):
            for part in node.args.get("partition_by") or []:
                yield WINDOW, part
            if node.args.get("order") is not None:
                yield WINDOW, node.args["order"]


def _clause_sources(scope: Scope, clause: exp.Expr, walk: _Walk) -> set[SourceColumn]:
    """Every source column a clause reads, through nested queries in it too."""
    query = scope.expression
    outputs = list(query.named_selects) if isinstance(query, exp.Select) else []
    found: set[SourceColumn] = set()
    for node in clause.walk(prune=lambda n: n is not clause and isinstance(n, _QUERY)):
        if isinstance(node, exp.Column):
            if not node.table and node.name in outputs and isinstance(query, exp.Select):
                # ORDER BY an output column's alias reads what that column is computed from.
                projection = query.selects[outputs.index(node.name)]
                found |= _projection_sources(scope, projection, walk)
            else:
                found |= _column_sources(scope, node, DIRECT, walk)
        elif isinstance(node, _QUERY) and node is not clause:
            nested = walk.scope_of(node)
            for index in range(len(node.named_selects)):
                found |= _output_sources(nested, index, walk)
    return found


def _column_sources(
    scope: Scope, column: exp.Column, transformation: str, walk: _Walk
) -> set[SourceColumn]:
    """Sources of a column reference; t.* inside an expression (a whole row) reads them all."""
    source = _find_source(scope, column.table)
    whole_row = isinstance(column.this, exp.Star)
    function = _set_returning_function(source)
    if function is not None:
        outer = source.parent if isinstance(source, Scope) and source.parent else scope
        return _function_sources(outer, function, transformation, walk)
    if isinstance(source, exp.Table):
        if not isinstance(source.this, exp.Identifier):
            return set()
        relation = walk.schema_columns.get(source.db, {}).get(source.name, ())
        names = list(relation) if whole_row else [column.name]
        return {(source.db, source.name, name, transformation) for name in names}
    if isinstance(source, Scope):
        subquery = _query_scope(source, walk)
        outputs = _output_names(subquery.expression)
        if whole_row:
            indexes = list(range(len(outputs)))
        else:
            indexes = [outputs.index(column.name)] if column.name in outputs else []
        found: set[SourceColumn] = set()
        for index in indexes:
            found |= _output_sources(subquery, index, walk)
        return _composed(found, transformation)
    return set()  # VALUES lists and other sources without columns of a relation


def _set_returning_function(source: exp.Table | Scope | None) -> exp.Expr | None:
    """The function call of `LATERAL f(...) alias(...)` or of `FROM f(...) alias`, or None."""
    node = source.expression if isinstance(source, Scope) else source
    inner = node.this if isinstance(node, exp.Lateral | exp.Table) else None
    if isinstance(node, exp.Lateral) and isinstance(inner, exp.Expr):
        return None if isinstance(inner, exp.Subquery) else inner
    if isinstance(inner, exp.Func):
        return inner
    return node if isinstance(node, exp.Unnest) else None


def _function_sources(
    scope: Scope, function: exp.Expr, transformation: str, walk: _Walk
) -> set[SourceColumn]:
    """A set-returning function's output columns (jsonb_each_text(x.col), unnest(x.arr)) are
    computed from the columns its arguments read: each is an expression of them."""
    found: set[SourceColumn] = set()
    for node in function.walk(prune=lambda n: isinstance(n, _QUERY)):
        if isinstance(node, exp.Column) and node.table:
            found |= _column_sources(scope, node, EXPRESSION, walk)
    return _composed(found, transformation)


def _query_scope(scope: Scope, walk: _Walk) -> Scope:
    """LATERAL (SELECT ...) is scoped as the LATERAL node; its subquery holds the columns."""
    node = scope.expression
    if isinstance(node, exp.Lateral) and isinstance(node.this, exp.Subquery):
        return walk.scope_of(node.this.unnest())
    return scope


def _output_names(node: exp.Expr) -> list[str]:
    return list(node.named_selects) if isinstance(node, exp.Query) else []


def _find_source(scope: Scope, alias: str) -> exp.Table | Scope | None:
    """The relation or subquery an alias names, looking outwards for correlated columns."""
    current: Scope | None = scope
    while current is not None:
        if alias in current.sources:
            return current.sources[alias]
        current = current.parent
    return None


def _is_pass_through(expression: exp.Expr) -> bool:
    """A bare column, possibly cast or parenthesised: the value is passed through."""
    while isinstance(expression, exp.Cast | exp.Paren):
        expression = expression.this
    return isinstance(expression, exp.Column) and not isinstance(expression.this, exp.Star)


def _is_aggregated(column: exp.Column, root: exp.Expr) -> bool:
    node = column.parent
    while node is not None and node is not root.parent:
        if isinstance(node, _AGGREGATING) and not isinstance(node, _ROW_PICKING):
            return True
        node = node.parent
    return False


def _composed(sources: set[SourceColumn], outer: str) -> set[SourceColumn]:
    return {
        (schema, table, column, max(inner, outer, key=_STRENGTH.__getitem__))
        for schema, table, column, inner in sources
    }


def _strongest(sources: set[SourceColumn]) -> set[SourceColumn]:
    """One entry per source column, keeping its strongest transformation."""
    best: dict[tuple[str, str, str], str] = {}
    for schema, table, column, transformation in sources:
        key = (schema, table, column)
        if key not in best or _STRENGTH[transformation] > _STRENGTH[best[key]]:
            best[key] = transformation
    return {(*key, transformation) for key, transformation in best.items()}
