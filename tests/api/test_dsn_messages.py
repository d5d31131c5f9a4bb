"""A DSN pasted where the API expects a host: 422 JSON naming the field and saying what to do,
never echoing the DSN (it may carry a password)."""

from __future__ import annotations

import httpx
import pytest

from tests.api.conftest import AUTH

HINT = (
    "is a connection string (DSN), not a host: give its host, port, user, password and "
    "database as separate fields"
)


@pytest.mark.parametrize(
    "host", ["postgresql://u:Secret-55@127.0.0.1:5432/db", "host=127.0.0.1 password=Secret-55"]
)
async def test_dsn_as_host_is_refused_with_a_hint(http: httpx.AsyncClient, host: str) -> None:
    body = {"host": host, "user": "u"}
    preflight = await http.post("/workflows/v1/preflight", json=body, headers=AUTH)
    metadata = await http.get("/workflows/v1/metadata", params=body, headers=AUTH)
    for response, message in [(preflight, f"connection.host: {HINT}"), (metadata, f"host: {HINT}")]:
        assert response.status_code == 422, response.text
        assert response.json() == {"error": {"type": "InvalidHostError", "message": message}}
        assert "Secret" not in response.text
