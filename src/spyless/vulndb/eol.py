"""End-of-life lookups from the committed table ``spyless/data/vulndb/eol.json``.

Every entry carries the source of its date; a branch is a version prefix on release
numbers (``1.0.2`` covers ``1.0.2k``, ``2.6`` covers ``2.6.31.14``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources

from spyless.vulndb.versions import branch_matches, scheme_for


@dataclass(frozen=True, slots=True)
class EndOfLife:
    product: str
    branch: str
    eol: date | None  # None: declared unmaintained without a date
    source: str


@lru_cache(maxsize=1)
def eol_table() -> tuple[EndOfLife, ...]:
    text = resources.files("spyless.data.vulndb").joinpath("eol.json").read_text("utf-8")
    return tuple(EndOfLife(e["product"], e["branch"],
                           date.fromisoformat(e["eol"]) if e["eol"] else None, e["source"])
                 for e in json.loads(text)["entries"])


def end_of_life(product: str, version: str, today: date) -> EndOfLife | None:
    """The entry saying ``version`` of ``product`` is out of support on ``today``, if any."""
    scheme = scheme_for(product)
    best: EndOfLife | None = None
    for entry in eol_table():
        if entry.product != product or not branch_matches(version, entry.branch, scheme):
            continue
        if entry.eol is not None and entry.eol > today:
            return None  # the most specific branch is still supported
        if best is None or len(entry.branch) > len(best.branch):
            best = entry
    return best
