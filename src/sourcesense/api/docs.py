"""The API's documentation at /docs: Swagger UI from installed files, over a spec that declares
the API token as HTTP bearer security (so Swagger's Authorize button sends it).

The Swagger UI files come from the fastapi-offline package (a copy of swagger-ui-dist); the page
and its starter script are ours. The page, its files and /openapi.json are public: the spec
describes the API, which is the same in every installation and holds no data. Every API call
made from the page still needs the token.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

DOCS_URL = "/docs"
ASSETS_URL = "/docs/assets"
OPENAPI_URL = "/openapi.json"
SCHEME = "bearerAuth"
_PAGE_DIR = Path(__file__).parent.parent / "ui" / "docs"


def is_docs_path(path: str) -> bool:
    """Whether a request path is the docs page, one of its files, or the spec."""
    return path in (DOCS_URL, OPENAPI_URL) or path.startswith(ASSETS_URL + "/")


def add_docs(app: FastAPI, open_paths: set[str]) -> None:
    """Serve /docs and its files; declare bearer security on every operation but open_paths."""
    assets = StaticFiles(directory=_PAGE_DIR, packages=[("fastapi_offline", "static")])
    app.mount(ASSETS_URL, assets, name="docs-assets")
    app.add_api_route(DOCS_URL, _page, include_in_schema=False)
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        schema = generate()  # FastAPI builds it once and caches it on the app
        if SCHEME not in schema.get("components", {}).get("securitySchemes", {}):
            _declare_bearer(schema, open_paths)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _page() -> FileResponse:
    return FileResponse(_PAGE_DIR / "index.html", media_type="text/html")


def _declare_bearer(schema: dict[str, Any], open_paths: set[str]) -> None:
    schemes = schema.setdefault("components", {}).setdefault("securitySchemes", {})
    schemes[SCHEME] = {
        "type": "http",
        "scheme": "bearer",
        "description": "The API token: `sourcesense serve` prints where it is kept.",
    }
    schema["security"] = [{SCHEME: []}]
    refused = {"description": "Missing or wrong API token", "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/ErrorResponse"}}}}  # fmt: skip
    for path, operations in schema.get("paths", {}).items():
        for operation in operations.values():
            if path in open_paths:
                operation["security"] = []
            else:
                operation.setdefault("responses", {}).setdefault("401", refused)
