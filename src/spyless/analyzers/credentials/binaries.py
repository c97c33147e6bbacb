"""Credentials compiled into executables: login commands and built-in default accounts.

Owns :class:`BinaryCredentials`. Deliberately narrow, because binaries are full of strings
that merely mention passwords:

- command strings handed to ``system()`` that set a login with literals
  (``telnetd -u admin:1234``, ``echo root:pw | chpasswd``), parsed with the script parser;
- in web servers, the built-in factory configuration: a user name from a short list and a
  password stored as two adjacent, NUL-padded fixed-width fields in the initialised
  writable data of the program (how TP-Link's ``httpd`` keeps ``admin``/``admin``).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from typing import ClassVar

from spyless.analyzers.credentials.scripts import scan_command
from spyless.analyzers.credentials.specs import SPY127, SPY128, Hit, report_all
from spyless.analyzers.credentials.values import (
    in_documentation_or_test_folder,
    is_known_default,
)
from spyless.analyzers.interface import FileAnalyzer, FileInput, Output
from spyless.elf import PF_W, PT_LOAD, program_headers
from spyless.model.findings import Confidence
from spyless.unpack.interface import Artifact, ArtifactKind

_COMMAND_MARKERS = {b"telnetd": re.compile(rb"telnetd[ \t]+[^\x00\n]{0,64}-u[ \t]"),
                    b"passwd": re.compile(rb"\|[ \t]*(?:ch)?passwd\b")}
_MAX_COMMANDS = 256
_WEB_SERVER_NAMES = re.compile(r"(?:^|[._-])(?:httpd|lighttpd|boa|goahead|webs|mini_httpd|"
                               r"uhttpd|thttpd|webserver|websrv|cgi)(?:$|[._-])")
_DEFAULT_USERS = (b"admin", b"Admin", b"root", b"user", b"support", b"super", b"guest",
                  b"administrator", b"operator", b"telecomadmin", b"useradmin")
_USER_FIELD = re.compile(rb"(?<![\x21-\x7e])(" + b"|".join(_DEFAULT_USERS) + rb")\x00")
_FIELD_WIDTHS = (8, 16, 20, 24, 32, 33, 64)
_PASSWORD_BYTES = re.compile(rb"[\x21-\x7e]{1,63}")


def writable_segments(data: bytes) -> list[tuple[int, int]]:
    """File ranges of the ELF's writable loadable segments (initialised data)."""
    return [(seg.offset, min(len(data), seg.offset + seg.filesz))
            for seg in program_headers(data)[:64]
            if seg.type == PT_LOAD and seg.flags & PF_W and seg.filesz]


def _padded_field(data: bytes, start: int, width: int) -> bytes | None:
    """The string in a NUL-padded field of ``width`` bytes, if that is what is there."""
    field = data[start:start + width]
    if len(field) < width:
        return None
    text, _, padding = field.partition(b"\x00")
    return text if padding.count(0) == len(padding) and len(text) < width else None


def default_web_logins(data: bytes) -> Iterator[Hit]:
    """User/password pairs stored as adjacent fixed-width fields in writable data."""
    for begin, end in writable_segments(data):
        for match in _USER_FIELD.finditer(data, begin, end):
            user_at = match.start(1)
            if user_at % 4:
                continue
            for width in _FIELD_WIDTHS:
                user = _padded_field(data, user_at, width)
                secret = _padded_field(data, user_at + width, width)
                if (user is None or secret is None or user != match.group(1) or not secret
                        or user_at + 2 * width > end):
                    continue
                if _PASSWORD_BYTES.fullmatch(secret) is None:
                    continue
                name, password = user.decode("ascii"), secret.decode("ascii")
                known = is_known_default(password, name)
                excerpt = (f"user={name} password={password} (NUL-padded {width}-byte fields at "
                           f"0x{user_at:x} and 0x{user_at + width:x})")
                yield Hit("web-default", password, user_at, excerpt, "built-in default config",
                          username=name, service="web",
                          confidence=Confidence.HIGH if known else Confidence.MEDIUM)
                break


def _command_strings(data: bytes) -> Iterator[tuple[int, str]]:
    """(offset, string) of printable strings that look like a login being set."""
    for marker, pattern in _COMMAND_MARKERS.items():
        position, count = data.find(marker), 0
        while position >= 0 and count < _MAX_COMMANDS:
            count += 1
            start = position
            while start > 0 and 0x20 <= data[start - 1] < 0x7f and position - start < 512:
                start -= 1
            end = data.find(b"\x00", position, position + 512)
            end = end if end >= 0 else position + len(marker)
            if pattern.search(data, start, end) is not None:
                yield start, data[start:end].decode("latin-1")
            position = data.find(marker, end)


def login_commands(data: bytes) -> Iterator[Hit]:
    """Command strings in a binary that set a login password with literals."""
    for start, command in sorted(_command_strings(data)):
        for hit in scan_command(command.strip(), start, {}):
            if hit.kind == "login":
                yield Hit("login", hit.secret, start, command, hit.context,
                          username=hit.username, service=hit.service,
                          confidence=Confidence.MEDIUM)


class BinaryCredentials(FileAnalyzer):
    name = "binary-credentials"
    description = ("Login passwords set by command strings inside executables (telnetd -u, "
                   "passwd/chpasswd pipes) and default web administration logins compiled "
                   "into web servers.")
    findings = (SPY127, SPY128)
    references: ClassVar[tuple[str, ...]] = (
        "https://cwe.mitre.org/data/definitions/798.html",
        "https://cwe.mitre.org/data/definitions/1392.html",
    )
    kinds = frozenset({ArtifactKind.ELF})

    def applies(self, artifact: Artifact, fs_path: str) -> bool:
        return super().applies(artifact, fs_path) and not in_documentation_or_test_folder(
            fs_path)

    def analyze(self, file: FileInput, out: Output) -> None:
        hits = list(login_commands(file.data))
        name = posixpath.basename(file.fs_path).lower()
        if _WEB_SERVER_NAMES.search(name) or b"WWW-Authenticate" in file.data:
            hits.extend(default_web_logins(file.data))
        report_all(out, file, hits)
