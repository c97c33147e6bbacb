"""Hidden functionality in web-facing scripts (CGI, PHP, ASP, Lua): handlers that start
telnetd or run request data through a shell (SPY410), magic-token "backdoor enable"
switches (SPY411) and endpoints named like debug/telnet/manufacturing (SPY413).

Only server-side files under web roots are read; client-side files (HTML, JavaScript, CSS)
and comment lines cannot run anything on the device and are skipped.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import ClassVar

from spyless.analyzers.backdoors.patterns import (
    CLIENT_SIDE_SUFFIXES,
    MAX_PER_FILE,
    REQUEST_DATA,
    WEB_ROOT_PATTERNS,
    live_lines,
    runs_shell,
    starts_telnetd,
    suspicious_endpoint,
)
from spyless.analyzers.backdoors.specs import SPY410, SPY411, SPY413
from spyless.analyzers.interface import FileAnalyzer, FileInput, Output
from spyless.model.findings import Confidence, Severity
from spyless.unpack.interface import ArtifactKind

#: Words that make a compared constant a switch on their own.
_STRONG = re.compile(r"backdoor|secret|hidden|magic|unlock|godmode|bypass", re.IGNORECASE)
#: Words that make it a switch when the script also starts a shell.
_WEAK = re.compile(r"debug|dbg|factory|engineer|mfg|telnet|shell|root|support|vendor",
                   re.IGNORECASE)
_TOKEN = re.compile(r"[A-Za-z0-9_.:+=-]{6,64}")
_CASE = re.compile(r"^\s*case\s+[\"']?\$\{?(\w+)")
_CASE_ARM = re.compile(r"^\s*\(?\s*([^()\s][^()]*)\)")
_TEST = re.compile(
    r"\$\{?(\w+)\}?[\"']?\s*(?:==?|!=)\s*[\"']?([^\"'\s\]]+)|"
    r"[\"']([^\"'\s]+)[\"']\s*(?:==?|!=)\s*[\"']?\$\{?(\w+)")
_PHP_TEST = re.compile(
    r"\$_(?:GET|POST|REQUEST|COOKIE|SERVER)\[[^\]]+\]\s*(?:===?|!==?)\s*[\"']([^\"']+)[\"']")
_GREP_TEST = re.compile(r"\$\{?(\w+)[^|\n$]{0,80}\|\s*grep\s+(?:-\w+\s+)*[\"']?([^\"'\s]+)")
_ASSIGN = re.compile(r"^\s*(?:local\s+|export\s+)?(\w+)=(.*)$")
_REQUEST_VARS = frozenset({"QUERY_STRING", "REQUEST_URI", "PATH_INFO", "HTTP_USER_AGENT",
                           "HTTP_COOKIE", "HTTP_REFERER", "REQUEST_METHOD"})


@dataclass(frozen=True, slots=True)
class _Switch:
    token: str
    line: int
    offset: int
    text: str


def _is_switch_token(token: str, has_shell: bool) -> bool:
    if _STRONG.search(token):
        return True
    if not has_shell:
        return False
    opaque = len(token) >= 12 and any(c.isdigit() for c in token) and any(
        c.isalpha() for c in token)
    return bool(_WEAK.search(token)) or opaque


class WebBackdoorScripts(FileAnalyzer):
    name = "web-backdoor-scripts"
    description = ("Finds web-facing scripts that start telnetd or a shell, magic-token "
                   "backdoor switches and debug/telnet/manufacturing endpoints in the web root.")
    findings = (SPY410, SPY411, SPY413)
    references = ("https://cwe.mitre.org/data/definitions/912.html",)
    kinds: ClassVar[frozenset[ArtifactKind]] = frozenset({ArtifactKind.SCRIPT,
                                                          ArtifactKind.TEXT})
    path_patterns: ClassVar[tuple[str, ...]] = WEB_ROOT_PATTERNS
    max_size: ClassVar[int] = 1 << 20

    def analyze(self, file: FileInput, out: Output) -> None:
        suffix = posixpath.splitext(file.fs_path)[1].lower()
        if suffix in CLIENT_SIDE_SUFFIXES:
            return
        if suspicious_endpoint(file.fs_path) and "/cgi-bin/" in file.fs_path:
            out.finding(SPY413, f"CGI endpoint {posixpath.basename(file.fs_path)} is named like "
                        "a debug, telnet or manufacturing interface", file.location(line=1),
                        confidence=Confidence.LOW, excerpt=file.fs_path)
        lines = list(live_lines(file.text()))
        shells = [(n, o, line, kind) for n, o, line in lines
                  if (kind := runs_shell(line)) is not None]
        for number, offset, line, kind in shells[:MAX_PER_FILE]:
            args = starts_telnetd(line) if kind == "telnetd" else None
            unauthenticated = args is not None and "-l" in args.split() and "sh" in args
            out.finding(
                SPY410, f"web handler {file.fs_path} starts {kind}"
                + (" with a shell and no login" if unauthenticated else ""),
                file.location(offset=offset, line=number), confidence=Confidence.MEDIUM,
                severity=Severity.CRITICAL if unauthenticated else None,
                excerpt=line.strip()[:160])
        for switch in self._switches(lines, has_shell=bool(shells))[:MAX_PER_FILE]:
            strong = bool(_STRONG.search(switch.token))
            out.finding(
                SPY411, f"{file.fs_path} unlocks functionality when request data contains "
                f"the fixed token {switch.token!r}"
                + (" and runs a shell" if shells else ""),
                file.location(offset=switch.offset, line=switch.line),
                confidence=Confidence.HIGH if strong and shells else Confidence.MEDIUM,
                severity=None if strong and shells else Severity.HIGH,
                excerpt=switch.text.strip()[:160], tags=(f"token:{switch.token}",))

    def _switches(self, lines: list[tuple[int, int, str]], has_shell: bool) -> list[_Switch]:
        """Constants that request data is compared with, that look like a hidden switch."""
        request_vars = set(_REQUEST_VARS)
        for _, _, line in lines:
            assign = _ASSIGN.match(line)
            if assign and (REQUEST_DATA.search(assign.group(2)) or any(
                    f"${v}" in assign.group(2) or f"${{{v}}}" in assign.group(2)
                    for v in request_vars)):
                request_vars.add(assign.group(1))
        found: dict[str, _Switch] = {}
        in_case = False
        for number, offset, line in lines:
            candidates: list[str] = []
            case = _CASE.match(line)
            if case:
                in_case = case.group(1) in request_vars or case.group(1).startswith("HTTP_")
                continue
            if line.strip().startswith("esac"):
                in_case = False
            elif in_case and (arm := _CASE_ARM.match(line)):
                candidates += [p.strip("*\"' ") for p in arm.group(1).split("|")]
            for test in _TEST.finditer(line):
                var, token = (test.group(1), test.group(2)) if test.group(1) else (
                    test.group(4), test.group(3))
                if var in request_vars:
                    candidates.append(token)
            candidates += _PHP_TEST.findall(line)
            for grep in _GREP_TEST.finditer(line):
                if grep.group(1) in request_vars:
                    candidates.append(grep.group(2))
            for token in candidates:
                if (_TOKEN.fullmatch(token) and token not in found
                        and _is_switch_token(token, has_shell)):
                    found[token] = _Switch(token, number, offset, line)
            if len(found) >= MAX_PER_FILE:
                break
        return list(found.values())
