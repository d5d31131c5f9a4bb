"""Benchmark: the web UI's relationship graph of a 10,000-table run, in headless Chromium.

  run     the catalog (bench/make_catalog.py) is built when missing and extracted once into the
          data dir (bench.export_bench.extracted_run); a data dir holding a run is reused
  serve   `python -m sourcesense serve` on that data dir (bench.export_bench.serving)
  page    Chromium (playwright, --no-sandbox --disable-gpu) opens the run's graph page at
          1440x900 and waits for the first frame; then, with the whole graph in view (the
          worst case: every table and edge painted), pans with the arrow keys, zooms with the
          buttons and the mouse wheel, and drags; then the same zoomed in; then one schema with
          its columns on the tables (the ER view)
  figures the page's own performance measures: "graph-step" (an input to the end of its
          redraw), "graph-draw" (the redraw alone), "graph-build" (layout and first paint's
          setup); the first frame's time since navigation; median and max per phase

It prints the figures as JSON and exits 1 if any step's redraw took 100 ms or more (--limit-ms).

    python -m bench.ui_graph_bench --dsn postgresql://postgres@127.0.0.1:5432/postgres
    python -m bench.ui_graph_bench --data-dir /tmp/graph-bench   # that data dir's run, if any
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright

from bench.export_bench import extracted_run, serving

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu"]
DEFAULT_DATA_DIR = Path(tempfile.gettempdir()) / "sourcesense-graph-bench"
STEPS = 10


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--dsn", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database", default="sourcesense_bench_10k")
    parser.add_argument("--tables", type=int, default=10_000)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--schema", default="bench_s0", help="the schema of the filtered phase")
    parser.add_argument("--limit-ms", type=float, default=100.0)
    return parser.parse_args()


def measures(page: Page, name: str) -> list[float]:
    """The durations (ms) of the page's measures of that name, cleared after reading."""
    found = page.evaluate(
        "(name) => { const d = performance.getEntriesByName(name).map((e) => e.duration);"
        " performance.clearMeasures(name); return d; }",
        name,
    )
    return [float(value) for value in found]


def draws(page: Page) -> int:
    return int(page.locator("#graph-page canvas.graph-canvas").get_attribute("data-draws") or 0)


def step(page: Page, action: Any) -> None:
    """One input, then wait until its redraw has happened (one frame later)."""
    before = draws(page)
    action()
    page.wait_for_function(
        "(n) => Number(document.querySelector('#graph-page canvas.graph-canvas')"
        ".dataset.draws) > n",
        arg=before,
    )


def interact(page: Page) -> dict[str, Any]:
    """Pan, zoom (buttons, wheel) and drag; the step and draw times of them all."""
    canvas = page.locator("#graph-page canvas.graph-canvas")
    box = canvas.bounding_box()
    assert box is not None
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    measures(page, "graph-step")
    measures(page, "graph-draw")
    canvas.focus()
    for key in ["ArrowLeft", "ArrowUp", "ArrowRight", "ArrowDown"] * (STEPS // 4):
        step(page, lambda key=key: page.keyboard.press(key))
    for name in ["Zoom in", "Zoom out"] * (STEPS // 2):
        step(page, lambda name=name: page.get_by_role("button", name=name, exact=True).click())
    page.mouse.move(cx, cy)
    for delta in [-120, 120] * (STEPS // 2):
        step(page, lambda delta=delta: page.mouse.wheel(0, delta))
    page.mouse.down()
    for index in range(1, STEPS + 1):
        step(page, lambda index=index: page.mouse.move(cx + 15 * index, cy + 9 * index))
    page.mouse.up()
    return {"step_ms": summary(measures(page, "graph-step")),
            "draw_ms": summary(measures(page, "graph-draw"))}  # fmt: skip


def summary(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"n": 0}
    return {"n": len(values), "median": round(statistics.median(values), 1),
            "max": round(max(values), 1)}  # fmt: skip


def open_graph(page: Page, url: str) -> dict[str, Any]:
    started = time.perf_counter()
    page.goto(url)
    page.wait_for_selector("#graph-page canvas.graph-canvas[data-draws]", timeout=300_000)
    wall = time.perf_counter() - started
    canvas = page.locator("#graph-page canvas.graph-canvas")
    first = page.evaluate(
        "() => { const d = performance.getEntriesByName('graph-draw')[0];"
        " return d.startTime + d.duration; }"
    )
    return {
        "tables": int(canvas.get_attribute("data-nodes") or 0),
        "edges": int(canvas.get_attribute("data-edges") or 0),
        "first_frame_ms": round(float(first)),
        "build_ms": round(sum(measures(page, "graph-build"))),
        "wall_s": round(wall, 2),
    }


def run_page(base: str, token: str, run_id: str, schema: str) -> dict[str, Any]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        context.add_init_script(f"sessionStorage.setItem('sourcesense.apiToken', '{token}')")
        page = context.new_page()
        graph = f"{base}/ui/#/explore/{run_id}/graph"
        figures: dict[str, Any] = {"full": open_graph(page, graph)}
        figures["full"]["whole_graph_in_view"] = interact(page)
        for _ in range(6):
            step(page, lambda: page.get_by_role("button", name="Zoom in", exact=True).click())
        figures["full"]["zoomed_in"] = interact(page)
        page.goto("about:blank")
        er = open_graph(page, f"{graph}?schema={schema}&columns=1")
        er["columns"] = page.locator("#graph-page canvas.graph-canvas").get_attribute(
            "data-columns"
        )
        er["interaction"] = interact(page)
        figures[f"schema {schema}"] = er
        browser.close()
    return figures


def slowest(figures: dict[str, Any]) -> float:
    """The largest "max" anywhere in the figures (step times include their draws)."""
    found = [slowest(value) for value in figures.values() if isinstance(value, dict)]
    return max([*found, float(figures.get("max", 0.0))])


def main() -> int:
    args = parse_args()
    run_id, facts = extracted_run(args)
    with serving(args.data_dir, 4) as server:
        figures = run_page(server.base, server.token, run_id, args.schema)
    worst = max(slowest(phase) for phase in figures.values())
    print(json.dumps({"run": run_id, **facts, **figures, "worst_step_ms": worst}, indent=2))
    if worst >= args.limit_ms:
        print(f"a redraw took {worst} ms (limit {args.limit_ms} ms)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
