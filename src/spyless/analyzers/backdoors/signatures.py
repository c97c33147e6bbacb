"""Known backdoor signatures: the YARA pack ``spyless/data/signatures/backdoors.yar`` run
with yara-x over binaries, scripts, configs and raw data.

Owns loading and compiling the pack (once per process, on first use, so worker processes
compile it at most once), reading each rule's metadata (advisory, reference, severity,
description, verified, kind, cwe) and turning matches into SPY401-SPY403 findings.
"""

from __future__ import annotations

import importlib.resources
import re
from dataclasses import dataclass, replace
from types import ModuleType
from typing import TYPE_CHECKING, ClassVar

from spyless.analyzers.backdoors.specs import SPY401, SPY402, SPY403
from spyless.analyzers.interface import FileAnalyzer, FileInput, Output
from spyless.errors import Error
from spyless.model.findings import Confidence, FindingSpec, Severity
from spyless.unpack.interface import ArtifactKind
from spyless.yarascan import thread_scanner

if TYPE_CHECKING:
    import yara_x

PACK = "backdoors.yar"
REQUIRED_META = ("advisory", "reference", "severity", "description", "verified", "kind", "cwe")
KIND_SPECS: dict[str, FindingSpec] = {
    "malicious-code": SPY401,
    "hardcoded-credential": SPY402,
    "hidden-interface": SPY403,
}
#: How well a marker was checked (the markers TSV's status column) -> finding confidence.
VERIFIED_CONFIDENCE = {
    "verified-here": Confidence.HIGH,
    "cited": Confidence.MEDIUM,
    "unverified": Confidence.LOW,
}
_SCAN_SECONDS = 10
_MAX_MATCHES = 8
_EXCERPT = 96
_RULE_NAME = re.compile(r"^rule\s+(\w+)", re.MULTILINE)
_UNPRINTABLE = re.compile(r"[^\x20-\x7e]")


class SignatureError(Error):
    """The signature pack cannot be used (yara-x missing, a rule without its metadata)."""


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """One rule's metadata, checked."""

    name: str
    advisory: str
    reference: str
    severity: Severity
    description: str
    verified: str
    kind: str
    cwe: int

    @property
    def spec(self) -> FindingSpec:
        return KIND_SPECS[self.kind]

    @property
    def confidence(self) -> Confidence:
        return VERIFIED_CONFIDENCE[self.verified.split(maxsplit=1)[0]]


def pack_source() -> str:
    """The text of the signature pack shipped with spyless."""
    resource = importlib.resources.files("spyless.data") / "signatures" / PACK
    return resource.read_text(encoding="utf-8")


def rule_names(source: str | None = None) -> tuple[str, ...]:
    """Names of the rules declared in the pack, in order."""
    return tuple(_RULE_NAME.findall(pack_source() if source is None else source))


def rule_info(name: str, metadata: tuple[tuple[str, object], ...]) -> RuleInfo:
    """Check and type a rule's metadata; a rule without all of it is a bug in the pack."""
    meta = dict(metadata)
    missing = [key for key in REQUIRED_META if key not in meta]
    if missing:
        raise SignatureError(f"signature {name} lacks metadata: {', '.join(missing)}")
    try:
        severity = Severity(str(meta["severity"]))
    except ValueError as e:
        raise SignatureError(f"signature {name}: bad severity {meta['severity']!r}") from e
    kind, verified, cwe = str(meta["kind"]), str(meta["verified"]), meta["cwe"]
    if kind not in KIND_SPECS:
        raise SignatureError(f"signature {name}: unknown kind {kind!r}")
    if not verified or verified.split(maxsplit=1)[0] not in VERIFIED_CONFIDENCE:
        raise SignatureError(f"signature {name}: verified must start with one of "
                             f"{', '.join(VERIFIED_CONFIDENCE)}")
    if not isinstance(cwe, int) or isinstance(cwe, bool):
        raise SignatureError(f"signature {name}: cwe must be a number")
    return RuleInfo(name, str(meta["advisory"]), str(meta["reference"]), severity,
                    str(meta["description"]), verified, kind, cwe)


