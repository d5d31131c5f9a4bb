from __future__ import annotations

from pathlib import Path

import pytest

from sourcesense.errors import InvalidFilterError
from sourcesense.extract.catalog import query_text
from sourcesense.extract.filters import Filters, check_shape
from sourcesense.extract.schemas import DATABASE_KINDS, SCHEMAS
from sourcesense.output_docs import output_markdown
from sourcesense.workflow.workflows import KIND_STAGE, STAGES


def test_patterns_lists_only_given_filters() -> None:
    assert Filters(include_schema="^sales").patterns() == {"include_schema": "^sales"}


@pytest.mark.parametrize("pattern", ["x" * 1001, "a\x00b"])
def test_check_shape_rejects_unsendable_patterns(pattern: str) -> None:
    with pytest.raises(InvalidFilterError, match="--exclude-table"):
        check_shape(Filters(exclude_table=pattern))


@pytest.mark.parametrize("kind", ["databases", *DATABASE_KINDS])
def test_queries_bind_filters_and_never_interpolate(kind: str) -> None:
    text = query_text(kind)
    assert "/*scoped" not in text, "every include marker is substituted"
    assert "{" not in text and "format(" not in text
    if kind not in ("extensions",):
        assert "%(include_schema)s" in text or kind == "databases"


def test_sql_newer_than_the_server_is_left_out() -> None:
    for newest in (query_text("routines"), query_text("routines", 140000)):
        assert "pg_get_function_sqlbody(p.oid)" in newest and "/*since" not in newest
    oldest = query_text("routines", 130000)
    assert "sqlbody" not in oldest and "/*since" not in oldest and "/*end" not in oldest


def test_every_kind_has_a_query_and_a_schema() -> None:
    assert set(SCHEMAS) == {"databases", *DATABASE_KINDS}
    for kind in SCHEMAS:
        assert query_text(kind).strip()


def test_output_docs_are_current() -> None:
    docs = Path(__file__).parents[2] / "docs" / "OUTPUT.md"
    assert docs.read_text(encoding="utf-8") == output_markdown()


def test_every_kind_belongs_to_a_workflow_stage() -> None:
    # "foreign_keys" is no file of its own: the constraints that are foreign keys, counted apart.
    assert set(KIND_STAGE) == {*DATABASE_KINDS, "foreign_keys"}
    assert set(KIND_STAGE.values()) <= set(STAGES)
