"""Hidden routes in web server and CGI binaries: a route named like telnet, debug or
manufacturing (SPY413), and such a route next to the command that starts telnetd or a
shell (SPY412, the pattern of Tenda's /goform/telnet).

Works on the binary's printable strings; the compiled handler table usually keeps a
route's name and the command its handler runs in the same read-only data region.
"""

from __future__ import annotations

import itertools
import re
from typing import ClassVar

from spyless.analyzers.backdoors.patterns import (
    WEB_SERVER_PATTERNS,
    printable_string_at,
    starts_telnetd,
    suspicious_endpoint,
)
from spyless.analyzers.backdoors.specs import SPY412, SPY413
from spyless.analyzers.interface import FileAnalyzer, FileInput, Output
from spyless.model.findings import Confidence
from spyless.unpack.interface import ArtifactKind

#: A route-looking printable string: a path with a name, at most 96 characters.
_ROUTE = re.compile(r"/[\x21-\x7e]{2,95}")
#: Lower-case words that a suspicious route contains (searched with bytes.find: fast).
_HINTS = (b"telnet", b"backdoor", b"debug", b"dbg", b"mfg", b"factory", b"engineer", b"shell",
          b"hidden", b"godmode", b"/ate")
_MAX_HINTS = 2000
_SHELL_HINT = re.compile(rb"telnetd|-e /bin/sh|/bin/sh -i")
#: How far apart (bytes) a route and its command may lie and still be read as one handler.
_NEAR = 4096
_MAX_FINDINGS = 20


def _hint_spans(data: bytes) -> list[tuple[int, int]]:
    lowered = data.lower()
    spans: list[tuple[int, int]] = []
    for hint in _HINTS:
        at = lowered.find(hint)
        while at >= 0 and len(spans) < _MAX_HINTS:
            spans.append((at, at + len(hint)))
            at = lowered.find(hint, at + len(hint))
    return sorted(spans)


class WebServerHiddenRoutes(FileAnalyzer):
    name = "web-server-hidden-routes"
    description = ("Finds telnet/debug/manufacturing routes in web server and CGI binaries and "
                   "flags those whose handler starts telnetd or a shell.")
    findings = (SPY412, SPY413)
    references = ("https://nvd.nist.gov/vuln/detail/CVE-2020-10988",)
    kinds: ClassVar[frozenset[ArtifactKind]] = frozenset({ArtifactKind.ELF})
    path_patterns: ClassVar[tuple[str, ...]] = WEB_SERVER_PATTERNS
    max_size: ClassVar[int] = 16 << 20

    def analyze(self, file: FileInput, out: Output) -> None:
        data = file.data
        routes: dict[str, int] = {}
        for start, end in _hint_spans(data):
            offset, text = printable_string_at(data, start, end)
            shape = _ROUTE.match(text)
            if shape and shape.end() == len(text) and suspicious_endpoint(text):
                routes.setdefault(text, offset)
            if len(routes) >= _MAX_FINDINGS:
                break
        if not routes:
            return
        starters = [(o, text) for o, text in (
            printable_string_at(data, m.start(), m.end(), spaces=True)
            for m in itertools.islice(_SHELL_HINT.finditer(data), _MAX_HINTS))
            if starts_telnetd(text) is not None or "/bin/sh" in text]
        for route, offset in sorted(routes.items(), key=lambda item: item[1]):
            near = [(o, s) for o, s in starters if abs(o - offset) <= _NEAR]
            if near:
                command_offset, command = near[0]
                out.finding(
                    SPY412, f"route {route} in {file.fs_path} lies {abs(command_offset - offset)}"
                    f" bytes from the command {command.strip()!r}",
                    file.location(offset=offset),
                    confidence=Confidence.MEDIUM if "telnet" in route.lower() else Confidence.LOW,
                    excerpt=f"{route} ... {command.strip()[:80]}")
            else:
                out.finding(SPY413, f"{file.fs_path} serves the route {route}",
                            file.location(offset=offset), confidence=Confidence.LOW,
                            excerpt=route)
