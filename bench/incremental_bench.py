"""Benchmark: an incremental re-run after 10 tables changed, against the first run.

Each round, in a fresh data dir, on the same catalog:
  first    the default `sourcesense extract` (lineage, quality statistics, Atlan and
           OpenLineage output); nothing earlier to reuse, so everything is computed
  change   ALTER TABLE ... ADD COLUMN on 10 tables no view reads (so exactly 10 relations
           change; a table a view reads would rightly bring the view along)
  rerun    the same command again: it reads the whole catalog, then copies the previous
           run's lineage, quality and output for every unchanged relation
and then drops the added columns. It prints the medians, the rerun/first ratio, peak RSS, and
checks from each rerun's manifest that every step recomputed exactly the 10 changed tables.

    python -m bench.incremental_bench --dsn postgresql://postgres@127.0.0.1:5432/postgres
    python -m bench.incremental_bench        # embedded PostgreSQL 18, catalog built on first use
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

import psycopg

from bench.common import prepare
from bench.extract_bench import extract_run
from sourcesense.cli_render import incremental_lines

CHANGED = 10

# Plain tables that no view or materialized view reads, a different ten each round.
_UNREAD_TABLES = """
SELECT n.nspname, c.relname
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND NOT c.relispartition AND n.nspname LIKE 'bench%%'
  AND NOT EXISTS (
      SELECT 1 FROM pg_catalog.pg_depend d
      JOIN pg_catalog.pg_rewrite r ON r.oid = d.objid
      WHERE d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass
        AND d.refobjid = c.oid AND r.ev_class <> c.oid)
ORDER BY n.nspname, c.relname
LIMIT %s OFFSET %s
"""


def change_tables(conninfo: str, round_no: int, undo: bool = False) -> list[str]:
    """Add (or, with undo, drop) a column on ten unread tables; their names, as the manifest
    lists relations (database.schema.table)."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        tables = conn.execute(_UNREAD_TABLES, (CHANGED, round_no * CHANGED)).fetchall()
        for schema, table in tables:
            qualified = f'"{schema}"."{table}"'
            action = "DROP COLUMN bench_extra" if undo else "ADD COLUMN bench_extra integer"
            conn.execute(f"ALTER TABLE {qualified} {action}")
        return sorted(f"{conn.info.dbname}.{schema}.{table}" for schema, table in tables)


def latest_manifest(out: Path) -> dict[str, Any]:
    newest = sorted((out / "runs").iterdir())[-1]
    manifest: dict[str, Any] = json.loads((newest / "manifest.json").read_text())
    return manifest


def recomputed_by_step(manifest: dict[str, Any]) -> dict[str, list[str]]:
    steps = manifest["steps"]
    found = {name: steps[name]["incremental"] for name in ("lineage", "data_quality")}
    found |= {name: r["incremental"] for name, r in steps["transformation"]["formats"].items()}
    return {name: summary["recomputed_relations"] for name, summary in found.items()}


def measure(conninfo: str, rounds: int) -> dict[str, Any]:
    firsts, reruns, checks = [], [], []
    for round_no in range(rounds):
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder)
            firsts.append(extract_run(conninfo, out, []))
            changed = change_tables(conninfo, round_no)
            try:
                reruns.append(extract_run(conninfo, out, []))
            finally:
                change_tables(conninfo, round_no, undo=True)
            manifest = latest_manifest(out)
        print("\n".join(incremental_lines(manifest)), file=sys.stderr)
        by_step = recomputed_by_step(manifest)
        checks.append(all(names == changed for names in by_step.values()))
        if not checks[-1]:
            print(f"round {round_no}: changed {changed}, recomputed {by_step}", file=sys.stderr)
    first = statistics.median(seconds for seconds, _, _ in firsts)
    rerun = statistics.median(seconds for seconds, _, _ in reruns)
    return {
        "first_run_s": round(first, 3),
        "rerun_s": round(rerun, 3),
        "ratio": round(rerun / first, 2),
        "ratios": [round(r / f, 2) for (f, _, _), (r, _, _) in zip(firsts, reruns, strict=True)],
        "first_run_peak_rss_mb": round(max(rss for _, rss, _ in firsts), 1),
        "rerun_peak_rss_mb": round(max(rss for _, rss, _ in reruns), 1),
        "changed_tables_per_round": CHANGED,
        "recomputed_exactly_the_changed_tables": all(checks),
        "rounds": rounds,
    }


def main() -> int:
    args, conninfo, facts = prepare(__doc__.splitlines()[0] if __doc__ else None)
    result = facts | measure(conninfo, args.rounds)
    print(json.dumps(result, indent=2))
    return 0 if result["recomputed_exactly_the_changed_tables"] else 1


if __name__ == "__main__":
    sys.exit(main())
