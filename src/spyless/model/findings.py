"""Findings: judgements over facts, each with a stable id from the catalogue.

Id families (DESIGN.md): SPY1xx accounts and credentials, SPY2xx keys, SPY3xx remote access
and services, SPY4xx known backdoor signatures, SPY5xx endpoints and call-home, SPY6xx
components and vulnerabilities, SPY7xx hardening, SPY8xx extraction anomalies.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field

_ID = re.compile(r"^SPY[1-8]\d\d$")


class Severity(enum.StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.CRITICAL: 4, Severity.HIGH: 3, Severity.MEDIUM: 2, Severity.LOW: 1,
                  Severity.INFO: 0}


class Confidence(enum.StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


@dataclass(frozen=True, slots=True)
class FindingSpec:
    """What a finding id means; analyzers declare the specs they may emit."""

    id: str
    title: str
    severity: Severity
    cwe: int | None
    description: str
    remediation: str
    references: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not _ID.match(self.id):
            raise ValueError(f"finding id {self.id!r} is not of the form SPYnnn")


@dataclass(frozen=True, slots=True)
class Location:
    """Where in the image: provenance chain, file path inside its filesystem, byte offset."""

    chain: str
    path: str | None = None  # e.g. "/etc/shadow", inside the filesystem that holds it
    offset: int | None = None
    line: int | None = None
    sha256: str | None = None


@dataclass(frozen=True, slots=True)
class Evidence:
    location: Location
    excerpt: str = ""
    #: The secret inside the excerpt, masked on output unless secrets are shown.
    secret: str | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    id: str
    title: str
    severity: Severity
    confidence: Confidence
    cwe: int | None
    message: str
    evidence: tuple[Evidence, ...]
    remediation: str
    analyzer: str = ""
    tags: tuple[str, ...] = field(default=())

    @property
    def location(self) -> Location:
        return self.evidence[0].location


def mask_secret(secret: str) -> str:
    """Show enough of a secret to recognise it, not enough to use it."""
    if len(secret) <= 3:
        return "*" * len(secret)
    if len(secret) < 10:
        return secret[0] + "*" * (len(secret) - 1)
    return secret[:2] + "*" * (len(secret) - 4) + secret[-2:]
