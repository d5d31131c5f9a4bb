"""The PostgreSQL engine: its functions live in extract/ (it was the first engine)."""

from __future__ import annotations

from sourcesense.engines import Engine
from sourcesense.extract.preflight import preflight_postgresql
from sourcesense.extract.run import extract_postgresql_part, plan_postgresql_run

ENGINE = Engine(
    name="postgresql",
    default_port=5432,
    preflight=preflight_postgresql,
    plan_run=plan_postgresql_run,
    extract_part=extract_postgresql_part,
)
