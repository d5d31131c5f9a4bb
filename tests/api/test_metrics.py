"""/metrics counts runs by the status their manifests record, runs under way included."""

from __future__ import annotations

import json

import httpx

from sourcesense.settings import Settings
from tests.api.conftest import AUTH

STATUSES = ["extracting", "processing", "processing", "completed", "cancelled", "failed"]


async def test_metrics_count_every_status(http: httpx.AsyncClient, api_settings: Settings) -> None:
    for index, status in enumerate(STATUSES):
        run_id = f"20261127T08300{index}Z-3f9a1c"
        folder = api_settings.data_dir / "runs" / run_id
        folder.mkdir(parents=True)
        manifest = {"run_id": run_id, "status": status, "started_at": f"2026-11-27T08:30:0{index}"}
        (folder / "manifest.json").write_text(json.dumps(manifest))
    response = await http.get("/metrics", headers=AUTH)
    assert response.status_code == 200
    lines = set(response.text.splitlines())
    expected = {"extracting": 1, "processing": 2, "completed": 1, "completed_with_warnings": 0,
                "failed": 1, "cancelled": 1}  # fmt: skip
    for status, count in expected.items():
        assert f'sourcesense_runs_total{{status="{status}"}} {count}' in lines
    assert "sourcesense_runs_completed_total 1" in lines
    assert "sourcesense_runs_failed_total 1" in lines
    assert not any('status="running"' in line for line in lines)
