"""Finding endpoint-shaped tokens in bytes: one multi-pattern pass per file, then local work.

Owns the raw candidate search (no judgement): URLs, e-mail addresses, IPv4 and IPv6
addresses and dotted host names, in text and in the ASCII and UTF-16LE strings of binaries.
Validation lives in ``validate``, context in ``context``.

Engine (``bench/endpoints_bench.py`` measures the alternatives): a yara-x rule set finds
short *anchors* (``x.tld``, ``://``, ``a@b``, ``1.2.3.4``-like, ``::``, and their UTF-16LE
forms) in one pass at a few hundred MB/s; each anchor is then grown to its full token
with cheap anchored regexes. A Python regex over the whole buffer, which is what a naive
version does, runs at 1-30 MB/s on firmware and misses the 0.5 s budget by far.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import yara_x

from spyless.yarascan import thread_scanner

#: Schemes worth reporting; others (``file:``, ``data:``) are not network endpoints.
SCHEMES = frozenset({
    "https", "http", "ftps", "ftp", "tftp", "mqtts", "mqtt", "wss", "ws", "rtsp", "sftp",
    "ldaps", "ldap", "coaps", "coap", "telnet", "ssh", "xmpp", "smtp", "syslog",
})
#: A file with more anchors than this is data, not configuration: stop there.
MAX_ANCHORS = 50_000
_MAX_TOKEN = 1024

_RULES = r"""
rule endpoint_anchors {
  strings:
    $host = /[A-Za-z0-9]\.[A-Za-z][A-Za-z0-9-]{1,23}[^A-Za-z0-9.-]/
    $url = "://"
    $email = /[A-Za-z0-9]@[A-Za-z0-9]/
    $ipv4 = /[0-9]\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]/
    $ipv6 = /::|[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{0,4}:/
    $w_dot = /[A-Za-z0-9]\x00\.\x00[A-Za-z0-9]\x00[A-Za-z0-9]\x00/
    $w_url = ":\x00/\x00/\x00"
    $w_at = /[A-Za-z0-9]\x00@\x00[A-Za-z0-9]\x00/
  condition:
    any of them
}
"""

_HOST_CHARS = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-")
_LOCAL_CHARS = _HOST_CHARS | frozenset(b"_%+")
_IP6_CHARS = frozenset(b"0123456789abcdefABCDEF:.")
_SCHEME_CHARS = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
#: Before a host name these mean a file path, a variable, a format or an e-mail domain.
_NOT_BEFORE_HOST = frozenset(b"/\\_$%{@~")
_PRINTABLE = frozenset(range(0x20, 0x7f)) | {0x09}
_HOST_RIGHT = re.compile(rb"[A-Za-z0-9.-]*")
_IP6_RIGHT = re.compile(rb"[0-9A-Fa-f:.]*")
_URL_RIGHT = re.compile(rb"[^\s\"'<>`\\{}|^\x00-\x1f\x7f-\xff]*")

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
HOST_SHAPE = re.compile(rf"(?:{_LABEL}\.){{1,10}}[A-Za-z][A-Za-z0-9-]{{1,23}}")
EMAIL_SHAPE = re.compile(rf"[A-Za-z0-9][A-Za-z0-9._%+-]{{0,63}}@{HOST_SHAPE.pattern}")
IPV4_SHAPE = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
# The token pattern used on the (rare) UTF-16LE strings, narrowed to ASCII.
_TOKEN = re.compile(
    r"(?P<url>(?<![A-Za-z+.-])[A-Za-z][A-Za-z0-9+.-]{1,9}://[^\s\"'<>`\\{}|^]{1,1024})"
    rf"|(?P<email>(?<![\w.%+-]){EMAIL_SHAPE.pattern}(?![\w-]|\.\w))"
    rf"|(?P<ipv4>(?<![\w.]){IPV4_SHAPE.pattern}(?!\w|\.\d))"
    rf"|(?P<host>(?<![\w.@/$%-]){HOST_SHAPE.pattern}(?![\w-]|\.\w))"
)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A token that looks like an endpoint, before validation."""

    kind: str  # "url", "email", "ipv4", "ipv6", "host"
    value: str
    offset: int  # byte offset in the file
    encoding: str = "ascii"  # "ascii" or "utf-16le"


def _scanner() -> yara_x.Scanner:
    return thread_scanner("endpoints", lambda: yara_x.Scanner(yara_x.compile(_RULES)))


def anchors(data: bytes) -> list[tuple[str, int, int]]:
    """(anchor name, offset, length) of every anchor in ``data``, by offset."""
    results = _scanner().scan(data + b"\n")
    found: list[tuple[str, int, int]] = []
    for rule in results.matching_rules:
        for pattern in rule.patterns:
            name = pattern.identifier[1:]
            found.extend((name, m.offset, m.length) for m in pattern.matches)
    found.sort(key=lambda hit: hit[1])
    return found[:MAX_ANCHORS]


