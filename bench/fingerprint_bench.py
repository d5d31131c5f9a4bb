"""Benchmark: writing incremental/fingerprints.parquet, against reading what it reads.

One raw extraction of the catalog (the core function, no workflow) gives the run's raw files;
then, alternating, in rounds (medians reported, and their ratio):
  floor         read the raw Parquet files the fingerprints come from (relations, columns,
                constraints, indexes, triggers, privileges, view_dependencies, column_stats)
  fingerprints  write_fingerprints(run_dir): the same reads, the hashes, the file written
It also prints a digest of the file's rows: an implementation that must keep the fingerprints
identical can be checked against an earlier one on the same catalog.

    python -m bench.fingerprint_bench --dsn postgresql://postgres@127.0.0.1:5432/postgres \
        --database sourcesense_bench_2k --tables 2000
"""

from __future__ import annotations

import hashlib
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq

from bench.common import prepare
from sourcesense.extract.run import ExtractRequest, run_extraction
from sourcesense.incremental.fingerprints import FINGERPRINTS_FILE, write_fingerprints
from sourcesense.source import parse_dsn

KINDS = ("relations", "columns", "constraints", "indexes", "triggers", "privileges",
         "view_dependencies", "column_stats")  # fmt: skip


def floor(run_dir: Path) -> None:
    for kind in KINDS:
        path = run_dir / "raw" / f"{kind}.parquet"
        if path.exists():
            pq.read_table(path)


def timed(work: Callable[[Path], object], run_dir: Path) -> float:
    clock = time.perf_counter()
    work(run_dir)
    return time.perf_counter() - clock


def rows_digest(run_dir: Path) -> str:
    table = pq.read_table(run_dir / FINGERPRINTS_FILE).sort_by("fingerprint")
    return hashlib.sha256(json.dumps(table.to_pylist()).encode()).hexdigest()[:16]


def main() -> None:
    args, conninfo, facts = prepare(__doc__.splitlines()[0] if __doc__ else None)
    works: dict[str, Callable[[Path], object]] = {
        "floor": floor, "fingerprints": write_fingerprints,
    }  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        run_dir = Path(run_extraction(ExtractRequest(parse_dsn(conninfo)), Path(tmp)).run_dir)
        relations = write_fingerprints(run_dir)  # warm-up
        digest = rows_digest(run_dir)
        seconds: dict[str, list[float]] = {name: [] for name in works}
        for _ in range(max(args.rounds, 5)):
            for name, work in works.items():
                seconds[name].append(timed(work, run_dir))
    median = {name: statistics.median(values) for name, values in seconds.items()}
    print(json.dumps(facts | {
        "relations": relations, "rows_digest": digest,
        **{f"{name}_s": round(value, 4) for name, value in median.items()},
        "ratio": round(median["fingerprints"] / median["floor"], 2),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
