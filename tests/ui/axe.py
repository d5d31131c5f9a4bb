"""axe-core (npm, installed by `scripts/setup --dev` into tests/ui/.axe) run on a page."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

AXE = Path(__file__).parent / ".axe" / "node_modules" / "axe-core" / "axe.min.js"


def check_axe(page: Page, name: str) -> None:
    """axe-core's serious and critical violations of the page as it is shown: none."""
    assert AXE.exists(), f"{AXE} missing: scripts/setup --dev installs axe-core"
    # Evaluated, not added as a <script>: the UI's Content-Security-Policy forbids inline ones.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    found = page.evaluate(
        """async () => (await axe.run(document, { resultTypes: ["violations"] })).violations
             .filter((v) => ["serious", "critical"].includes(v.impact))
             .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)"""
    )
    assert found == [], f"{name}: {found}"
