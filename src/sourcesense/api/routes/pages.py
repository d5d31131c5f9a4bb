"""What the UI's pages read besides the results API's pages: the rows of one table in every
kind at once (a table page makes one call, not one per kind), the runs of a scope, one
table's changes across them, and the grants of a role."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from sourcesense.api.deps import SettingsDep
from sourcesense.errors import ConfigError
from sourcesense.store.grants import role_grants, roles
from sourcesense.store.results import MAX_PAGE, IndexCache
from sourcesense.store.results import Query as ResultQuery
from sourcesense.store.runs import run_dir
from sourcesense.store.scope_history import scope_runs, table_history

router = APIRouter(prefix="/runs", tags=["runs"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such run"}}
Name = Annotated[str, Query(min_length=1, max_length=200)]
Database = Annotated[str | None, Query(max_length=200)]
# What a table page shows: the kinds with rows per table (lineage is asked for apart).
TABLE_KINDS = ("relations", "columns", "constraints", "indexes", "column_profiles", "findings",
               "triggers", "policies", "privileges")  # fmt: skip


@router.get("/{run_id}/table", responses=NOT_FOUND)
async def table_rows(
    run_id: str, settings: SettingsDep, request: Request, database: Name, schema: Name,
    table: Name, kinds: Annotated[str, Query(max_length=400)] = ",".join(TABLE_KINDS),
) -> dict[str, Any]:  # fmt: skip
    """Per kind asked for (comma-separated), the first 500 rows of one table:
    {kind: {"total", "items"}}; a kind with more is paged through the results API."""
    wanted = [kind for kind in kinds.split(",") if kind]
    unknown = [kind for kind in wanted if kind not in TABLE_KINDS]
    if unknown:
        raise ConfigError(f"unknown kind '{unknown[0][:40]}': one of {', '.join(TABLE_KINDS)}")
    index: IndexCache = request.app.state.results_index
    folder = run_dir(settings.data_dir, run_id)

    def read() -> dict[str, Any]:
        found = {}
        for kind in wanted:
            query = ResultQuery(kind, database=database, schema=schema, table=table, limit=MAX_PAGE)
            page = index.page(folder, query)
            found[kind] = {"total": page["total"], "items": page["items"]}
        return found

    body = await asyncio.to_thread(read)
    return dict(json.loads(json.dumps(body, default=str)))


@router.get("/{run_id}/scope", responses=NOT_FOUND)
async def scope(run_id: str, settings: SettingsDep) -> list[dict[str, Any]]:
    """The runs of the same scope (same source, filters and database selection), newest
    first, this one included: what a diff can compare it with."""
    return await asyncio.to_thread(scope_runs, settings.data_dir, run_id)


@router.get("/{run_id}/history", responses=NOT_FOUND)
async def history(
    run_id: str, settings: SettingsDep, database: Name, schema: Name, table: Name
) -> list[dict[str, Any]]:
    """One table's changes across the scope's successful runs up to this one, newest first:
    per run, its changes since the run before (renames followed)."""
    entries = await asyncio.to_thread(
        table_history, settings.data_dir, run_id, database, schema, table
    )
    return list(json.loads(json.dumps(entries, default=str)))


@router.get("/{run_id}/roles", responses=NOT_FOUND)
async def grant_roles(
    run_id: str, settings: SettingsDep, request: Request, database: Database = None
) -> list[dict[str, Any]]:
    """Every role holding a privilege in the run, with its number of grants."""
    index: IndexCache = request.app.state.results_index
    folder = run_dir(settings.data_dir, run_id)
    return await asyncio.to_thread(roles, index, folder, database)


@router.get("/{run_id}/roles/{role}", responses=NOT_FOUND)
async def grants_of_role(
    run_id: str, role: str, settings: SettingsDep, request: Request,
    database: Database = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:  # fmt: skip
    """One page of the privileges granted to a role (PUBLIC included as a role)."""
    index: IndexCache = request.app.state.results_index
    folder = run_dir(settings.data_dir, run_id)
    page = await asyncio.to_thread(role_grants, index, folder, role, database, offset, limit)
    return dict(json.loads(json.dumps(page, default=str)))
