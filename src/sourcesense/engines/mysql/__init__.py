"""The MySQL/MariaDB engine (mysql:// and mariadb:// DSNs): one run database, the server's
catalog 'def'; each MySQL database is a schema of it."""

from __future__ import annotations

from sourcesense.engines import Engine
from sourcesense.engines.mysql.run import extract_part, plan_run, preflight

ENGINE = Engine(
    name="mysql",
    default_port=3306,
    preflight=preflight,
    plan_run=plan_run,
    extract_part=extract_part,
    profiling=False,  # quality from the catalog and statistics; no sampled profiling yet
)
