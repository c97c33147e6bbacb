"""Version semantics: turn a product's version string into a key that sorts like releases do.

Keys are strings whose byte order is release order, so the SQLite store can compare
versions in SQL (``start <= key < end``) with an index, without Python per row.

Rules (each checked against examples in ../shared/vulndata/SOURCES.md in the tests):

- a release is a dotted run of numbers; trailing zeros do not count (``5.0`` == ``5.0.0``);
  a longer release sorts after its prefix (kernel ``2.6.31 < 2.6.31.14 < 2.6.32``);
- pre-releases (``-rc1``, ``beta2``, ``-pre10``, dnsmasq ``test5``) sort before the release;
- one or two letters sort after it (OpenSSL ``1.1.1 < 1.1.1a < 1.1.1z < 1.1.1za``);
- ``pN`` sorts after it (OpenSSH ``7.4 < 7.4p1 < 7.4p2 < 7.5p1``, ntp ``4.2.8p15``);
- Dropbear ``YYYY.NN`` is plain numbers (``2012.55 < 2013.56``);
- BusyBox ``1.00``/``1.01`` are 1.0.0/1.0.1 (they came before ``1.1.0``).
"""

from __future__ import annotations

import re
from functools import lru_cache

_RELEASE = re.compile(r"(\d+(?:\.\d+)*)(.*)")
_PRE_WORDS = {"dev": 0, "snapshot": 0, "test": 1, "alpha": 2, "beta": 3,
              "pre": 4, "rc": 5}
_PRE = re.compile(r"(dev|snapshot|test|alpha|beta|pre|rc)\.?(\d*)")
_POST_NUM = re.compile(r"p(\d+)")
_POST_LETTERS = re.compile(r"([a-z]{1,2})")
_MAX = 10**10 - 1
#: Sorts before every release separator: a release ends before any longer one continues.
_END = "!"


def scheme_for(product: str) -> str:
    """The version scheme of a CPE product name; only BusyBox needs its own today."""
    return "busybox" if product == "busybox" else "generic"


def _release(text: str, scheme: str) -> list[int]:
    parts = text.split(".")
    numbers = [min(int(p), _MAX) for p in parts]
    if scheme == "busybox" and len(parts) == 2 and len(parts[1]) == 2 and parts[1][0] == "0":
        numbers = [numbers[0], 0, numbers[1]]
    while len(numbers) > 1 and numbers[-1] == 0:
        numbers.pop()
    return numbers


@lru_cache(maxsize=65536)
def version_key(version: str, scheme: str = "generic") -> str | None:
    """The sortable key of ``version``, or None when it has no leading release number."""
    text = version.strip().lower()
    if text[:1] == "v" and text[1:2].isdigit():
        text = text[1:]
    match = _RELEASE.match(text)
    if match is None:
        return None
    release = "".join(f".{n:010d}" for n in _release(match.group(1), scheme)) + _END
    return release + _suffix(match.group(2).lstrip("-_.~+ "))


def _suffix(rest: str) -> str:
    if not rest:
        return "1"
    if pre := _PRE.match(rest):
        number = int(pre.group(2) or 0)
        return f"0{_PRE_WORDS[pre.group(1)]}{min(number, _MAX):010d}"
    if post := _POST_NUM.fullmatch(rest) or _POST_NUM.match(rest):
        return f"2N{min(int(post.group(1)), _MAX):010d}"
    if letters := _POST_LETTERS.fullmatch(rest):
        return f"2L{len(letters.group(1))}{letters.group(1)}"
    letters_prefix = re.match(r"([a-z]{1,2})(?:[-_+.]|$)", rest)
    if letters_prefix:
        return f"2L{len(letters_prefix.group(1))}{letters_prefix.group(1)}"
    # An unknown tail ("-fips", "+dfsg") does not change the order of releases.
    return "1"


def base_version(version: str) -> str:
    """``7.4p1`` -> ``7.4``: the part a CPE ``version`` field holds when ``update`` is ``p1``."""
    match = re.fullmatch(r"(.*?\d)p\d+", version.strip())
    return match.group(1) if match else version.strip()


def compare(a: str, b: str, scheme: str = "generic") -> int:
    """-1, 0 or 1; raises ValueError when either is not a version."""
    ka, kb = version_key(a, scheme), version_key(b, scheme)
    if ka is None or kb is None:
        raise ValueError(f"not comparable: {a!r} vs {b!r}")
    return (ka > kb) - (ka < kb)


def _numbers(version: str, scheme: str) -> list[int] | None:
    match = _RELEASE.match(version.strip().lower().removeprefix("v"))
    if match is None:
        return None
    parts = match.group(1).split(".")
    numbers = [int(p) for p in parts]
    if scheme == "busybox" and len(parts) == 2 and len(parts[1]) == 2 and parts[1][0] == "0":
        numbers = [numbers[0], 0, numbers[1]]
    return numbers


def branch_matches(version: str, branch: str, scheme: str = "generic") -> bool:
    """True when ``version`` is on the release branch ``branch`` (``1.0.2k`` on ``1.0.2``).

    Trailing zeros count here: ``1.0.0`` is a branch of its own, not all of 1.x.
    """
    have, want = _numbers(version, scheme), _numbers(branch, scheme)
    if have is None or want is None:
        return False
    padded = have + [0] * max(0, len(want) - len(have))
    return padded[:len(want)] == want


_PRE_NAMES = {0: "dev", 1: "test", 2: "alpha", 3: "beta", 4: "pre", 5: "rc"}


@lru_cache(maxsize=16384)
def display(key: str | None) -> str:
    """A key back as a readable version (``.0000000001.0000000030!1`` -> ``1.30``)."""
    if not key:
        return "*"
    release, _, suffix = key.partition(_END)
    if not _:  # a branch bound such as "6.6.*"
        return ".".join(str(int(p)) for p in release.rstrip("/").split(".") if p) + ".*"
    numbers = [str(int(p)) for p in release.split(".") if p]
    text = ".".join(numbers + ["0"] * (2 - len(numbers)))  # trailing zeros were dropped
    if suffix.startswith("0") and len(suffix) >= 12:
        return f"{text}-{_PRE_NAMES.get(int(suffix[1]), 'pre')}{int(suffix[2:])}"
    if suffix.startswith("2N"):
        return f"{text}p{int(suffix[2:])}"
    if suffix.startswith("2L"):
        return text + suffix[3:]
    return text
