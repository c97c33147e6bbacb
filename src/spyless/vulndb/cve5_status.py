"""CVE JSON 5 ``affected[].versions[]`` semantics: the status of a release, the affected set.

Spec: CVEProject/cve-schema ``schema/v5.0/docs/versions.md`` ("Version Status Decisions",
"Versions and Version Ranges", "Version Status Changes", "Version Objects"):

- within one product object (a *block*) the first entry matching V decides; a single-version
  entry matches V == ``version``, a range ``version`` <= V < ``lessThan`` (<= with
  ``lessThanOrEqual``), refined by its ``changes`` (the last ``at`` <= V); V matched by no
  entry takes the block's ``defaultStatus`` (``unknown`` when absent);
- ``"version": "0"`` is no lower bound; an upper bound ``*`` is no upper bound and ``5.10.*``
  is the end of the 5.10 series (every 5.10.x is inside, under lessThan or lessThanOrEqual);
- ``versionType`` git (and other source-control types) orders commits, not releases: those
  entries are skipped, and a block holding only them says nothing about releases. Every
  other type (semver, custom, the kernel's original_commit_for_fix ...) is ordered by
  :func:`spyless.vulndb.versions.version_key`.

Several blocks for one product: the schema has no rule. The kernel CNA writes a block of
affected backport ranges (default unaffected: "4.14.149 <= V < 4.15") beside a block of
mainline/stable statements (default affected: "0 <= V < 5.4 unaffected", "5.10.38 <=
V <= 5.10.* unaffected", "5.13 <= V unaffected"). Ours, so each block speaks where it is
most specific:

1. an explicit entry of any block beats every block's default;
2. among explicit matches, the one whose statement starts closest below V wins (its range
   start, or its latest applicable change): a backport range beats "0 <= V < 5.4", a
   single version beats any range; on a tie, ``affected`` wins (a conflict in the data
   is not evidence of a fix);
3. with no explicit match, V is affected when any block's default is ``affected``.

``unknown`` is never reported as affected: a guess is not a finding.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from spyless.vulndb.versions import version_key

AFFECTED, UNAFFECTED, UNKNOWN = "affected", "unaffected", "unknown"
_STATUSES = frozenset({AFFECTED, UNAFFECTED, UNKNOWN})
_SOURCE_CONTROL = frozenset({"git", "hg", "svn", "cvs", "bzr", "fossil"})
#: Ends a series bound: sorts after the "." and "!" that continue or end a release in a key.
_SERIES_END = "/"
#: Below every version key (keys start with "."): the specificity of "no lower bound".
_BOTTOM = ""


@dataclass(frozen=True, slots=True)
class Entry:
    """One evaluable ``versions[]`` object, bounds as version keys."""

    status: str
    start: str | None  # None: no lower bound ("version": "0")
    end: str | None = None  # None: no upper bound; ignored for a single version
    end_incl: bool = False
    single: bool = False
    changes: tuple[tuple[str, str], ...] = ()  # (at key, status), ascending


@dataclass(frozen=True, slots=True)
class Block:
    """One product object: its evaluable entries in order, and its default status."""

    entries: tuple[Entry, ...]
    default: str


@dataclass(frozen=True, slots=True)
class Probe:
    """A point (``lo == hi``, ``point``) or the open gap of versions strictly between lo and hi."""

    lo: str | None  # None: -infinity
    hi: str | None  # None: +infinity
    point: bool = False


@dataclass(frozen=True, slots=True)
class Piece:
    """A run of affected versions, ready to become a stored rule."""

    start: str | None
    start_incl: bool
    end: str | None
    end_incl: bool


def parse_block(product: Mapping[str, object], scheme: str) -> Block | None:
    """The block of a product object; None when it has entries but none about releases."""
    raw = product.get("versions")
    items = [e for e in raw if isinstance(e, Mapping)] if isinstance(raw, list) else []
    entries = tuple(e for item in items if (e := parse_entry(item, scheme)) is not None)
    if items and not entries:
        return None
    default = product.get("defaultStatus")
    return Block(entries, default if isinstance(default, str) and default in _STATUSES
                 else UNKNOWN)


def parse_entry(item: Mapping[str, object], scheme: str) -> Entry | None:
    """One version object, or None when it cannot be placed on the release line."""
    status = item.get("status")
    version = item.get("version")
    if status not in _STATUSES or not isinstance(version, str):
        return None
    if str(item.get("versionType", "")).lower() in _SOURCE_CONTROL:
        return None
    limit = item.get("lessThan", item.get("lessThanOrEqual"))
    if limit is None:
        key = version_key(version, scheme)
        return None if key is None or version == "0" else Entry(str(status), key, single=True)
    start = None if version.strip() == "0" else version_key(version, scheme)
    if (start is None and version.strip() != "0") or not isinstance(limit, str):
        return None
    bound = None if limit.strip() == "*" else upper_bound(limit, scheme)
    if bound is None and limit.strip() != "*":
        return None
    inclusive = "lessThan" not in item and not limit.endswith("*")
    raw = item.get("changes")
    changes = sorted((k, str(c["status"])) for c in (raw if isinstance(raw, list) else [])
                     if isinstance(c, Mapping) and c.get("status") in _STATUSES
                     and isinstance(c.get("at"), str) and (k := version_key(c["at"], scheme)))
    return Entry(str(status), start, bound, inclusive, changes=tuple(changes))


def upper_bound(limit: str, scheme: str) -> str | None:
    """The key of an upper bound other than a bare ``*``; None when unreadable.

    ``5.10.*`` becomes a key just above every 5.10.x: the series' numbers as written
    (trailing zeros kept, so ``5.0.*`` stops before 5.1), then ``/``, which sorts after
    the ``.`` and ``!`` that continue or end a release in a key (versions.py).
    """
    text = limit.strip()
    if text.endswith(".*"):
        parts = text[:-2].lower().removeprefix("v").split(".")
        if not all(p.isdigit() for p in parts):
            return None
        return "".join(f".{int(p):010d}" for p in parts) + _SERIES_END
    return version_key(text, scheme)


def _match(entry: Entry, probe: Probe) -> bool:
    if entry.single:
        return probe.point and probe.lo == entry.start
    if probe.point:
        assert probe.lo is not None  # noqa: S101 - points are real keys
        low_ok = entry.start is None or entry.start <= probe.lo
        high_ok = entry.end is None or probe.lo < entry.end or (
            probe.lo == entry.end and entry.end_incl)
        return low_ok and high_ok
    # every entry bound is a probe boundary, so an entry covers a gap whole or not at all
    low_ok = entry.start is None or (probe.lo is not None and entry.start <= probe.lo)
    high_ok = entry.end is None or (probe.hi is not None and entry.end >= probe.hi)
    return low_ok and high_ok


def _block_status(block: Block, probe: Probe) -> tuple[str, str | None]:
    """(status, where the deciding statement starts), None for the block's default."""
    for entry in block.entries:
        if not _match(entry, probe):
            continue
        status, since = entry.status, entry.start or _BOTTOM
        for at, changed in entry.changes:
            if probe.lo is not None and at <= probe.lo:
                status, since = changed, max(since, at)
        return status, since
    return block.default, None


