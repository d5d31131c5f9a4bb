"""Benchmark: the results API of a real `sourcesense serve` on a 10,000-table run, under load.

  run       the catalog (bench/make_catalog.py) is built when missing and extracted once with
            the default pipeline into the data dir; a data dir that already holds a run is
            reused as it is (bench/export_bench.py's extracted_run)
  serve     `python -m sourcesense serve` on that data dir, a known token, a free port, the
            rate limit raised out of the way (the load is one token's)
  cold      one request of each kind, sort order and search the load uses, in turn: the first
            read builds the kind's index, sort order or table lookup (reported apart)
  load      N concurrent clients (default 10, asyncio + httpx, gzip) over loopback, each
            sending R requests (default 200) drawn from three mixes as the UI sends them:
              search  text (names, comments, types) over schemas, tables or columns, with
                      facet counts, or a PII / has-comment filter;
              paging  a page of 100 tables at a random offset, sorted by a random column;
              table   the seven requests of a table page: its relation, columns, constraints,
                      indexes, column profiles, findings and table-level lineage edges
            while the RSS of serve (and of its process tree, the embedded Temporal server
            included) is sampled every 20 ms

It prints the figures as JSON (latency percentiles per mix and overall, peak RSS) and exits 1
if a p99 reaches --limit-ms (100) or serve's peak RSS --limit-mb (500), or a request fails.

    python -m bench.results_api_bench --data-dir /tmp/results-bench \\
        --dsn postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

from bench.export_bench import MB, Server, extracted_run, serving

DEFAULT_DATA_DIR = Path(tempfile.gettempdir()) / "sourcesense-results-bench"
TERMS = ("email", "bigint", "jsonb", "t_01", "t_004", "bench_s2", "created", "uuid",
         "mv_00", "amount", "status", "timestamp", "_id", "numeric", "v_0")  # fmt: skip
SORTS = ("table_name", "-size_bytes", "-row_estimate", "kind", "-column_count", "schema_name")
TABLE_KINDS = ("relations", "columns", "constraints", "indexes", "column_profiles", "findings")
EDGE_FIELDS = ("edge_kind,level,catalog_name,source_schema,source_table,target_schema,"
               "target_table,constraint_name")  # fmt: skip


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database", default="sourcesense_bench_10k")
    parser.add_argument("--tables", type=int, default=10_000)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--requests", type=int, default=200, help="per client")
    parser.add_argument("--limit-ms", type=float, default=100.0)
    parser.add_argument("--limit-mb", type=float, default=500.0)
    parser.add_argument("--seed", type=int, default=15)
    return parser.parse_args()


@dataclass
class Workload:
    """The requests of each mix, as (mix, path, params) lists drawn from the run's tables."""

    run_id: str
    tables: list[dict[str, Any]]
    total: int
    rng: random.Random

    def search(self) -> list[tuple[str, dict[str, Any]]]:
        kind = self.rng.choice(("schemas", "relations", "columns"))
        params: dict[str, Any] = {"kind": kind, "facets": "true", "limit": 50}
        choice = self.rng.random()
        if choice < 0.7:
            params["text"] = self.rng.choice(TERMS)
        elif choice < 0.85 and kind == "columns":
            params["pii"] = self.rng.choice(("any", "email", "none"))
        else:
            params["has_comment"] = self.rng.choice(("true", "false"))
        return [("search", params)]

    def paging(self) -> list[tuple[str, dict[str, Any]]]:
        offset = self.rng.randrange(0, max(1, self.total - 100), 100)
        sort = self.rng.choice(SORTS)
        return [("paging", {"kind": "relations", "sort": sort, "offset": offset, "limit": 100})]

    def table_page(self) -> list[tuple[str, dict[str, Any]]]:
        table = self.rng.choice(self.tables)
        where = {"database": table["catalog_name"], "schema": table["schema_name"],
                 "table": table["table_name"]}  # fmt: skip
        requests = [("table", {"kind": kind, **where, "limit": 500}) for kind in TABLE_KINDS]
        lineage = {"kind": "lineage", **where, "level": "table", "fields": EDGE_FIELDS}
        return [*requests, ("table", {**lineage, "limit": 500})]

    def draw(self) -> list[tuple[str, dict[str, Any]]]:
        mix = self.rng.choice((self.search, self.paging, self.table_page))
        return mix()


@dataclass
class Timings:
    ms: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    bytes: int = 0

    def add(self, mix: str, seconds: float) -> None:
        self.ms.setdefault(mix, []).append(seconds * 1000)


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    cuts = statistics.quantiles(ordered, n=100, method="inclusive") if len(ordered) > 1 else []

    def at(p: int) -> float:
        return round(cuts[p - 1] if cuts else ordered[0], 1)

    return {"n": len(ordered), "p50": at(50), "p95": at(95), "p99": at(99),
            "max": round(ordered[-1], 1)}  # fmt: skip


@dataclass
class RssSampler:
    server: Server
    peak_main: int = 0
    peak_tree: int = 0
    stopped: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        while not self.stopped.is_set():
            with contextlib.suppress(psutil.Error):
                main, tree = self.server.tree_rss()
                self.peak_main, self.peak_tree = (
                    max(self.peak_main, main),
                    max(self.peak_tree, tree),
                )
            time.sleep(0.02)


