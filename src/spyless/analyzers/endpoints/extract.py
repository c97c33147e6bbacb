"""From one file's bytes to validated endpoint occurrences with their context.

Owns the per-file step: scan for candidates (``scan``), validate and classify them
(``validate``), attach the key/command/file context (``context``) and a category
(``categories``), and grade confidence. Pure: bytes in, occurrences out, no image needed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from spyless.analyzers.endpoints.categories import categorize
from spyless.analyzers.endpoints.context import (
    Lines,
    Site,
    file_kind,
    site_in_binary,
    site_in_line,
    string_before,
)
from spyless.analyzers.endpoints.scan import Candidate, scan
from spyless.analyzers.endpoints.validate import (
    check_email,
    check_host,
    check_ipv4,
    check_ipv6,
    check_url,
    is_namespace,
    looks_like_version,
)
from spyless.unpack.interface import ArtifactKind

_RANK = {"low": 0, "medium": 1, "high": 2}
_NOT_DESTINATIONS = frozenset({"unspecified", "netmask", "broadcast", "loopback", "private",
                               "link-local", "multicast", "documentation", "reserved",
                               "shared"})
_UCI_OPTION = re.compile(r"^\s*(?:option|list)\s")
_HOSTY_KEYS = ("host", "server", "url", "addr", "domain", "uri", "site", "dns", "ntp",
               "broker", "acs", "remote", "gateway", "peer", "target", "sink")


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One validated endpoint at one place in one file."""

    kind: str  # "url", "domain", "ipv4", "ipv6", "email"
    value: str
    offset: int
    line: int | None
    site: Site
    confidence: str
    excerpt: str
    scheme: str | None = None
    host: str | None = None
    port: int | None = None
    ip_class: str | None = None
    category: str | None = None
    version_like: bool = False

    @property
    def operative(self) -> bool:
        """Found where a device would act on it: not in documentation, not commented out."""
        return (self.confidence != "low" and not self.site.commented
                and self.site.file_kind in ("binary", "script", "config"))


def lower(confidence: str) -> str:
    return "medium" if confidence == "high" else "low"


def _hosty(key: str) -> bool:
    key = key.lower()
    return any(word in key for word in _HOSTY_KEYS)


def _site(data: bytes, lines: Lines, kind: str, offset: int) -> tuple[Site, str, str, int | None]:
    """(site, text before the value, excerpt, line) for the occurrence at ``offset``."""
    if kind == "binary":
        before = string_before(data, offset)
        end = data.find(b"\x00", offset, offset + 160)
        excerpt = before + data[offset:offset + 160 if end < 0 else end].decode("latin-1")
        return site_in_binary(before), before, excerpt[:200], None
    before, line, number = lines.at(offset)
    site = site_in_line(kind, before)
    if site.key and _UCI_OPTION.match(before):
        section = lines.section(offset)
        if section:
            site = replace(site, key=f"{section}.{site.key}")
    return site, before, line.strip()[:200], number


def _judge(candidate: Candidate, site: Site, before: str, path: str) -> Occurrence | None:
    kind, token = candidate.kind, candidate.value
    context_key = site.key
    if kind == "url":
        url = check_url(token)
        if url is None:
            return None
        confidence = "high"
        if is_namespace(url.host, url.url) or site.namespace or url.ip_class in _NOT_DESTINATIONS:
            confidence = "low"
        category = None if confidence == "low" else categorize(
            url.host, key=context_key, command=site.command, path=_category_path(site, path),
            scheme=url.scheme, port=url.port)
        return Occurrence("url", url.url, candidate.offset, None, site, confidence, "",
                          url.scheme, url.host, url.port, url.ip_class, category)
    if kind == "email":
        checked = check_email(token)
        if checked is None:
            return None
        return Occurrence("email", checked[0], candidate.offset, None, site, "high", "",
                          host=checked[1].host)
    if kind in ("ipv4", "ipv6"):
        ip = check_ipv4(token) if kind == "ipv4" else check_ipv6(token)
        if ip is None:
            return None
        address, ip_class = ip
        version = kind == "ipv4" and ip_class == "public" and looks_like_version(address, before)
        if version or ip_class != "public":
            confidence = "low"
        elif site.file_kind in ("script", "config") and (site.command or _hosty(site.key)):
            confidence = "high"
        else:
            confidence = "medium"
        category = None if confidence == "low" else categorize(
            address, key=context_key, command=site.command, path=_category_path(site, path))
        return Occurrence(kind, address, candidate.offset, None, site, confidence, "",
                          host=address, ip_class=ip_class, category=category,
                          version_like=version)
    return _judge_host(candidate, site, context_key, path)


def _category_path(site: Site, path: str) -> str:
    return "" if site.file_kind in ("web", "text") else path


def _judge_host(candidate: Candidate, site: Site, key: str, path: str) -> Occurrence | None:
    checked = check_host(candidate.value)
    if checked is None:
        return None
    host = checked.host
    category = categorize(host, key=key, command=site.command,
                          path=_category_path(site, path))
    strong = bool(_hosty(site.key) or host.startswith("www.")
                  or (category is not None and category != "vendor"))
    corroborated = strong or bool(site.command)
    if checked.ambiguous and not strong:
        return None  # libfoo.so, setup.py, obj.id: file names and code, even after -r
    if site.file_kind == "binary" and host.count(".") == 1 and len(host.split(".")[0]) <= 2:
        return None  # "b.bt", "bs.qa": fragments of packed tables, not names
    confidence = "high"
    if checked.special_use or checked.mixed_case or checked.ambiguous:
        confidence = "medium" if corroborated else "low"
    if site.namespace or is_namespace(host):
        confidence, category = "low", None
    return Occurrence("domain", host, candidate.offset, None, site, confidence, "",
                      host=host, category=category)


def _plausible(candidate: Candidate) -> bool:
    """The cheap, context-free half of validation, so context is built only when needed."""
    if candidate.kind == "host":
        return check_host(candidate.value) is not None
    if candidate.kind == "ipv4":
        return check_ipv4(candidate.value) is not None
    if candidate.kind == "ipv6":
        return check_ipv6(candidate.value) is not None
    return True


def extract(data: bytes, fs_path: str, kind: ArtifactKind) -> list[Occurrence]:
    """Every endpoint in one file, validated, with context; one entry per occurrence."""
    fkind = file_kind(fs_path, kind, data)
    found: list[Occurrence] = []
    lines = Lines(data)
    for candidate in scan(data):
        if not _plausible(candidate):
            continue
        site, before, excerpt, line = _site(data, lines, fkind, candidate.offset)
        occurrence = _judge(candidate, site, before, fs_path)
        if occurrence is None:
            continue
        confidence = occurrence.confidence
        if site.commented:
            confidence = lower(confidence)
        found.append(Occurrence(
            occurrence.kind, occurrence.value, occurrence.offset, line, site, confidence,
            excerpt, occurrence.scheme, occurrence.host, occurrence.port, occurrence.ip_class,
            occurrence.category, occurrence.version_like))
    return found


def best(confidences: list[str]) -> str:
    return max(confidences, key=_RANK.__getitem__, default="low")
