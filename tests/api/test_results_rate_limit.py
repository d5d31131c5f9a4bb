"""The rate limit counts API calls, per client and token: the UI's files are never counted,
and calls without the token do not use up the budget of the token's holder."""

from __future__ import annotations

from tests.api.conftest import AUTH, MakeApp, recording_client


async def test_static_files_are_not_counted_and_a_burst_gets_429(make_app: MakeApp) -> None:
    async with recording_client(make_app(rate_limit_per_minute=5)) as http:
        statics = [(await http.get(path)).status_code for path in ["/ui/", "/ui/app.js"] * 10]
        assert statics == [200] * 20
        anonymous = [(await http.get("/runs")).status_code for _ in range(6)]
        assert anonymous == [401] * 5 + [429]
        statuses = [(await http.get("/runs", headers=AUTH)).status_code for _ in range(5)]
        assert statuses == [200] * 5
        response = await http.get("/runs", headers=AUTH)
        assert response.status_code == 429
        assert response.headers["content-type"] == "application/json"
        assert response.json()["error"]["type"] == "TooManyRequests"
        assert (await http.get("/ui/js/api.js")).status_code == 200  # files still served
