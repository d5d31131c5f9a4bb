"""OpenLineage output: dataset events of tables and views, run events of views' jobs (see
events.py), optionally posted to an OpenLineage endpoint (delivery.py)."""

from __future__ import annotations

from sourcesense.transform.openlineage.delivery import check_openlineage_url
from sourcesense.transform.openlineage.events import namespace
from sourcesense.transform.openlineage.facets import OPENLINEAGE_VERSION, PRODUCER
from sourcesense.transform.openlineage.step import build_events, transform_openlineage

__all__ = [
    "OPENLINEAGE_VERSION",
    "PRODUCER",
    "build_events",
    "check_openlineage_url",
    "namespace",
    "transform_openlineage",
]
