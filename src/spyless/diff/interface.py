"""Types of the diff subsystem: the security delta of two releases, and binary equivalence.

Two questions (issue 8, DESIGN.md "diff"):

- :class:`Delta` answers *what changed that matters for security* between an old and a new
  image: facts (accounts, credentials, keys, services, endpoints), components and their
  vulnerabilities, hardening regressions, findings new and resolved, and files with a
  similarity distance for changed binaries.
- :class:`EquivalenceResult` answers *is the deployed image the built one*: every file
  paired by provenance and classified as identical, different only in named benign ways
  (:class:`Rule`), or genuinely different; the :class:`EquivalenceVerdict` decides the
  exit code (0 / 1 / 2).

Renderers (terminal, JSON, Markdown, HTML, SARIF) and the agreement read only these types.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol

from spyless.errors import Error
from spyless.model.findings import Finding, Location

#: Version of the JSON shape of a delta and of an equivalence result.
DIFF_SCHEMA_VERSION = "1.0"

#: Exit code of ``spyless equivalence`` for usage and input errors (BSD ``EX_USAGE``):
#: distinct from the three verdicts 0 / 1 / 2.
EXIT_USAGE = 64


class DiffError(Error):
    """Two images or reports cannot be compared as asked."""


@dataclass(frozen=True, slots=True)
class ImageRef:
    name: str
    size: int
    sha256: str


# The release-to-release delta ---------------------------------------------------------


class Change(enum.StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class FactChange:
    """An account, credential, key, service or endpoint that appeared, went or changed.

    ``item`` is what the release notes would name: the account name, the service name, the
    endpoint's host (or value), the key's fingerprint (or path when it has none), the
    credential's kind and where it is. ``location`` is in the new image (the old one for
    removals).
    """

    kind: str  # "account", "credential", "key", "service", "endpoint"
    change: Change
    item: str
    location: Location | None
    fields: tuple[FieldChange, ...] = ()
    detail: str = ""


@dataclass(frozen=True, slots=True)
class ComponentChange:
    name: str
    #: "added", "removed", "upgraded", "downgraded", "changed" (not comparable)
    change: str
    old_version: str | None
    new_version: str | None
    location: Location | None
    fixed: tuple[str, ...] = ()  # vulnerability ids of the old version gone in the new
    introduced: tuple[str, ...] = ()  # vulnerability ids new with the new version


@dataclass(frozen=True, slots=True)
class VulnerabilityChange:
    id: str
    component: str
    change: str  # "new" or "fixed"
    version: str  # the version it applies to (new for "new", old for "fixed")
    severity: str | None = None
    cvss_score: float | None = None
    summary: str = ""


@dataclass(frozen=True, slots=True)
class HardeningChange:
    """Protections one binary lost (a regression) or gained, by its path in the image."""

    path: str
    location: Location
    lost: tuple[str, ...] = ()
    gained: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FindingChange:
    """A finding new in the new image, gone from it, or at the same place with new detail."""

    change: str  # "new", "resolved", "changed"
    finding: Finding  # the new one ("new", "changed"), the old one ("resolved")
    previous: Finding | None = None  # for "changed"


@dataclass(frozen=True, slots=True)
class FileChange:
    """A file added, removed or changed; ``distance`` is TLSH's (0 = same, > 200 unrelated)."""

    key: str  # provenance path without the image name, offsets as ordinals
    change: Change
    kind: str
    old_size: int | None
    new_size: int | None
    old_sha256: str | None = None
    new_sha256: str | None = None
    distance: int | None = None
    #: "rebuilt" (small distance), "modified", "replaced" (large), "" when not measured
    similarity: str = ""


