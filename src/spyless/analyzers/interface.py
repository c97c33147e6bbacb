"""The analyzer interface: declarative metadata and one method that does the work.

Two kinds: a :class:`FileAnalyzer` looks at one extracted file at a time (run in parallel,
each file read once for all of them); an :class:`ImageAnalyzer` runs afterwards with the
whole artifact tree and every fact found so far (cross-file joins such as "which init
script starts which binary").
"""

from __future__ import annotations

import fnmatch
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, TypeAlias

from spyless.model.facts import (
    Account,
    Component,
    Credential,
    Endpoint,
    Hardening,
    KeyMaterial,
    Service,
    Vulnerability,
)
from spyless.model.findings import (
    Confidence,
    Evidence,
    Finding,
    FindingSpec,
    Location,
    Severity,
)
from spyless.unpack.interface import Artifact, ArtifactKind

if TYPE_CHECKING:
    from spyless.analyzers.image import ImageView

Fact: TypeAlias = (Account | Credential | KeyMaterial | Service | Endpoint | Component
                   | Vulnerability | Hardening)


def split_chain(chain: str) -> tuple[str, str]:
    """``fw.bin!squashfs@0x120200/etc/shadow`` -> (``fw.bin!squashfs@0x120200``, ``/etc/shadow``)."""
    head, bang, tail = chain.rpartition("!")
    if not bang:
        return chain, "/"
    label, slash, rest = tail.partition("/")
    return f"{head}!{label}", "/" + rest if slash else "/"


@dataclass(frozen=True, slots=True)
class FileInput:
    """One file, read once, handed to every analyzer that applies to it."""

    artifact: Artifact
    fs_root: str
    fs_path: str
    data: bytes

    def text(self) -> str:
        """The content as text, one character per byte, so offsets stay byte offsets."""
        return self.data.decode("latin-1")

    def location(self, offset: int | None = None, line: int | None = None) -> Location:
        return Location(chain=self.artifact.chain, path=self.fs_path, offset=offset, line=line,
                        sha256=self.artifact.sha256)


@dataclass(slots=True)
class Output:
    """What an analyzer reports: facts and findings."""

    analyzer: str
    facts: list[Fact] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    #: Facts of earlier analyzers this one supersedes (e.g. per-file detections it folded).
    retracted: list[Fact] = field(default_factory=list)

    def add(self, fact: Fact) -> None:
        self.facts.append(fact)

    def retract(self, fact: Fact) -> None:
        """Withdraw a fact found earlier; only image analyzers see earlier facts."""
        self.retracted.append(fact)

    def finding(
        self,
        spec: FindingSpec,
        message: str,
        where: Location | Evidence | tuple[Evidence, ...],
        confidence: Confidence = Confidence.HIGH,
        severity: Severity | None = None,
        excerpt: str = "",
        secret: str | None = None,
        tags: tuple[str, ...] = (),
    ) -> None:
        if isinstance(where, Location):
            evidence: tuple[Evidence, ...] = (Evidence(where, excerpt, secret),)
        elif isinstance(where, Evidence):
            evidence = (where,)
        else:
            evidence = where
        self.findings.append(Finding(
            id=spec.id, title=spec.title, severity=severity or spec.severity,
            confidence=confidence, cwe=spec.cwe, message=message, evidence=evidence,
            remediation=spec.remediation, analyzer=self.analyzer, tags=tags,
        ))


class _Documented:
    name: ClassVar[str]
    description: ClassVar[str]
    #: The findings this analyzer may emit.
    findings: ClassVar[tuple[FindingSpec, ...]] = ()
    references: ClassVar[tuple[str, ...]] = ()


class FileAnalyzer(_Documented, ABC):
    """Looks at one file. Declare ``kinds`` and/or ``path_patterns`` to narrow what it sees."""

    #: Artifact kinds it applies to; empty means every kind of regular file.
    kinds: ClassVar[frozenset[ArtifactKind]] = frozenset()
    #: fnmatch patterns on the path inside the filesystem; empty means any path.
    path_patterns: ClassVar[tuple[str, ...]] = ()
    #: Files larger than this are not given to the analyzer.
    max_size: ClassVar[int] = 32 << 20

    def applies(self, artifact: Artifact, fs_path: str) -> bool:
        if artifact.size > self.max_size:
            return False
        if self.kinds and artifact.kind not in self.kinds:
            return False
        return not self.path_patterns or any(
            fnmatch.fnmatchcase(fs_path, pattern) for pattern in self.path_patterns
        )

    @abstractmethod
    def analyze(self, file: FileInput, out: Output) -> None:
        """Add facts and findings about ``file`` to ``out``."""


class ImageAnalyzer(_Documented, ABC):
    """Looks at the whole image after the file analyzers, with every fact they found."""

    @abstractmethod
    def analyze(self, image: ImageView, out: Output) -> None:
        """Add facts and findings about the image to ``out``."""


@dataclass(frozen=True, slots=True)
class AnalyzerError:
    """An analyzer that failed on one file: recorded, and the scan goes on."""

    analyzer: str
    chain: str
    message: str
