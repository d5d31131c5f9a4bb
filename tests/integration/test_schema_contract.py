"""The SQL of every kind returns exactly the documented Arrow schema's columns, in order."""

from __future__ import annotations

import pytest

from sourcesense.extract.catalog import QueryOptions, query_params, query_text
from sourcesense.extract.filters import Filters
from sourcesense.extract.preflight import MIN_SERVER_VERSION
from sourcesense.extract.schemas import SCHEMAS
from tests.pg import PgServer


@pytest.mark.parametrize("kind", list(SCHEMAS))
def test_query_columns_match_schema(pg: PgServer, kind: str) -> None:
    # The newest SQL, and what is left for the oldest server supported (version-gated parts
    # out): both parse and give the same columns.
    params = query_params(Filters(), QueryOptions(), None)
    with pg.connect() as conn, conn.cursor() as cur:
        for version in (None, MIN_SERVER_VERSION):
            cur.execute(f"SELECT * FROM ({query_text(kind, version)}) q LIMIT 0", params)
            assert cur.description is not None
            names = [col.name for col in cur.description]
            assert names == SCHEMAS[kind].names, version