@dataclass(frozen=True, slots=True)
class Delta:
    old: ImageRef
    new: ImageRef
    facts: tuple[FactChange, ...] = ()
    components: tuple[ComponentChange, ...] = ()
    vulnerabilities: tuple[VulnerabilityChange, ...] = ()
    hardening: tuple[HardeningChange, ...] = ()
    findings: tuple[FindingChange, ...] = ()
    unchanged_findings: int = 0
    files: tuple[FileChange, ...] = ()
    files_compared: bool = False  # False when a side was given as a report only
    unchanged_files: int = 0
    similarity_method: str = ""  # "tlsh", or "" when no fuzzy hash library is installed
    notes: tuple[str, ...] = ()
    schema_version: str = DIFF_SCHEMA_VERSION

    def new_findings(self) -> tuple[Finding, ...]:
        return tuple(c.finding for c in self.findings if c.change == "new")

    def resolved_findings(self) -> tuple[Finding, ...]:
        return tuple(c.finding for c in self.findings if c.change == "resolved")

    def regressions(self) -> tuple[HardeningChange, ...]:
        return tuple(h for h in self.hardening if h.lost)


# Declared changes (release notes), for TR-5 ---------------------------------------------


class DeclaredChangeLike(Protocol):
    """Anything with these attributes: ours, or the agreement's ``ReleaseChange``."""

    @property
    def kind(self) -> str: ...  # "account", "service", "endpoint", "key", "component"

    @property
    def change(self) -> str: ...  # "added", "removed", "changed"

    @property
    def item(self) -> str: ...


@dataclass(frozen=True, slots=True)
class DeclaredChange:
    kind: str
    change: str
    item: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class UndeclaredChange:
    """A security-relevant change of the delta that no declared change covers."""

    kind: str
    change: str
    item: str
    location: Location | None
    message: str


# Binary equivalence --------------------------------------------------------------------


class Rule(enum.StrEnum):
    """The named normalisations: differences that do not change what the device runs."""

    TIMESTAMP = "timestamp"
    CHECKSUM = "checksum"
    BUILD_ID = "build-id"
    BUILD_PATH = "build-path"
    PADDING = "padding"
    SIGNATURE = "signature"
    CONTAINER_REENCODED = "container-reencoded"
    CHILD_FILE = "child-file"


RULE_DESCRIPTIONS: dict[Rule, str] = {
    Rule.TIMESTAMP: "a date or time: container header times (uImage ih_time, gzip MTIME, "
                    "SquashFS mkfs_time) and date/time strings such as __DATE__/__TIME__",
    Rule.CHECKSUM: "a checksum over other bytes in a container header (uImage header and "
                   "data CRC, TRX CRC, TP-Link MD5)",
    Rule.BUILD_ID: "the ELF build id (.note.gnu.build-id) and the debug-link CRC "
                   "(.gnu_debuglink), which hash the build itself",
    Rule.BUILD_PATH: "an embedded build directory (/home/<user>/..., /build/<pkg-XXXXXX>/..., "
                     "/tmp/...) in a binary; not applied to text files",
    Rule.PADDING: "fill bytes (0x00 or 0xff) of another value or length between or after "
                  "containers",
    Rule.SIGNATURE: "a trailing block after the last container of the image (a vendor "
                    "signature), up to 8 KiB",
    Rule.CONTAINER_REENCODED: "a compressed container or filesystem whose bytes differ while "
                              "every file extracted from it is equivalent and extraction was "
                              "complete on both sides",
    Rule.CHILD_FILE: "bytes of a file stored verbatim inside a container, whose own "
                     "comparison found only benign differences",
}


class PairStatus(enum.StrEnum):
    IDENTICAL = "identical"
    BENIGN = "benign"  # differs only in named benign ways
    DIFFERENT = "different"
    ONLY_BUILT = "only-built"
    ONLY_DEPLOYED = "only-deployed"


class EquivalenceVerdict(enum.StrEnum):
    EQUIVALENT = "equivalent"
    EQUIVALENT_MODULO_BENIGN = "equivalent-modulo-benign"
    NOT_EQUIVALENT = "not-equivalent"

    @property
    def exit_code(self) -> int:
        """0 equivalent (no difference at all), 1 only benign differences, 2 not equivalent."""
        return _EXIT[self]


_EXIT = {EquivalenceVerdict.EQUIVALENT: 0, EquivalenceVerdict.EQUIVALENT_MODULO_BENIGN: 1,
         EquivalenceVerdict.NOT_EQUIVALENT: 2}