def status_at(blocks: Sequence[Block], probe: Probe) -> str:
    """The combined status of the probed versions under the rules in the module docstring."""
    answers = [_block_status(b, probe) for b in blocks]
    explicit = [(since, status) for status, since in answers if since is not None]
    if explicit:
        closest = max(since for since, _ in explicit)
        statuses = {status for since, status in explicit if since == closest}
    else:
        statuses = {status for status, _ in answers}
    for status in (AFFECTED, UNAFFECTED):
        if status in statuses:
            return status
    return UNKNOWN


def status_of(blocks: Sequence[Block], version: str, scheme: str = "generic") -> str | None:
    """The status of one release; None when ``version`` is not a version."""
    key = version_key(version, scheme)
    return None if key is None else status_at(blocks, Probe(key, key, point=True))


def affected_pieces(blocks: Sequence[Block]) -> list[Piece]:
    """The affected releases as disjoint, ascending runs (empty when none is affected)."""
    probes: list[Probe] = []
    previous: str | None = None
    for point in sorted(_boundaries(blocks)):
        probes.append(Probe(previous, point))
        if not point.endswith(_SERIES_END):  # a series end ("5.4.*") is no release of its own
            probes.append(Probe(point, point, point=True))
        previous = point
    probes.append(Probe(previous, None))
    pieces: list[Piece] = []
    start: tuple[str | None, bool] | None = None
    for i, probe in enumerate(probes):
        affected = status_at(blocks, probe) == AFFECTED
        if affected and start is None:
            start = (probe.lo, probe.point)
        elif not affected and start is not None:
            before = probes[i - 1]
            # a run that ended on an affected release includes it; else it stops at this bound
            end = (before.lo, True) if before.point and not probe.point else (probe.lo, False)
            pieces.append(Piece(start[0], start[1], end[0], end[1]))
            start = None
    if start is not None:
        pieces.append(Piece(start[0], start[1], None, False))
    return pieces


def _boundaries(blocks: Iterable[Block]) -> set[str]:
    found: set[str] = set()
    for block in blocks:
        for entry in block.entries:
            found.update(k for k in (entry.start, None if entry.single else entry.end) if k)
            found.update(at for at, _ in entry.changes)
    return found
