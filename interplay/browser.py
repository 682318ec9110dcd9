"""Helpers for browser tests: accessibility scans with axe-core."""

from typing import Any

from axe_playwright_python.sync_playwright import Axe

BLOCKING_IMPACTS = {"serious", "critical"}


def assert_accessible(page: Any, what: str) -> None:
    """Fail on any serious or critical axe-core violation on the page as it stands."""
    results = Axe().run(page)
    blocking = [v for v in results.response["violations"] if v.get("impact") in BLOCKING_IMPACTS]
    summary = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in blocking
    ]
    assert not blocking, f"{what}: " + "; ".join(summary)
    # axe really ran: it reports the rules it passed, and there are always some.
    assert results.response["passes"], f"{what}: axe-core reported no checks at all"
