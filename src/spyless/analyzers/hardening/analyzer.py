"""The hardening analyzers: a Hardening fact per ELF program or library, folded findings per image.

:class:`ElfHardening` runs on every ELF file (in the worker pool) and adds one
:class:`~spyless.model.facts.Hardening` fact. :class:`HardeningSummary` runs afterwards and
turns the facts into at most one finding per missing protection, listing the affected
binaries (capped) with the count and share in the message, plus one summary finding, so
an image with 300 unhardened binaries gets a handful of findings, not hundreds.
"""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Callable

from spyless.analyzers.hardening.checks import (
    CANARY_SYMBOLS,
    CRITICAL_UNSAFE,
    STATIC_FORTIFY_SYMBOLS,
    hardening_of,
    risky_search_path,
    stack_state,
)
from spyless.analyzers.hardening.specs import (
    SPY701,
    SPY702,
    SPY703,
    SPY704,
    SPY705,
    SPY706,
    SPY707,
    SPY708,
    SPY709,
)
from spyless.analyzers.hardening.summary import (
    arch_label,
    hardening_summary,
    percent,
    summary_line,
)
from spyless.analyzers.image import ImageView
from spyless.analyzers.interface import FileAnalyzer, FileInput, ImageAnalyzer, Output
from spyless.elf import ElfFormatError, read_elf
from spyless.model.facts import Hardening, Service
from spyless.model.findings import Confidence, Evidence, FindingSpec, Location, Severity
from spyless.unpack.filetype import parse_elf_header
from spyless.unpack.interface import Artifact, ArtifactKind

#: Affected binaries listed in one finding; the message always gives the full count.
MAX_EVIDENCE = 25
_STATIC_NAMES = CANARY_SYMBOLS | STATIC_FORTIFY_SYMBOLS
#: Firmware for other processors (Wi-Fi, DSP), kernels and boot files are not Linux programs.
_NOT_USERLAND = ("/lib/firmware/*", "/usr/lib/firmware/*", "/boot/*", "*/vmlinux*",
                 "/vmlinux*")
#: Programs that serve the network when present in a router image.
NETWORK_DAEMONS = frozenset({
    "httpd", "uhttpd", "lighttpd", "nginx", "boa", "goahead", "webs", "mini_httpd", "thttpd",
    "dropbear", "sshd", "telnetd", "utelnetd", "ftpd", "vsftpd", "proftpd", "pure-ftpd",
    "tftpd", "smbd", "nmbd", "miniupnpd", "upnpd", "dnsmasq", "udhcpd", "dhcpd", "pppd",
    "hostapd", "snmpd", "cwmpd", "tr069", "inetd", "xinetd", "lld2d", "ntpd", "dropbearmulti",
})


class ElfHardening(FileAnalyzer):
    name = "elf-hardening"
    description = ("Reads each ELF program and library's headers, dynamic section and symbols: "
                   "NX, PIE, RELRO, stack canary, FORTIFY, RPATH/RUNPATH, stripped, RWX "
                   "segments and unsafe imports.")
    kinds = frozenset({ArtifactKind.ELF})
    references = ("https://refspecs.linuxfoundation.org/elf/gabi4+/contents.html",)

    def analyze(self, file: FileInput, out: Output) -> None:
        if any(fnmatch.fnmatchcase(file.fs_path, p) for p in _NOT_USERLAND):
            return
        try:
            elf = read_elf(file.data, _STATIC_NAMES)
        except ElfFormatError:
            return
        info = file.artifact.elf or parse_elf_header(file.data[:20])
        arch = info.arch if info is not None else f"machine-{elf.machine}"
        fact = hardening_of(elf, arch, file.fs_path, file.location())
        if fact is not None:
            out.add(fact)


def _network_facing(image: ImageView) -> Callable[[Hardening], bool]:
    chains: set[str] = set()
    paths: set[str] = set()
    for fact in image.facts_of(Service):
        if isinstance(fact, Service) and (fact.port is not None or fact.manager == "inetd"
                                          or posixpath.basename(fact.binary or "")
                                          in NETWORK_DAEMONS):
            if fact.binary_chain:
                chains.add(fact.binary_chain)
            if fact.binary:
                paths.add(fact.binary)

    def facing(h: Hardening) -> bool:
        return (h.location.chain in chains or h.location.path in paths
                or posixpath.basename(h.location.path or "") in NETWORK_DAEMONS)
    return facing


