"""Results of a run: pages of its entities, from the run's cached index (store.results)."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from sourcesense.api.deps import SettingsDep
from sourcesense.api.routes.workflows import PREFIX
from sourcesense.store.results import IndexCache
from sourcesense.store.results import Query as ResultQuery
from sourcesense.store.runs import run_dir
from sourcesense.store.summary import read_manifest

router = APIRouter(prefix="/workflows/v1", tags=["workflows"])


Text = Annotated[str | None, Query(max_length=200)]


PAGE_SCHEMA: dict[int | str, dict[str, Any]] = {
    200: {"description": "A page of entities", "content": {"application/json": {
        "schema": {"type": "object", "required": ["entities"]}}}},
    404: {"description": "No such run"},
}  # fmt: skip


@router.get("/results/{workflow}", response_class=Response, responses=PAGE_SCHEMA)
async def results(
    workflow: str,
    request: Request,
    settings: SettingsDep,
    kind: Annotated[str, Query(max_length=40)] = "relations",
    q: Annotated[str | None, Query(max_length=200, description="substring of the name")] = None,
    text: Annotated[
        str | None, Query(max_length=200, description="substring of names, comments or types")
    ] = None,
    database: Text = None,
    schema: Text = None,
    table: Annotated[
        str | None, Query(max_length=200, description="lineage: edges on either side")
    ] = None,
    level: Annotated[str | None, Query(max_length=20, description="lineage: table|column")] = None,
    sort: Annotated[
        str | None, Query(max_length=64, description="a column; -column: descending")
    ] = None,
    fields: Annotated[
        str | None, Query(max_length=2000, description="columns, comma-separated")
    ] = None,
    facets: bool = False,
    pii: Annotated[
        str | None,
        Query(max_length=40, description="columns: a PII class, 'any' or 'none'"),
    ] = None,
    has_comment: Annotated[
        bool | None, Query(description="rows with (true) or without (false) a comment")
    ] = None,
    manifest: Annotated[bool, Query(description="include the run's manifest")] = True,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Response:
    """One page of entities of `kind` matching the search, served from the run's cached
    index, with the manifest (unless manifest=false) and facet counts (facets=true: per
    catalog_name, schema_name, kind, pii_class and has_comment, of all that matched)."""
    folder = run_dir(settings.data_dir, workflow.removeprefix(PREFIX))
    wanted = tuple(name for name in (fields or "").split(",") if name)
    query = ResultQuery(kind, q, text, database, schema, table, level, sort, wanted, facets,
                        offset, limit, pii, has_comment)  # fmt: skip
    index: IndexCache = request.app.state.results_index
    page = await asyncio.to_thread(index.page, folder, query)
    body: dict[str, Any] = {"entities": page}
    if manifest:
        body["manifest"] = read_manifest(folder)
    # Serialised once, here: dates and decimals as text; no model to validate a page against.
    content = json.dumps(body, default=str, separators=(",", ":"), allow_nan=False)
    return Response(content, media_type="application/json")
