"""Benchmark: `sourcesense --help` as a user runs it (a new process each time), with the
import of the CLI alone for reference. Target: under 0.5 s on the 2-core test machine.

    python -m bench.cli_help_bench [--rounds 10]

It runs the console script next to the interpreter when installed (`.venv/bin/sourcesense`),
else `python -m sourcesense`.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET_S = 0.5


def command() -> list[str]:
    script = Path(sys.executable).parent / "sourcesense"
    if script.exists():
        return [str(script)]
    found = shutil.which("sourcesense")
    return [found] if found else [sys.executable, "-m", "sourcesense"]


def timed(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=10)
    rounds = parser.parse_args().rounds
    cases = {
        "sourcesense --help": [*command(), "--help"],
        "sourcesense extract --help": [*command(), "extract", "--help"],
        "import sourcesense.cli": [sys.executable, "-c", "import sourcesense.cli"],
        "python (bare start)": [sys.executable, "-c", "pass"],
    }
    timed(cases["sourcesense --help"])  # warm the file cache
    for name, args in cases.items():
        times = [timed(args) for _ in range(rounds)]
        print(f"{name:28} median {statistics.median(times):.3f} s  min {min(times):.3f} s")
    median = statistics.median(timed(cases["sourcesense --help"]) for _ in range(rounds))
    verdict = "ok" if median < TARGET_S else "SLOWER THAN TARGET"
    print(f"sourcesense --help: {median:.3f} s against a target of {TARGET_S} s: {verdict}")


if __name__ == "__main__":
    main()
