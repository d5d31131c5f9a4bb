"""Benchmark: concurrent JSONL exports of a 10,000-table run from a real `sourcesense serve`.

  run       the catalog (bench/make_catalog.py) is built when missing and extracted once with
            the default pipeline (raw, lineage, quality, Atlan and OpenLineage output) into the
            data dir; a data dir that already holds a run is reused as it is
  serve     `python -m sourcesense serve` on that data dir, a known token, a free port
  exports   N concurrent `GET /runs/{id}/export?format=jsonl` (default 4), each downloaded in
            1 MiB reads and thrown away, while the RSS of serve's process tree (serve and its
            embedded Temporal server) is sampled every 20 ms and /health is timed every 250 ms
  one more  once all N hold a slot (N temporary zips being built, or responses streaming), one
            more export is asked for: it must get 429 with Retry-After

It prints the figures as JSON and exits 1 if the peak RSS growth is 200 MB or more (--limit-mb)
or the extra export is not refused with 429.

    python -m bench.export_bench --dsn postgresql://postgres@127.0.0.1:5432/postgres
    python -m bench.export_bench --data-dir /tmp/export-bench   # that data dir's run, if any
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
from psycopg.conninfo import make_conninfo

from bench.common import ensure_catalog
from bench.extract_bench import extract_run

EXPORTS_DIR = ".exports"  # where serve builds its temporary zips (sourcesense.api.exports)
MB = 2**20
DEFAULT_DATA_DIR = Path(tempfile.gettempdir()) / "sourcesense-export-bench"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database", default="sourcesense_bench_10k")
    parser.add_argument("--tables", type=int, default=10_000)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--exports", type=int, default=4)
    parser.add_argument("--limit-mb", type=float, default=200.0)
    return parser.parse_args()


def extracted_run(args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    """The id of the run in the data dir, extracting the catalog first when there is none."""
    runs = args.data_dir / "runs"
    facts: dict[str, Any] = {}
    if not runs.exists() or not any(runs.glob("*/manifest.json")):
        ensure_catalog(args.dsn, args.database, args.tables)
        print(f"extracting {args.database} into {args.data_dir} ...", file=sys.stderr)
        seconds, _, _ = extract_run(
            make_conninfo(args.dsn, dbname=args.database), args.data_dir, []
        )
        facts["extract_s"] = round(seconds, 1)
    run = sorted(path.parent for path in runs.glob("*/manifest.json"))[-1]
    manifest = json.loads((run / "manifest.json").read_text())
    files = [path for path in run.rglob("*") if path.is_file()]
    facts |= {
        "run_counts": {k: manifest["counts"].get(k) for k in ("relations", "columns", "indexes")},
        "run_files": len(files),
        "run_mb": round(sum(path.stat().st_size for path in files) / MB, 1),
    }
    return run.name, facts


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base: str
    token: str

    def get(self, path: str, timeout: float = 600) -> Any:
        # Our own server's http:// address: no file: or other scheme can reach urlopen.
        headers = {"Authorization": f"Bearer {self.token}"}
        request = urllib.request.Request(self.base + path, headers=headers)  # noqa: S310
        return urllib.request.urlopen(request, timeout=timeout)  # noqa: S310

    def tree_rss(self) -> tuple[int, int]:
        """RSS of serve alone, and of serve with every process under it (bytes)."""
        own = psutil.Process(self.process.pid)
        total = main = own.memory_info().rss
        for child in own.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                total += child.memory_info().rss
        return main, total


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def serving(data_dir: Path, exports: int) -> Any:
    token, port = secrets.token_urlsafe(24), free_port()
    env = os.environ | {"SOURCESENSE_API_TOKEN": token,
                        "SOURCESENSE_MAX_CONCURRENT_EXPORTS": str(exports)}  # fmt: skip
    command = [sys.executable, "-m", "sourcesense", "serve", "--out", str(data_dir),
               "--port", str(port)]  # fmt: skip
    with open(data_dir / "export-bench-serve.log", "wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=log)
    server = Server(process, f"http://127.0.0.1:{port}", token)
    try:
        wait_ready(server)
        yield server
    finally:
        children = psutil.Process(process.pid).children(recursive=True)
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
        for child in children:  # the embedded Temporal server, should serve have left it
            with contextlib.suppress(psutil.Error):
                child.terminate()


def wait_ready(server: Server, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SystemExit(f"sourcesense serve exited with code {server.process.returncode}")
        with contextlib.suppress(OSError), server.get("/ready", timeout=5) as response:
            if response.status == 200:
                return
        time.sleep(0.25)
    raise SystemExit("sourcesense serve did not become ready")


@dataclass
class Download:
    status: int = 0
    streaming: bool = False
    done: bool = False
    bytes: int = 0
    content_length: int = -1
    seconds: float = 0.0
    error: str = ""

    def run(self, server: Server, path: str) -> None:
        started = time.perf_counter()
        try:
            with server.get(path) as response:
                self.status, self.streaming = response.status, True
                self.content_length = int(response.headers.get("Content-Length", -1))
                while chunk := response.read(MB):
                    self.bytes += len(chunk)
        except urllib.error.HTTPError as exc:
            self.status = exc.code
        except OSError as exc:
            self.error = str(exc)
        finally:
            self.seconds, self.done = time.perf_counter() - started, True


@dataclass
class Sampler:
    """Serve's RSS every 20 ms and /health's latency every 250 ms, until stopped."""

    server: Server
    peak_main: int = 0
    peak_tree: int = 0
    health_ms: list[float] = field(default_factory=list)
    stopped: threading.Event = field(default_factory=threading.Event)

    def sample_rss(self) -> None:
        while not self.stopped.is_set():
            with contextlib.suppress(psutil.Error):
                main, tree = self.server.tree_rss()
                self.peak_main = max(self.peak_main, main)
                self.peak_tree = max(self.peak_tree, tree)
            time.sleep(0.02)

    def time_health(self) -> None:
        while not self.stopped.is_set():
            started = time.perf_counter()
            with contextlib.suppress(OSError), self.server.get("/health", timeout=30):
                self.health_ms.append((time.perf_counter() - started) * 1000)
            time.sleep(0.25)


def all_hold_a_slot(data_dir: Path, downloads: list[Download]) -> bool:
    building = len(list((data_dir / EXPORTS_DIR).glob("*.zip")))
    streaming = sum(d.streaming and not d.done for d in downloads)
    return building + streaming >= len(downloads)


def one_more(server: Server, path: str) -> dict[str, Any]:
    """The extra export: its status and Retry-After. Under a server without the cap it is a
    fifth export; its response is closed at once, but the server has built it by then."""
    try:
        with server.get(path) as response:
            return {"status": response.status, "retry_after": None}
    except urllib.error.HTTPError as exc:
        body = json.loads(exc.read() or b"{}")
        error = body.get("error", {}).get("type")
        return {"status": exc.code, "retry_after": exc.headers.get("Retry-After"), "type": error}


def measure(server: Server, data_dir: Path, run_id: str, count: int) -> dict[str, Any]:
    time.sleep(2)  # let the fresh server settle before its baseline
    baseline_main, baseline_tree = server.tree_rss()
    path = f"/runs/{run_id}/export?format=jsonl"
    sampler, downloads = Sampler(server), [Download() for _ in range(count)]
    watchers = [threading.Thread(target=task) for task in (sampler.sample_rss, sampler.time_health)]
    threads = [threading.Thread(target=d.run, args=(server, path)) for d in downloads]
    for thread in watchers + threads:
        thread.start()
    extra: dict[str, Any] = {"status": None}
    while not all(d.done for d in downloads):
        if extra["status"] is None and all_hold_a_slot(data_dir, downloads):
            extra = {"peak_growth_before_mb": round((sampler.peak_tree - baseline_tree) / MB, 1)}
            extra |= one_more(server, path)
        time.sleep(0.05)
    for thread in threads:
        thread.join()
    time.sleep(1)
    _, after_tree = server.tree_rss()
    sampler.stopped.set()
    for thread in watchers:
        thread.join()
    health = sampler.health_ms or [0.0]
    return {
        "exports": count,
        "export_statuses": [d.status for d in downloads],
        "export_errors": [d.error for d in downloads if d.error],
        "complete_downloads": sum(d.bytes == d.content_length > 0 for d in downloads),
        "zip_mb": round(max(d.bytes for d in downloads) / MB, 1),
        "export_s": [round(d.seconds, 1) for d in downloads],
        "baseline_rss_mb": round(baseline_tree / MB, 1),
        "peak_rss_mb": round(sampler.peak_tree / MB, 1),
        "peak_growth_mb": round((sampler.peak_tree - baseline_tree) / MB, 1),
        "serve_alone_peak_growth_mb": round((sampler.peak_main - baseline_main) / MB, 1),
        "growth_after_mb": round((after_tree - baseline_tree) / MB, 1),
        "health_ms_median": round(statistics.median(health), 1),
        "health_ms_max": round(max(health), 1),
        "one_more": extra,
    }


def main() -> int:
    args = parse_args()
    args.data_dir.mkdir(parents=True, exist_ok=True)
    run_id, facts = extracted_run(args)
    facts |= {"tables": args.tables, "cpus": os.cpu_count()}
    with serving(args.data_dir, args.exports) as server:
        figures = facts | measure(server, args.data_dir, run_id, args.exports)
    print(json.dumps(figures, indent=2))
    refused = figures["one_more"]["status"] == 429 and figures["one_more"]["retry_after"]
    complete = figures["complete_downloads"] == args.exports
    return 0 if figures["peak_growth_mb"] < args.limit_mb and refused and complete else 1


if __name__ == "__main__":
    sys.exit(main())
