"""Region codes the fake platform knows (flyctl.md §7, a docs snapshot)."""

from __future__ import annotations

from runner.simulator.errors import SimError
from runner.simulator.versions import DEPRECATED_REGIONS_HIDDEN, Version

CURRENT = frozenset(
    [
        "ams",
        "arn",
        "bom",
        "cdg",
        "dfw",
        "ewr",
        "fra",
        "gru",
        "iad",
        "jnb",
        "lax",
        "lhr",
        "nrt",
        "ord",
        "sin",
        "sjc",
        "syd",
        "yyz",
    ]
)
# Flagged deprecated by the API (removed from the docs on 2025-10-16). flyctl v0.3.196+
# filters deprecated regions out first, so they are "not found" there; older flyctl
# releases still accept them.
DEPRECATED = frozenset(
    [
        "atl",
        "bog",
        "bos",
        "den",
        "eze",
        "gdl",
        "gig",
        "hkg",
        "mad",
        "mia",
        "otp",
        "phx",
        "qro",
        "scl",
        "sea",
        "waw",
        "yul",
    ]
)


def check_region(code: str, version: Version) -> str:
    """Return `code` when the platform accepts it; else flyctl's `region X not found`."""
    if code in CURRENT:
        return code
    if code in DEPRECATED and version.before(DEPRECATED_REGIONS_HIDDEN):
        return code
    raise SimError(f"region {code} not found")