@dataclass(frozen=True, slots=True)
class Normalisation:
    """Bytes that differ and the rule that excuses them (offsets in the built file)."""

    rule: Rule
    offset: int
    length: int
    built: str  # excerpt: printable text when the bytes are text, else hex
    deployed: str
    detail: str = ""  # "uImage ih_time", "section .rodata", "child u-boot.bin", ...
    deployed_offset: int | None = None  # when it differs from ``offset``


@dataclass(frozen=True, slots=True)
class Region:
    """A genuinely differing region, with hex and ASCII excerpts of both sides."""

    offset: int  # in the built file
    length: int
    built_hex: str
    deployed_hex: str
    built_text: str
    deployed_text: str
    section: str | None = None  # the ELF section it lies in
    deployed_offset: int | None = None
    deployed_length: int | None = None


@dataclass(frozen=True, slots=True)
class PairResult:
    key: str  # provenance path without the image name, chunk offsets as ordinals
    status: PairStatus
    kind: str
    built_chain: str | None
    deployed_chain: str | None
    built_size: int | None = None
    deployed_size: int | None = None
    built_sha256: str | None = None
    deployed_sha256: str | None = None
    normalisations: tuple[Normalisation, ...] = ()
    more_normalisations: int = 0  # not listed, to keep the report readable
    regions: tuple[Region, ...] = ()
    more_regions: int = 0
    sections: tuple[str, ...] = ()  # ELF sections that genuinely differ
    reasons: tuple[str, ...] = ()  # one line each: why it is different

    @property
    def rules(self) -> tuple[Rule, ...]:
        return tuple(dict.fromkeys(n.rule for n in self.normalisations))


@dataclass(frozen=True, slots=True)
class EquivalenceProblem:
    """One reason a deployed image is not the built one, for the agreement's evidence.

    ``rule`` is ``equivalence:different``, ``equivalence:only-built`` or
    ``equivalence:only-deployed``; ``location`` is in the deployed image when the file is
    there, else in the built one.
    """

    rule: str
    key: str
    message: str
    location: Location


@dataclass(frozen=True, slots=True)
class EquivalenceResult:
    built: ImageRef
    deployed: ImageRef
    verdict: EquivalenceVerdict
    pairs: tuple[PairResult, ...]
    seconds: float = 0.0
    notes: tuple[str, ...] = ()
    schema_version: str = DIFF_SCHEMA_VERSION

    @property
    def exit_code(self) -> int:
        return self.verdict.exit_code

    def with_status(self, *statuses: PairStatus) -> tuple[PairResult, ...]:
        return tuple(p for p in self.pairs if p.status in statuses)

    def counts(self) -> dict[PairStatus, int]:
        return {s: sum(1 for p in self.pairs if p.status is s) for s in PairStatus}

    def rules_used(self) -> dict[Rule, int]:
        """How many pairs each benign rule was needed for."""
        used: dict[Rule, int] = {}
        for pair in self.pairs:
            for rule in pair.rules:
                used[rule] = used.get(rule, 0) + 1
        return dict(sorted(used.items()))

    def problems(self) -> tuple[EquivalenceProblem, ...]:
        out = []
        for pair in self.pairs:
            if pair.status is PairStatus.DIFFERENT:
                why = "; ".join(pair.reasons) or "contents differ"
                rule, message = "equivalence:different", f"{pair.key or '(image)'}: {why}"
            elif pair.status is PairStatus.ONLY_BUILT:
                rule, message = "equivalence:only-built", f"{pair.key}: missing when deployed"
            elif pair.status is PairStatus.ONLY_DEPLOYED:
                rule, message = "equivalence:only-deployed", f"{pair.key}: not in the build"
            else:
                continue
            chain = pair.deployed_chain or pair.built_chain or pair.key
            out.append(EquivalenceProblem(rule, pair.key, message, Location(
                chain=chain, path=_fs_path(pair.key),
                sha256=pair.deployed_sha256 or pair.built_sha256)))
        return tuple(out)


def _fs_path(key: str) -> str | None:
    """``!squashfs#0/etc/passwd`` -> ``/etc/passwd`` (None for the image or a chunk)."""
    tail = key.rpartition("!")[2]
    _, slash, rest = tail.partition("/")
    return "/" + rest if slash and rest else None
