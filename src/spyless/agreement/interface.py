"""Types of the agreement subsystem: clauses of the standard and the verdict on an image.

A :class:`Clause` is one line of the standard (``NB-1`` … ``TR-8``, see STANDARD.md) with the
:class:`Check` list that decides it and its :class:`Mapping` to established requirements.
Judging a report against an agreement gives a :class:`Verdict`: one :class:`ClauseVerdict`
per clause with its :class:`Status`, the :class:`EvidenceItem` list behind it and the
:class:`CheckResult` list that says what was looked at.

How a status is reached (``evaluate.py``):

- ``FAIL``: at least one evidence item *counts* (severity at or above the clause's
  threshold, confidence at or above its minimum, not declared, not in the baseline, not
  covered by a valid waiver). An expired waiver does not cover anything.
- ``WAIVED``: nothing counts, and at least one item is covered by a valid waiver.
- ``NOT_EVALUATED``: nothing counts, but a required check could not run (no analyzer for
  it in this build, no traffic capture, no previous report); ``reason`` says why.
- ``PASS``: every required check ran and found nothing that counts. A PASS means no
  contradicting evidence was found by the checks listed, nothing more.
- ``DECLARATION_ONLY``: the clause can only be answered by the vendor's declaration;
  ``declared`` says whether the agreement answers it. Never blocks conformance.
- ``DISABLED``: the agreement switched the clause off, with a reason; the evaluation is
  still done and kept in ``evaluated`` so that disabling is shown, never silent.

Renderers (terminal, JSON, SARIF, HTML, Markdown) read only these types.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from spyless.errors import InputError
from spyless.model.findings import Confidence, Finding, Location, Severity

#: Version of the verdict's JSON shape (``jsonout.verdict_dict``).
VERDICT_SCHEMA_VERSION = "1.0"


class Status(enum.StrEnum):
    PASS = "pass"  # noqa: S105 - a status, not a password
    FAIL = "fail"
    WAIVED = "waived"
    NOT_EVALUATED = "not-evaluated"
    DECLARATION_ONLY = "declaration-only"
    DISABLED = "disabled"


class EvidenceState(enum.StrEnum):
    """Whether one evidence item counts against its clause, and if not, why not."""

    COUNTS = "counts"
    WAIVED = "waived"  # covered by a valid waiver
    BASELINE = "baseline"  # present in the baseline report: not new
    DECLARED = "declared"  # the agreement declares what the finding is about
    BELOW_THRESHOLD = "below-threshold"  # severity or confidence under the clause's bar
    CONTEXT = "context"  # shown to explain the verdict, never counted


@dataclass(frozen=True, slots=True)
class Mapping:
    """One requirement of another standard that a clause maps to (STANDARD.md "Maps to")."""

    standard: str  # abbreviation as in STANDARD.md: "33.117", "EN", "PSTI", "CWE", ...
    ref: str  # "4.2.3.4.2.2", "5.1-1", "para 1", "" when the standard is cited whole
    direct: bool = False  # ⊕: spyless's evidence stands in directly for its test
    recalled: bool = False  # [R]: recalled, to be confirmed before citing

    def __str__(self) -> str:
        mark = "⊕" if self.direct else ""
        tail = " [R]" if self.recalled else ""
        return f"{self.standard} {mark}{self.ref}".strip() + tail


@dataclass(frozen=True, slots=True)
class Check:
    """One thing a clause looks at.

    ``ids`` are the finding ids it reads (exact; the declared-versus-found comparisons of
    ``compare.py``/``inventory.py`` emit ids too); ``tags`` narrows them to findings that
    carry one of the tags. ``source`` is what must have run for the check
    to count as done (``coverage.SOURCES``); a check that is not ``required`` (typically the
    traffic part of a static clause) does not hold back a PASS when it cannot run.
    ``declarable`` names the declarations that excuse a finding ("accounts", "services",
    "endpoints", "channels", "interfaces"); ``context`` checks only explain.
    """

    name: str
    source: str
    ids: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    derived: tuple[str, ...] = ()
    required: bool = True
    declarable: str | None = None
    context: bool = False

    def reads(self, finding: Finding) -> bool:
        if finding.id not in self.ids:
            return False
        return not self.tags or any(t in self.tags for t in finding.tags)


@dataclass(frozen=True, slots=True)
class Clause:
    id: str  # "NB-1"
    group: str  # "NB", "NS", "SE", "TR"
    text: str  # the one-line clause, as in STANDARD.md
    evidence: str  # the evidence column, as in STANDARD.md
    maps_to: str  # the "Maps to" column, as in STANDARD.md
    mappings: tuple[Mapping, ...]
    checks: tuple[Check, ...]
    kind: str  # "S", "D", "S+D", "Decl", "Decl+S"
    declaration: str | None = None  # agreement key answering a declaration-only clause
    threshold: Severity = Severity.LOW


@dataclass(frozen=True, slots=True)
class ClauseSettings:
    """How an agreement applies one clause: threshold, minimum confidence, on or off."""

    threshold: Severity
    min_confidence: Confidence = Confidence.LOW
    enabled: bool = True
    reason: str | None = None  # why it was disabled or changed
    changed: bool = False  # differs from the baseline
    line: int | None = None  # where in the agreement file


@dataclass(frozen=True, slots=True)
class Waiver:
    """Accepts findings for a while: by finding id (or agreement rule) or by clause."""

    reason: str
    approver: str
    expires: str  # ISO date; the waiver applies up to and including this day
    finding: str | None = None  # "SPY101" or an agreement rule such as "agreement:no-sbom"
    clause: str | None = None  # "NB-2"
    path: str | None = None  # fnmatch pattern on the path inside the image
    line: int | None = None

    def __str__(self) -> str:
        what = " ".join(x for x in (self.finding, self.clause) if x)
        return f"{what}{f' at {self.path}' if self.path else ''} until {self.expires}"


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    """One thing behind a clause verdict: a finding, or what the agreement itself says.

    ``rule`` is the finding id, or ``agreement:<name>`` for evidence taken from the
    agreement (a missing SBOM, a support period that ended). ``finding`` is the full
    finding when there is one.
    """

    rule: str
    title: str
    message: str
    severity: Severity
    confidence: Confidence
    location: Location | None
    state: EvidenceState
    check: str
    finding: Finding | None = None
    waiver: Waiver | None = None
    waiver_expired: bool = False  # a waiver matched but had expired: the item counts
    note: str = ""  # why it is declared, below threshold, ...


@dataclass(frozen=True, slots=True)
class CheckResult:
    name: str
    source: str
    ran: bool
    required: bool
    reason: str = ""  # why it could not run
    counted: int = 0  # evidence items that count against the clause
    seen: int = 0  # evidence items of any state


@dataclass(frozen=True, slots=True)
class ClauseVerdict:
    clause: Clause
    status: Status
    summary: str  # one line: why this status
    settings: ClauseSettings
    evidence: tuple[EvidenceItem, ...] = ()
    checks: tuple[CheckResult, ...] = ()
    declared: bool | None = None  # for declaration-only clauses
    evaluated: Status | None = None  # the status a disabled clause would have had

    @property
    def counted(self) -> tuple[EvidenceItem, ...]:
        return tuple(e for e in self.evidence if e.state is EvidenceState.COUNTS)


@dataclass(frozen=True, slots=True)
class WaiverUse:
    waiver: Waiver
    state: str  # "active", "expired", "unused" (valid but matched nothing)
    matched: int  # evidence items it matched


@dataclass(frozen=True, slots=True)
class AgreementInfo:
    name: str
    source: str | None  # the file, None for the built-in baseline alone
    sha256: str | None
    schema_version: str
    extends: str  # "baseline" or "none"


@dataclass(frozen=True, slots=True)
class BaselineInfo:
    """The previous report a team compares against: only new findings count."""

    source: str
    image: str
    created: str
    findings: int  # findings in the baseline report
    matched: int  # evidence items of this run found in it


@dataclass(frozen=True, slots=True)
class Verdict:
    conforms: bool
    agreement: AgreementInfo
    clauses: tuple[ClauseVerdict, ...]
    evaluated_on: str  # ISO date used for waiver expiry
    waivers: tuple[WaiverUse, ...] = ()
    baseline: BaselineInfo | None = None
    capture: str | None = None  # the traffic capture whose findings were used
    unassigned: tuple[Finding, ...] = ()  # findings that no clause reads
    notes: tuple[str, ...] = ()  # coverage gaps, analyzer errors, tool-version mismatch
    schema_version: str = VERDICT_SCHEMA_VERSION

    @property
    def exit_code(self) -> int:
        """0 conforms, 1 does not (2 is for usage and input errors, raised before this)."""
        return 0 if self.conforms else 1

    def counts(self) -> dict[Status, int]:
        return {s: sum(1 for c in self.clauses if c.status is s) for s in Status}

    def clause(self, clause_id: str) -> ClauseVerdict:
        return next(c for c in self.clauses if c.clause.id == clause_id)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in an agreement file, with the line it is on when known."""

    message: str
    path: str = ""  # dotted key path: "endpoints[2].host"
    line: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        key = f"{self.path}: " if self.path else ""
        return f"{where}{key}{self.message}"


class AgreementError(InputError):
    """An agreement file that cannot be used: every problem, one line each."""

    def __init__(self, source: str, problems: tuple[Problem, ...]) -> None:
        self.source = source
        self.problems = problems
        first = problems[0] if problems else Problem("invalid agreement")
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        super().__init__(f"{source}: {first}{more}")

    def lines(self) -> list[str]:
        return [f"{self.source}:{p.line or 0}: {p.path + ': ' if p.path else ''}{p.message}"
                for p in self.problems]
