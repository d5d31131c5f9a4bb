"""Benchmark: the built-in Atlan transformer alone, on a run that is already extracted.

Runs transform_atlan (incremental off, the default options) into a fresh folder and prints
its wall time, the process's peak RSS (resource.getrusage: the step is all this process
does besides imports) and the sha256 of every file it wrote, so that another
implementation can be checked byte for byte against this one on the same run.

    python -m sourcesense extract --dsn postgresql://postgres@127.0.0.1:5432/sourcesense_bench_10k \
        --out /tmp/atlan-10k --format none
    python -m bench.atlan_bench /tmp/atlan-10k/runs/<run id> /tmp/atlan-10k-out
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import shutil
import time
from pathlib import Path

from sourcesense.transform.atlan import transform_atlan
from sourcesense.transform.context import TransformContext


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path, help="an extracted run (runs/<run id>)")
    parser.add_argument("out_dir", type=Path, help="emptied, then written")
    args = parser.parse_args()
    shutil.rmtree(args.out_dir, ignore_errors=True)
    args.out_dir.mkdir(parents=True)
    manifest = json.loads((args.run_dir / "manifest.json").read_text())
    context = TransformContext(args.run_dir, args.out_dir, manifest, {}, incremental=False)
    start = time.perf_counter()
    result = transform_atlan(context)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"atlan step: {seconds:.2f} s, peak RSS {peak:.0f} MB, {result.entities} entities")
    for path in sorted(p for p in args.out_dir.rglob("*") if p.is_file()):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        print(digest, path.relative_to(args.out_dir))


if __name__ == "__main__":
    main()
