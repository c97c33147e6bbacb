"""Waivers: which evidence a waiver covers, and whether it is still valid.

A waiver names a finding id (or agreement rule), a clause, or both, and optionally an
fnmatch pattern on the path inside the image. It applies up to and including its expiry
day; after that it covers nothing, so what it covered fails again and the waiver is shown
as expired.
"""

from __future__ import annotations

import datetime as dt
import fnmatch

from spyless.agreement.interface import Waiver
from spyless.model.findings import Location


def is_active(waiver: Waiver, today: dt.date) -> bool:
    return today <= dt.date.fromisoformat(waiver.expires)


def matches(waiver: Waiver, rule: str, clause_id: str, location: Location | None) -> bool:
    if waiver.finding is not None and waiver.finding != rule:
        return False
    if waiver.clause is not None and waiver.clause != clause_id:
        return False
    if waiver.path is None:
        return True
    if location is None:
        return False
    return any(fnmatch.fnmatchcase(candidate, waiver.path)
               for candidate in (location.path, location.chain) if candidate)


def covering(waivers: tuple[Waiver, ...], rule: str, clause_id: str,
             locations: tuple[Location, ...], today: dt.date) -> tuple[Waiver | None, bool]:
    """The waiver that covers an item, and whether it has expired.

    An active waiver wins over an expired one; (None, False) when none matches. An item
    with several locations is covered when any of them matches the path pattern.
    """
    expired: Waiver | None = None
    for waiver in waivers:
        if not any(matches(waiver, rule, clause_id, loc) for loc in locations or (None,)):
            continue
        if is_active(waiver, today):
            return waiver, False
        expired = expired or waiver
    return (expired, True) if expired else (None, False)