def _grow_left(data: bytes, index: int, chars: frozenset[int], limit: int = 253) -> int:
    stop = max(0, index - limit)
    while index > stop and data[index - 1] in chars:
        index -= 1
    return index


def _before(data: bytes, index: int) -> int:
    return data[index - 1] if index > 0 else 0


def _ascii(data: bytes, start: int, end: int) -> str:
    return data[start:end].decode("ascii", "replace")


def _host_at(data: bytes, offset: int) -> tuple[int, int]:
    start = _grow_left(data, offset + 1, _HOST_CHARS)
    match = _HOST_RIGHT.match(data, offset + 1, offset + 1 + _MAX_TOKEN)
    end = match.end() if match else offset + 1
    if start < end and data[start] in b".-":
        return start, start  # ".data.rel.ro": a section name or a suffix, not a host
    while end > start and data[end - 1] in b".-":
        end -= 1
    return start, end


def _url_at(data: bytes, offset: int) -> tuple[int, int] | None:
    start = _grow_left(data, offset, _SCHEME_CHARS, 10)
    scheme = _ascii(data, start, offset).lower()
    while scheme and scheme not in SCHEMES:
        start, scheme = start + 1, scheme[1:]
    if not scheme or chr(_before(data, start)).isalnum():
        return None
    match = _URL_RIGHT.match(data, offset + 3, offset + 3 + _MAX_TOKEN)
    end = match.end() if match else offset + 3
    return (start, end) if end > offset + 3 else None


def _email_at(data: bytes, offset: int) -> tuple[int, int] | None:
    at = offset + 1
    start = _grow_left(data, at, _LOCAL_CHARS, 64)
    match = _HOST_RIGHT.match(data, at + 1, at + 254)
    end = match.end() if match else at + 1
    while end > at and data[end - 1] in b".-":
        end -= 1
    token = _ascii(data, start, end)
    shaped = EMAIL_SHAPE.search(token)
    if shaped is None or shaped.end() != len(token):
        return None
    return start + shaped.start(), end


def _ip6_at(data: bytes, offset: int) -> tuple[int, int] | None:
    start = _grow_left(data, offset, _IP6_CHARS, 45)
    match = _IP6_RIGHT.match(data, offset, offset + 45)
    end = match.end() if match else offset
    if chr(_before(data, start)).isalnum() or _before(data, start) in b"_%":
        return None
    if end < len(data) and (chr(data[end]).isalnum() or data[end] in b"_%"):
        return None
    return start, end


def _ascii_candidates(data: bytes, hits: list[tuple[str, int, int]]) -> Iterator[Candidate]:
    seen: set[int] = set()
    for name, offset, _length in hits:
        span: tuple[int, int] | None
        kind = name
        if name == "host":
            span = _host_at(data, offset)
            if _before(data, span[0]) in _NOT_BEFORE_HOST:
                continue  # a path, a variable, or an e-mail domain (the "email" anchor's)
        elif name == "url":
            span = _url_at(data, offset)
        elif name == "email":
            span = _email_at(data, offset)
        elif name == "ipv4":
            span = _host_at(data, offset)
        else:
            span = _ip6_at(data, offset)
        if span is None or span[0] in seen or span[1] - span[0] < 2:
            continue
        seen.add(span[0])
        yield Candidate(kind, _ascii(data, *span), span[0])


def _utf16_candidates(data: bytes, hits: list[tuple[str, int, int]]) -> Iterator[Candidate]:
    done_until = -1
    for _name, offset, _length in hits:
        if offset < done_until:
            continue
        start = offset
        stop = max(0, start - 2 * _MAX_TOKEN)
        while start - 2 >= stop and data[start - 2] in _PRINTABLE and data[start - 1] == 0:
            start -= 2
        end, limit = offset, min(len(data) - 1, offset + 2 * _MAX_TOKEN)
        while end < limit and data[end] in _PRINTABLE and data[end + 1] == 0:
            end += 2
        done_until = end
        text = data[start:end:2].decode("ascii", "replace")
        for match in _TOKEN.finditer(text):
            yield Candidate(match.lastgroup or "host", match.group(), start + 2 * match.start(),
                            "utf-16le")


def scan(data: bytes) -> Iterator[Candidate]:
    """Every endpoint-shaped token in ``data``, text or binary."""
    hits = anchors(data)
    narrow = [h for h in hits if not h[0].startswith("w_")]
    wide = [h for h in hits if h[0].startswith("w_")]
    yield from _ascii_candidates(data, narrow)
    if wide:
        yield from _utf16_candidates(data, wide)
