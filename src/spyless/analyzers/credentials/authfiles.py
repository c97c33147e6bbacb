"""Parsers for files whose whole job is to hold credentials for one service.

htpasswd-style files (``user:hash``), lighttpd plain user files, BusyBox ``httpd.conf``
(``/cgi-bin:admin:admin``), PPP ``chap-secrets``/``pap-secrets`` and SNMP daemon
directives (``rocommunity public``, ``com2sec name source community``). Each parser takes
the text and yields :class:`Hit` values with byte offsets into it.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from spyless.analyzers.credentials.specs import Hit
from spyless.analyzers.credentials.values import is_hash, is_placeholder
from spyless.model.findings import Confidence

#: Records longer than this are cut (bounds regex work on hostile input).
_LINE = re.compile(r"[^\r\n\x00]{1,4096}")
_HTPASSWD_ENTRY = re.compile(r"^([A-Za-z0-9._@-]{1,64}):(\S+?)(?::.*)?$")
_DES_CRYPT = re.compile(r"^[./0-9A-Za-z]{13}$")
_BUSYBOX_AUTH = re.compile(r"^(/[^:\s]*):([^:\s]+):(\S+)\s*$")
_SNMP_COMMUNITY = re.compile(
    r"^\s*(?P<directive>r[ow]community6?)\s+(?P<community>\S+)", re.IGNORECASE)
_SNMP_COM2SEC = re.compile(
    r"^\s*com2sec6?\s+(?:-Cn\s+\S+\s+)?(?P<name>\S+)\s+(?P<source>\S+)\s+(?P<community>\S+)",
    re.IGNORECASE)


def lines(text: str) -> Iterator[tuple[int, str]]:
    """(offset, line) for every non-empty, non-comment line; NUL separates records too."""
    for match in _LINE.finditer(text):
        line = match.group()
        stripped = line.lstrip()
        if stripped and not stripped.startswith(("#", ";", "//", "!")):
            yield match.start(), line


def is_htpasswd_name(path: str) -> bool:
    name = posixpath.basename(path).lower()
    return "htpasswd" in name or name in {".htdigest", "htdigest", "users.htpasswd"}


def is_lighttpd_plain_name(path: str) -> bool:
    name = posixpath.basename(path).lower()
    return "lighttpd" in path.lower() and (name.endswith(".user") or "plain" in name)


def is_busybox_httpd_conf(path: str) -> bool:
    name = posixpath.basename(path).lower()
    return name.startswith("httpd") and name.endswith(".conf")


def parse_htpasswd(text: str, plaintext: bool = False) -> Iterator[Hit]:
    """``user:hash`` (htpasswd) or ``user:password`` (lighttpd plain) entries."""
    for offset, line in lines(text):
        match = _HTPASSWD_ENTRY.match(line.strip())
        if match is None:
            continue
        user, secret = match.group(1), match.group(2)
        if is_placeholder(secret) or secret in {"*", "!", "x"}:
            continue
        hashed = is_hash(secret) or _DES_CRYPT.match(secret) is not None
        if plaintext and not hashed:
            yield Hit("password", secret, offset, line, "web users file", username=user,
                      service="web")
        elif hashed:
            yield Hit("htpasswd", secret, offset, line, "htpasswd entry", username=user,
                      service="web")


def parse_busybox_httpd(text: str) -> Iterator[Hit]:
    """BusyBox httpd basic-auth lines: ``/path:user:password`` (md5crypt with ``httpd -m``)."""
    for offset, line in lines(text):
        match = _BUSYBOX_AUTH.match(line.strip())
        if match is None:
            continue
        path, user, secret = match.groups()
        if is_placeholder(secret):
            continue
        kind = "htpasswd" if is_hash(secret) else "password"
        yield Hit(kind, secret, offset, line, f"httpd.conf protects {path}", username=user,
                  service="web")


def parse_ppp_secrets(text: str) -> Iterator[Hit]:
    """``client server secret [addresses]`` lines of chap-secrets / pap-secrets."""
    for offset, line in lines(text):
        fields = re.findall(r'"[^"]*"|\S+', line)
        if len(fields) < 3:
            continue
        user, secret = fields[0].strip('"'), fields[2].strip('"')
        if is_placeholder(secret) or user in {"*", "client"}:
            continue
        yield Hit("password", secret, offset, line, "PPP secrets file", username=user,
                  service="ppp")


def parse_snmp(text: str) -> Iterator[Hit]:
    """Communities of net-snmp's snmpd.conf (and of anything using its directives)."""
    for offset, line in lines(text):
        match = _SNMP_COMMUNITY.match(line)
        if match is not None:
            community = match.group("community")
            if not is_placeholder(community):
                directive = match.group("directive").lower()
                yield Hit("snmp-community", community, offset, line, directive,
                          service="snmp", writable=directive.startswith("rw"))
            continue
        match = _SNMP_COM2SEC.match(line)
        if match is not None and not is_placeholder(match.group("community")):
            name = match.group("name").lower()
            yield Hit("snmp-community", match.group("community"), offset, line,
                      f"com2sec {match.group('name')}", service="snmp",
                      writable="rw" in name or "write" in name,
                      confidence=Confidence.HIGH)
