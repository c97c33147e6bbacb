"""yara-x scanners kept per thread.

A ``yara_x.Scanner`` may only be used by the thread that created it (the binding panics
otherwise, with an exception that is not an ``Exception``), so every compiled scanner
spyless caches is cached per thread: each thread compiles its own once, on first use.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import yara_x

_local = threading.local()


def thread_scanner(key: str, make: Callable[[], yara_x.Scanner]) -> yara_x.Scanner:
    """The calling thread's scanner for ``key``, made with ``make`` the first time."""
    scanners: dict[str, yara_x.Scanner] | None = getattr(_local, "scanners", None)
    if scanners is None:
        scanners = {}
        _local.scanners = scanners
    scanner = scanners.get(key)
    if scanner is None:
        scanner = scanners[key] = make()
    return scanner
