"""The SQL of every kind returns exactly the documented Arrow schema's columns, in order."""

from __future__ import annotations

import pytest

from sourcesense.extract.catalog import QueryOptions, query_params, query_text
from sourcesense.extract.filters import Filters
from sourcesense.extract.schemas import SCHEMAS
from tests.pg import PgServer


@pytest.mark.parametrize("kind", list(SCHEMAS))
def test_query_columns_match_schema(pg: PgServer, kind: str) -> None:
    params = query_params(Filters(), QueryOptions(), None)
    with pg.connect() as conn, conn.cursor() as cur:
        cur.execute(f"SELECT * FROM ({query_text(kind)}) q LIMIT 0", params)
        assert cur.description is not None
        names = [col.name for col in cur.description]
    assert names == SCHEMAS[kind].names
