"""The session's real Temporal dev server (tests/workflow/conftest.py), for the schedules."""

from __future__ import annotations

from tests.workflow.conftest import client, temporal_address, temporal_db, temporal_env, wf_settings

__all__ = ["client", "temporal_address", "temporal_db", "temporal_env", "wf_settings"]
