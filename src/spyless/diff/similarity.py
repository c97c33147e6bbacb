"""Similarity of two versions of a file: TLSH distance, and what it suggests.

TLSH (Trend Micro's locality-sensitive hash, package ``py-tlsh``) gives a distance: 0 for
the same bytes, a few dozen for a rebuild or a small patch of the same program, a few
hundred for unrelated files. It needs at least 50 bytes with some variety; below that,
or when the package is not installed, there is no distance (``None``).

Thresholds, measured on ``scripts/build_release_pairs.py`` builds and Debian binaries:
vendord recompiled with another date, build directory and build id: 10; BusyBox 1.35.0
with its version strings changed: 1; vendord with a feature and a URL added: 89; Dropbear
against dbclient (one code base, two programs): 73; BusyBox against Dropbear, or vendord
against dropbearkey: above 430.
"""

from __future__ import annotations

import importlib
from types import ModuleType

#: At most this distance: the same program rebuilt or lightly patched.
REBUILT_MAX = 60
#: Above this distance: another program in its place.
REPLACED_MIN = 200
#: Files larger than this are not hashed (bounded work on hostile input).
MAX_HASHED = 64 * 1024 * 1024
_MIN_SIZE = 50


def _load() -> ModuleType | None:
    try:
        return importlib.import_module("tlsh")
    except ImportError:
        return None


_TLSH = _load()
METHOD = "tlsh" if _TLSH is not None else ""


def fuzzy_hash(data: bytes) -> str | None:
    if _TLSH is None or not _MIN_SIZE <= len(data) <= MAX_HASHED:
        return None
    digest = str(_TLSH.hash(data))
    return None if digest in ("", "TNULL") else digest


def distance(a: bytes, b: bytes) -> int | None:
    """TLSH distance of two buffers, None when either cannot be hashed."""
    hash_a, hash_b = fuzzy_hash(a), fuzzy_hash(b)
    if hash_a is None or hash_b is None or _TLSH is None:
        return None
    return int(_TLSH.diff(hash_a, hash_b))


def label(value: int | None) -> str:
    """"rebuilt", "modified" or "replaced"; "" without a distance."""
    if value is None:
        return ""
    if value <= REBUILT_MAX:
        return "rebuilt"
    return "replaced" if value > REPLACED_MIN else "modified"