async def fetch(client: httpx.AsyncClient, run_id: str, params: dict[str, Any],
                timings: Timings, mix: str) -> None:  # fmt: skip
    started = time.perf_counter()
    response = await client.get(f"/workflows/v1/results/{run_id}",
                                params={**params, "manifest": "false"})  # fmt: skip
    body = await response.aread()
    timings.add(mix, time.perf_counter() - started)
    timings.bytes += len(body)
    if response.status_code != 200:
        timings.errors.append(f"{response.status_code} {params}: {body[:200]!r}")


async def one_client(server: Server, work: Workload, requests: int, timings: Timings) -> None:
    headers = {"Authorization": f"Bearer {server.token}"}
    async with httpx.AsyncClient(base_url=server.base, headers=headers, timeout=60) as client:
        sent = 0
        while sent < requests:
            for mix, params in work.draw():
                await fetch(client, work.run_id, params, timings, mix)
                sent += 1


async def load(server: Server, work: Workload, clients: int, requests: int) -> Timings:
    timings = Timings()
    await asyncio.gather(*(one_client(server, work, requests, timings) for _ in range(clients)))
    return timings


def cold(server: Server, work: Workload) -> dict[str, float]:
    """The first request of each kind, one at a time: the index builds."""
    found: dict[str, float] = {}
    headers = {"Authorization": f"Bearer {server.token}"}
    with httpx.Client(base_url=server.base, headers=headers, timeout=120) as client:
        warm = [*work.table_page(),
                *[("paging", {"kind": "relations", "sort": sort}) for sort in SORTS],
                *[("search", {"kind": kind, "text": "x", "facets": "true"})
                  for kind in ("schemas", "relations", "columns")]]  # fmt: skip
        for mix, params in warm:
            started = time.perf_counter()
            response = client.get(f"/workflows/v1/results/{work.run_id}", params=params)
            response.raise_for_status()
            name = f"{mix}:{params['kind']}" + (f":{params['sort']}" if "sort" in params else "")
            found[name] = round((time.perf_counter() - started) * 1000, 1)
    return found


def all_tables(server: Server, run_id: str) -> list[dict[str, Any]]:
    headers = {"Authorization": f"Bearer {server.token}"}
    tables: list[dict[str, Any]] = []
    with httpx.Client(base_url=server.base, headers=headers, timeout=120) as client:
        offset = 0
        while True:
            params: dict[str, str | int] = {
                "kind": "relations", "fields": "catalog_name,schema_name,table_name",
                "manifest": "false", "offset": offset, "limit": 500,
            }  # fmt: skip
            page = client.get(f"/workflows/v1/results/{run_id}", params=params).json()
            tables.extend(page["entities"]["items"])
            offset += 500
            if offset >= page["entities"]["total"]:
                return tables


def main() -> int:
    args = parse_args()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    run_id, facts = extracted_run(args)
    # One token sends the whole load: the per-token limit would answer 429 to most of it.
    os.environ["SOURCESENSE_RATE_LIMIT_PER_MINUTE"] = "100000000"
    with serving(args.data_dir, exports=2) as server:
        rss_ready = server.tree_rss()
        sampler = RssSampler(server)
        thread = threading.Thread(target=sampler.run, daemon=True)
        thread.start()
        tables = all_tables(server, run_id)
        # Not for secrets: a seeded draw, so that runs of the bench send the same requests.
        work = Workload(run_id, tables, len(tables), random.Random(args.seed))  # noqa: S311
        cold_ms = cold(server, work)
        serve, client = psutil.Process(server.process.pid), psutil.Process()
        cpu_before = (sum(serve.cpu_times()[:2]), sum(client.cpu_times()[:2]))
        started = time.perf_counter()
        timings = asyncio.run(load(server, work, args.clients, args.requests))
        seconds = time.perf_counter() - started
        cpu = (sum(serve.cpu_times()[:2]) - cpu_before[0],
               sum(client.cpu_times()[:2]) - cpu_before[1])  # fmt: skip
        load_average = os.getloadavg()[0]
        sampler.stopped.set()
        thread.join()
        rss_after = server.tree_rss()
    every = [ms for values in timings.ms.values() for ms in values]
    report = {
        **facts, "run_id": run_id, "clients": args.clients, "cpus": os.cpu_count(),
        "requests": len(every), "seconds": round(seconds, 1),
        "requests_per_s": round(len(every) / seconds, 1),
        "mb_received": round(timings.bytes / MB, 1),
        "cpu_s": {"serve": round(cpu[0], 1), "client": round(cpu[1], 1)},
        "load_average_1m": round(load_average, 1),
        "cold_ms": cold_ms,
        "latency_ms": {mix: percentiles(values) for mix, values in sorted(timings.ms.items())},
        "latency_all_ms": percentiles(every),
        "rss_mb": {
            "serve_ready": round(rss_ready[0] / MB), "tree_ready": round(rss_ready[1] / MB),
            "serve_peak": round(sampler.peak_main / MB), "tree_peak": round(sampler.peak_tree / MB),
            "serve_after": round(rss_after[0] / MB), "tree_after": round(rss_after[1] / MB),
        },
        "errors": timings.errors[:5],
    }  # fmt: skip
    print(json.dumps(report, indent=2))
    worst = max(values["p99"] for values in report["latency_ms"].values())
    problems = []
    if worst >= args.limit_ms:
        problems.append(f"a p99 of {worst} ms reaches {args.limit_ms} ms")
    if sampler.peak_main / MB >= args.limit_mb:
        problems.append(f"serve's peak RSS {sampler.peak_main / MB:.0f} MB reaches {args.limit_mb}")
    if timings.errors:
        problems.append(f"{len(timings.errors)} requests failed")
    for problem in problems:
        print(f"FAIL: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
