"""Benchmark: the workflow path against the core extraction alone, in one run.

core      run_extraction() in this process (plan, one part per database, finish)
workflow  the same extraction as MetadataExtractionWorkflow on an embedded Temporal dev
          server with an in-process worker: start_workflow() to result, the server already up
startup   starting the embedded dev server and connecting to it (paid once per CLI call)

  python -m bench.workflow_bench --dsn postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from bench.common import prepare
from sourcesense.extract.run import ExtractRequest, run_extraction
from sourcesense.settings import Settings
from sourcesense.source import parse_dsn
from sourcesense.store.rundir import new_run_id
from sourcesense.workflow.inputs import ExtractionInput, SourceSpec
from sourcesense.workflow.runtime import connect_client, embedded_temporal, new_worker
from sourcesense.workflow.submit import follow


def core_seconds(conninfo: str, data_dir: Path) -> float:
    started = time.perf_counter()
    run_extraction(ExtractRequest(parse_dsn(conninfo)), data_dir)
    return time.perf_counter() - started


async def measure(conninfo: str, rounds: int) -> dict[str, Any]:
    cores, flows = [], []
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), task_queue=f"bench-{uuid.uuid4()}")
        began = time.perf_counter()
        async with embedded_temporal(settings.data_dir) as server:
            client = await connect_client(settings, server.address, wait_s=20)
            startup = time.perf_counter() - began
            async with new_worker(client, settings):
                source = SourceSpec.of(parse_dsn(conninfo))
                core_seconds(conninfo, Path(tmp))  # warm-up, outside the figures
                for _ in range(rounds):
                    cores.append(await asyncio.to_thread(core_seconds, conninfo, Path(tmp)))
                    # The same work as the core: raw extraction only (no lineage, quality, formats).
                    inp = ExtractionInput(
                        source, str(settings.data_dir), new_run_id(), lineage=False,
                        quality=False, formats=[],
                    )  # fmt: skip
                    started = time.perf_counter()
                    await follow(client, inp, settings, None)
                    flows.append(time.perf_counter() - started)
    core, flow = statistics.median(cores), statistics.median(flows)
    return {
        "core_s": round(core, 3),
        "workflow_s": round(flow, 3),
        "workflow_overhead_s": round(flow - core, 3),
        "embedded_server_startup_s": round(startup, 3),
        "rounds": rounds,
        "cores": [round(x, 3) for x in cores],
        "workflows": [round(x, 3) for x in flows],
    }


def main() -> int:
    args, conninfo, facts = prepare(__doc__.splitlines()[0] if __doc__ else None)
    print(json.dumps(facts | asyncio.run(measure(conninfo, args.rounds)), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