class HardeningSummary(ImageAnalyzer):
    name = "hardening-summary"
    description = ("Folds the per-binary hardening facts into one finding per missing "
                   "protection (affected binaries listed, with count and share) and a summary.")
    findings = (SPY701, SPY702, SPY703, SPY704, SPY705, SPY706, SPY707, SPY708, SPY709)
    references = ("https://wiki.debian.org/Hardening",)

    def analyze(self, image: ImageView, out: Output) -> None:
        facing = _network_facing(image)
        # Evidence lists are capped: network-facing programs first, then executables.
        facts = sorted((f for f in image.facts_of(Hardening) if isinstance(f, Hardening)),
                       key=lambda h: (not facing(h), h.elf_type != "executable",
                                      h.location.path or "", h.location.chain))
        if not facts:
            return
        summary = hardening_summary(facts)
        total = len(facts)
        executables = [h for h in facts if h.elf_type == "executable"]
        where = Location(chain=image.result.image.name, sha256=image.result.image.sha256)
        out.finding(SPY709, summary_line(summary), where, tags=("summary",))

        no_nx = [h for h in facts if h.nx is False]
        by_chain = {a.chain: a for a in image.result.artifacts
                    if a.chain in {h.location.chain for h in no_nx[:MAX_EVIDENCE]}}
        _fold(out, SPY701, no_nx, total, "ELF binaries", "have an executable stack",
              lambda h: _stack_reason(image, by_chain.get(h.location.chain), h.arch))
        no_pie = [h for h in executables if h.pie is False]
        _fold(out, SPY702, no_pie, len(executables), "executables",
              "are not position-independent (ET_EXEC)", lambda h: "ET_EXEC")
        no_relro = [h for h in facts if h.relro == "none"]
        _fold(out, SPY703, no_relro, total, "ELF binaries", "have no RELRO",
              lambda h: "no PT_GNU_RELRO",
              extra=(f"; {summary['relro']['partial']} more have only partial RELRO"
                     if summary["relro"]["partial"] else ""))
        no_canary = [h for h in facts if h.canary is False]
        _fold(out, SPY704, no_canary, total, "ELF binaries",
              "reference no stack-protector handler", lambda h: "no __stack_chk_fail",
              confidence=Confidence.MEDIUM)
        self._unsafe(out, facts, facing)
        self._search_paths(out, facts)
        rwx = [h for h in facts if h.rwx_segments]
        _fold(out, SPY707, rwx, total, "ELF binaries", "have a writable and executable segment",
              lambda h: "PT_LOAD with PF_W|PF_X")
        no_fortify = [h for h in facts if h.fortify is False]
        _fold(out, SPY708, no_fortify, total, "ELF binaries", "import no fortified (__*_chk) "
              "function", lambda h: "no __*_chk import", confidence=Confidence.MEDIUM)

    @staticmethod
    def _unsafe(out: Output, facts: list[Hardening], facing: Callable[[Hardening], bool]) -> None:
        users = [h for h in facts if h.unsafe_functions]
        if not users:
            return
        exposed = [h for h in users if facing(h) and CRITICAL_UNSAFE & set(h.unsafe_functions)]
        users.sort(key=lambda h: h not in exposed)  # stable: keeps the order of ``facts``
        counts: dict[str, int] = {}
        for h in users:
            for name in h.unsafe_functions:
                counts[name] = counts.get(name, 0) + 1
        names = ", ".join(f"{n} ({c})" for n, c in sorted(counts.items(),
                                                         key=lambda kv: (-kv[1], kv[0])))
        extra = f"; functions (binaries): {names}"
        if exposed:
            extra += ("; network-facing programs importing gets/system/popen: "
                      + ", ".join(h.location.path or h.location.chain for h in exposed))
        _fold(out, SPY705, users, len(facts), "ELF binaries", "import unsafe C functions",
              lambda h: ("network-facing; " if h in exposed else "")
              + "imports " + ", ".join(h.unsafe_functions),
              severity=Severity.MEDIUM if exposed else None, extra=extra)

    @staticmethod
    def _search_paths(out: Output, facts: list[Hardening]) -> None:
        risky: list[Hardening] = []
        reasons: dict[int, str] = {}
        for h in facts:
            why = [f"{tag} {p!r}: {reason}" for tag, values in (("RPATH", h.rpath),
                                                               ("RUNPATH", h.runpath))
                   for p in values if (reason := risky_search_path(p)) is not None]
            if why:
                reasons[id(h)] = "; ".join(why)
                risky.append(h)
        _fold(out, SPY706, risky, len(facts), "ELF binaries",
              "search for libraries in writable or relative folders", lambda h: reasons[id(h)])


def _stack_reason(image: ImageView, artifact: Artifact | None, arch: str) -> str:
    """Why the stack is executable, from the program headers at the head of the file."""
    if artifact is None:
        return "executable stack"
    try:
        elf = read_elf(image.read(artifact, limit=8192))
    except (ElfFormatError, OSError):
        return "executable stack"
    return stack_state(elf, arch)[1]


def _fold(out: Output, spec: FindingSpec, affected: list[Hardening], population: int,
          noun: str, what: str, excerpt: Callable[[Hardening], str],
          confidence: Confidence = Confidence.HIGH, severity: Severity | None = None,
          extra: str = "") -> None:
    """One finding for every binary lacking one protection."""
    if not affected:
        return
    listed = affected[:MAX_EVIDENCE]
    evidence = tuple(
        Evidence(h.location, f"{h.location.path}: {h.elf_type}, {arch_label(h)}: {excerpt(h)}")
        for h in listed)
    shown = f" ({len(listed)} listed)" if len(listed) < len(affected) else ""
    message = (f"{len(affected)} of {population} {noun} "
               f"({percent(len(affected), population)}) {what}{shown}{extra}")
    out.finding(spec, message, evidence, confidence=confidence, severity=severity)