def compile_pack(source: str) -> yara_x.Rules:
    yara = _yara()
    try:
        rules: yara_x.Rules = yara.compile(source)
    except yara.CompileError as e:
        raise SignatureError(f"signature pack does not compile: {e}") from e
    return rules


def _scanner() -> yara_x.Scanner:
    """One compiled pack and scanner per thread (a yara-x scanner cannot change threads)."""
    return thread_scanner("backdoors", _make_scanner)


def _make_scanner() -> yara_x.Scanner:
    yara = _yara()
    scanner: yara_x.Scanner = yara.Scanner(compile_pack(pack_source()))
    scanner.set_timeout(_SCAN_SECONDS)
    scanner.max_matches_per_pattern(_MAX_MATCHES)
    return scanner


def _yara() -> ModuleType:
    """yara_x, imported on first use so that spyless without it fails with one clear error."""
    try:
        import yara_x  # noqa: PLC0415 - optional until installed; a clear error instead
    except ImportError as e:
        raise SignatureError("the signature pack needs yara-x: pip install 'yara-x>=1.0'") from e
    return yara_x


def _printable(raw: bytes) -> str:
    return _UNPRINTABLE.sub(".", raw.decode("latin-1"))


class KnownBackdoorSignatures(FileAnalyzer):
    name = "backdoor-signatures"
    description = ("Runs the YARA signature pack of publicly documented firmware backdoors "
                   "(D-Link, Alpha Networks, Huawei, TP-Link, Tenda, Sercomm, Netgear, "
                   "Juniper, Fortinet, Zyxel, Hikvision, XiongMai, xz-utils, IoTGoat).")
    findings = (SPY401, SPY402, SPY403)
    references = ("https://virustotal.github.io/yara-x/",)
    # Containers are left out: what they hold is unpacked and scanned file by file.
    kinds: ClassVar[frozenset[ArtifactKind]] = frozenset({
        ArtifactKind.ELF, ArtifactKind.SCRIPT, ArtifactKind.TEXT, ArtifactKind.DATA,
    })
    max_size: ClassVar[int] = 24 << 20

    def analyze(self, file: FileInput, out: Output) -> None:
        yara = _yara()
        try:
            results = _scanner().scan(file.data)
        except yara.TimeoutError as e:
            raise SignatureError(f"signature scan timed out after {_SCAN_SECONDS} s") from e
        for match in results.matching_rules:
            self._report(file, match, out)

    def _report(self, file: FileInput, match: yara_x.Rule, out: Output) -> None:
        info = rule_info(match.identifier, match.metadata)
        hits = [(p.identifier, m.offset, m.length) for p in match.patterns for m in p.matches]
        evidence = [h for h in hits if not h[0].startswith("$ctx")] or hits
        offset, length = (evidence[0][1], evidence[0][2]) if evidence else (0, 0)
        secret = next((_printable(file.data[o:o + n]) for ident, o, n in hits
                       if ident.startswith("$secret")), None)
        line = None
        if file.artifact.kind in {ArtifactKind.TEXT, ArtifactKind.SCRIPT}:
            line = file.data.count(b"\n", 0, offset) + 1
        excerpt = _printable(file.data[offset:offset + min(length, _EXCERPT)])
        out.finding(
            info.spec, f"{info.description} [signature {info.name}; {info.advisory}; "
            f"marker {info.verified}]",
            file.location(offset=offset, line=line), confidence=info.confidence,
            severity=info.severity, excerpt=excerpt, secret=secret,
            tags=(f"rule:{info.name}", f"advisory:{info.advisory}",
                  f"reference:{info.reference}", f"verified:{info.verified}"),
        )
        # The rule knows the precise weakness (e.g. CWE-78 for a command injection); the
        # spec's CWE is only the family default.
        out.findings[-1] = replace(out.findings[-1], cwe=info.cwe)
