"""The endpoints analyzer: every destination the image is built to contact, and findings.

Owns :class:`Endpoints`, an image analyzer. It reads each leaf file once (containers whose
content was unpacked are skipped, so nothing is counted twice), extracts occurrences
(``extract``), joins them with what runs at boot or from cron (``boot``), folds them into
one :class:`~spyless.model.facts.Endpoint` per value with every location kept, and judges
the result (``SPY501``-``SPY505``). It is an image analyzer rather than a file analyzer so
that the report holds exactly one fact per value.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from dataclasses import dataclass, field

from spyless.analyzers.endpoints import boot
from spyless.analyzers.endpoints.categories import by_name
from spyless.analyzers.endpoints.extract import Occurrence, best, extract
from spyless.analyzers.endpoints.specs import SPECS, SPY501, SPY502, SPY503, SPY504, SPY505
from spyless.analyzers.image import ImageView
from spyless.analyzers.interface import ImageAnalyzer, Output, split_chain
from spyless.model.facts import Endpoint
from spyless.model.findings import Confidence, Evidence, Location, Severity
from spyless.unpack.interface import Artifact, ArtifactKind

_KINDS = frozenset({ArtifactKind.ELF, ArtifactKind.SCRIPT, ArtifactKind.TEXT,
                    ArtifactKind.DATA})
_MEDIA = (".png", ".jpg", ".jpeg", ".gif", ".ico", ".bmp", ".svgz", ".woff", ".woff2",
          ".ttf", ".otf", ".mp3", ".wav", ".db")
_STREAMS = frozenset({"gzip", "lzma", "xz", "bzip2", "zstd", "lz4", "lzo", "zlib", "compress"})
_MAX_FILE = 32 << 20
_MAX_LOCATIONS = 64
_MAX_EVIDENCE = 16
_PLAIN = frozenset({"http", "ftp", "tftp", "mqtt", "telnet", "ws", "ldap", "coap"})
_SENSITIVE = frozenset({"update", "telemetry", "cloud", "tr069", "mqtt", "syslog"})
_NOT_CALL_HOME = frozenset({"ntp", "dns", "vendor"})


@dataclass(slots=True)
class _Fold:
    """Everything known about one endpoint value while folding."""

    occurrences: list[tuple[Occurrence, Location, str | None]] = field(default_factory=list)


class Endpoints(ImageAnalyzer):
    name = "endpoints"
    description = ("URLs, host names, IP and e-mail addresses in configs, scripts and binary "
                   "strings, with context, boot use and channel category.")
    findings = SPECS
    references = ("https://publicsuffix.org/", "RFC 6890 (special-purpose IP addresses)",
                  "RFC 2606 / RFC 6761 (special-use domain names)")

    def analyze(self, image: ImageView, out: Output) -> None:
        reasons = boot.usage(image)
        folds: dict[tuple[str, str], _Fold] = defaultdict(_Fold)
        for artifact in _leaf_files(image):
            data = image.read(artifact, _MAX_FILE)
            fs_path = _shown_path(artifact.chain)
            reason = reasons.get(artifact.chain)
            for occurrence in extract(data, fs_path, artifact.kind):
                where = Location(artifact.chain, fs_path, occurrence.offset, occurrence.line,
                                 artifact.sha256)
                folds[(occurrence.kind, occurrence.value)].occurrences.append(
                    (occurrence, where, reason))
        endpoints = [(_endpoint(kind, value, fold), fold)
                     for (kind, value), fold in sorted(folds.items())]
        for endpoint, _fold in endpoints:
            out.add(endpoint)
        _judge(endpoints, out)


def _shown_path(chain: str) -> str:
    """The path inside the filesystem; for a decompressed file, the compressed file's path.

    ``...!tar@0x0/usr/share/doc/x/changelog.gz!gzip@0x0/gzip.out`` is shown (and judged)
    as ``/usr/share/doc/x/changelog.gz``: documentation, not a file called gzip.out.
    """
    root, path = split_chain(chain)
    for _ in range(4):
        label = root.rsplit("!", 1)[-1].split("@", 1)[0]
        if "!" not in root or label not in _STREAMS:
            break
        root, path = split_chain(root.rsplit("!", 1)[0])
    return path


def _leaf_files(image: ImageView) -> list[Artifact]:
    artifacts = image.result.artifacts
    containers = {a.chain.rsplit("!", 1)[0] for a in artifacts if "!" in a.chain}
    return [a for a in artifacts
            if a.kind in _KINDS and a.path is not None and a.sha256 is not None
            and a.chain not in containers and not a.chain.lower().endswith(_MEDIA)]


def _endpoint(kind: str, value: str, fold: _Fold) -> Endpoint:
    occurrences = [o for o, _, _ in fold.occurrences]
    first = occurrences[0]
    categories = [o.category for o in occurrences if o.category]
    contexts: list[str] = []
    for occurrence, where, reason in fold.occurrences:
        text = f"{where.path}: {occurrence.site.describe()}"
        if occurrence.site.commented:
            text += " (commented out)"
        if reason:
            text += f" [{reason}]"
        if text not in contexts:
            contexts.append(text)
    return Endpoint(
        kind=kind, value=value,
        locations=tuple(where for _, where, _ in fold.occurrences[:_MAX_LOCATIONS]),
        scheme=first.scheme, host=first.host,
        category=max(set(categories), key=categories.count) if categories else None,
        context="; ".join(contexts[:6]) + (f"; +{len(contexts) - 6} more"
                                           if len(contexts) > 6 else ""),
        confidence=best([o.confidence for o in occurrences]),
        used_at_boot=any(r is not None and r.startswith(("boot", "cron"))
                         for o, _w, r in fold.occurrences if o.operative),
        ip_class=first.ip_class,
    )


def _evidence(fold: _Fold, only_operative: bool = True) -> tuple[Evidence, ...]:
    chosen = [(o, w) for o, w, _ in fold.occurrences if o.operative or not only_operative]
    return tuple(Evidence(w, o.excerpt) for o, w in chosen[:_MAX_EVIDENCE])


def _judge(endpoints: list[tuple[Endpoint, _Fold]], out: Output) -> None:
    channels: dict[str, list[tuple[Endpoint, _Fold]]] = defaultdict(list)
    public_ips: list[tuple[Endpoint, _Fold]] = []
    for endpoint, fold in endpoints:
        operative = [(o, w, r) for o, w, r in fold.occurrences if o.operative]
        if not operative:
            continue
        if endpoint.kind == "email":
            out.finding(SPY505, f"E-mail address {endpoint.value}", _evidence(fold),
                        confidence=Confidence.HIGH)
            continue
        if endpoint.category and endpoint.category != "vendor":
            channels[endpoint.category].append((endpoint, fold))
        if (endpoint.kind in ("ipv4", "ipv6") and endpoint.ip_class == "public"
                and endpoint.category not in ("dns", "ntp")):
            public_ips.append((endpoint, fold))
        _plain_text(endpoint, fold, operative, out)
        _call_home(endpoint, operative, out)
    for category, members in sorted(channels.items()):
        _channel(category, members, out)
    if public_ips:
        _public_ips(public_ips, out)


def _plain_text(endpoint: Endpoint, fold: _Fold,
                operative: list[tuple[Occurrence, Location, str | None]], out: Output) -> None:
    if endpoint.kind != "url" or endpoint.scheme not in _PLAIN:
        return
    from_job = [(o, w) for o, w, r in operative
                if r is not None and (o.site.command or o.site.key)]
    if endpoint.category not in _SENSITIVE and not from_job:
        return
    why = f"a {endpoint.category} channel" if endpoint.category in _SENSITIVE else (
        "used by a boot, cron or update job")
    out.finding(SPY501, f"{endpoint.value} is {why} over plain {endpoint.scheme}",
                _evidence(fold), confidence=Confidence.HIGH if endpoint.confidence == "high"
                else Confidence.MEDIUM, tags=(endpoint.category or "uncategorised",))


def _call_home(endpoint: Endpoint,
               operative: list[tuple[Occurrence, Location, str | None]], out: Output) -> None:
    if endpoint.category in _NOT_CALL_HOME or endpoint.kind == "email":
        return
    if endpoint.ip_class not in (None, "public"):
        return
    hits = [(o, w, r) for o, w, r in operative
            if r is not None and r.startswith(("boot", "cron"))
            and o.site.file_kind in ("script", "config") and (o.site.command or o.site.key)]
    if not hits:
        return
    occurrence, _where, reason = hits[0]
    how = occurrence.site.command or f"key {occurrence.site.key}"
    out.finding(SPY502, f"{endpoint.value} is contacted ({how}) by "
                f"{posixpath.basename(_where.path or '')}, which runs at "
                f"{'boot' if (reason or '').startswith('boot') else 'cron'} ({reason})",
                tuple(Evidence(w, o.excerpt) for o, w, _ in hits[:_MAX_EVIDENCE]),
                confidence=Confidence.HIGH if endpoint.confidence == "high"
                else Confidence.MEDIUM, tags=(endpoint.category or "uncategorised",))


def _channel(category: str, members: list[tuple[Endpoint, _Fold]], out: Output) -> None:
    spec = by_name(category)
    title = spec.title if spec else category
    severity = spec.severity if spec else Severity.LOW
    values = ", ".join(e.value for e, _ in members[:12])
    more = f" and {len(members) - 12} more" if len(members) > 12 else ""
    evidence = tuple(ev for _, fold in members for ev in _evidence(fold))[:_MAX_EVIDENCE]
    out.finding(SPY504, f"{title}: {values}{more}", evidence, confidence=Confidence.MEDIUM,
                severity=severity, tags=(category,))


def _public_ips(members: list[tuple[Endpoint, _Fold]], out: Output) -> None:
    in_scripts = any(o.site.file_kind in ("script", "config") and r is not None
                     for _, fold in members for o, _, r in fold.occurrences if o.operative)
    values = ", ".join(e.value for e, _ in members[:16])
    more = f" and {len(members) - 16} more" if len(members) > 16 else ""
    evidence = tuple(ev for _, fold in members for ev in _evidence(fold))[:_MAX_EVIDENCE]
    out.finding(SPY503, f"{len(members)} hardcoded public IP address(es): {values}{more}",
                evidence, confidence=Confidence.MEDIUM,
                severity=Severity.MEDIUM if in_scripts else Severity.LOW)
