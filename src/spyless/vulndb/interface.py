"""The vulnerability database's public vocabulary: value types, the importer protocol, errors.

Everything else in :mod:`spyless.vulndb` (the SQLite store, one importer per feed format,
version semantics, the matcher, the updater) speaks in these types.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from spyless.errors import Error


class VulnDBError(Error):
    """The vulnerability database or a feed could not be read, written or fetched."""


class FeedFormatError(VulnDBError):
    """A feed file is not in the format (or the format version) it claims to be."""


class UpdateError(VulnDBError):
    """Downloading a feed failed (network, rate limit, server error)."""


@dataclass(frozen=True, slots=True)
class Rule:
    """One "these versions of vendor:product are affected" statement from a feed.

    Either ``exact`` (one version, with ``any_update`` when a CPE update field was ``*``) or
    a range with optional bounds. ``platform`` is a tuple of alternatives-lists: every
    inner tuple of CPE match strings must be satisfied by something on the device (the
    other nodes of an NVD AND-configuration); empty means no platform condition.
    """

    vendor: str
    product: str
    exact: str | None = None
    any_update: bool = False
    start: str | None = None
    start_incl: bool = True
    end: str | None = None
    end_incl: bool = False
    platform: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True, slots=True)
class Record:
    """One advisory as imported: identity, scoring, text, and its affected-version rules."""

    id: str
    source: str  # "nvd", "cve5:openssl", "cve5:linux", "curl", "osv"
    modified: str | None
    published: str | None = None
    summary: str = ""
    severity: str | None = None  # "critical", "high", "medium", "low"
    score: float | None = None
    vector: str | None = None
    cwes: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    fixed: tuple[str, ...] = ()
    known_exploited: bool = False
    #: True when the source is the product's own CNA/vendor: its ranges override NVD's.
    authority: bool = False
    rules: tuple[Rule, ...] = ()


@dataclass(frozen=True, slots=True)
class Skipped:
    """A record the importer left out on purpose (rejected, withdrawn, no usable data)."""

    id: str
    reason: str


@dataclass(frozen=True, slots=True)
class FeedInfo:
    """What an importer learnt about a feed as a whole."""

    source: str  # the source name in the ``sources`` table, e.g. "nvd-1.1"
    licence: str
    origin: str = ""


@dataclass(slots=True)
class ImportStats:
    source: str
    records: int = 0
    skipped: int = 0
    newest: str | None = None
    reasons: dict[str, int] = field(default_factory=dict)


class Importer(Protocol):
    """Parses one feed document; yields records (and skips) without touching the store."""

    format_name: str

    def sniff(self, document: object) -> bool:
        """True when ``document`` (parsed JSON) is in this importer's format."""
        ...

    def info(self, document: object) -> FeedInfo:
        ...

    def records(self, document: object) -> Iterator[Record | Skipped]:
        ...
