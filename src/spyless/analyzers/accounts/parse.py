"""Reading account databases: passwd, shadow, group, gshadow, and passwd lines in blobs.

Files are read strictly (every field checked); a line that does not fit is skipped, never an
error. Embedded lines (inside binaries, scripts and config blobs) must look exactly like a
real passwd entry (user name, numeric ids, absolute home and shell) and stand on their own
between string delimiters; commented lines and web/doc formats are left out.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

_NAME = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}\$?"
_NAME_RE = re.compile(_NAME)
_ID_RE = re.compile(r"\d{1,10}")
_MAX_ID = 4294967295
_PATH = r"/[A-Za-z0-9_.+/-]{0,127}"
# Embedded lines need a shell where shells live; a config path or URL is no shell.
_SHELL = r"(?:/usr(?:/local)?)?/s?bin/[A-Za-z0-9_.-]{1,32}|/dev/null"
# An embedded line: strict and delimited (start, NUL, newline, quote on both sides).
_EMBEDDED = re.compile(
    rf"({_NAME}):([^:\s\x00\"']{{0,160}}):(\d{{1,7}}):(\d{{1,7}}):([^:\x00\n\"'<>]{{0,64}}):"
    rf"({_PATH}):({_SHELL})(?=$|[\x00\n\r\"'\\])".encode())
# Cheap first pass: ":uid:gid:" occurs rarely, so the strict pattern runs on few lines.
_IDS = re.compile(rb":\d{1,7}:\d{1,7}:")
_LINE_BACK = 200
#: Hostile input can repeat ":1:1:" millions of times; look at no more candidates than this.
_MAX_HITS = 2000
_COMMENT_MARKS = (b"#", b"//", b"/*", b"*", b"<!--", b";", b"--")
#: Files where passwd-looking lines are examples, not accounts.
DOC_SUFFIXES = frozenset({".html", ".htm", ".js", ".mjs", ".css", ".md", ".rst", ".txt",
                          ".xml", ".json", ".php", ".asp", ".jsp", ".py", ".pl", ".rb", ".c",
                          ".h", ".cpp", ".go", ".java", ".tex", ".pod", ".man", ".1", ".5",
                          ".8", ".gz", ".info", ".svg", ".po", ".pot", ".lua", ".yaml",
                          ".yml"})
DOC_DIRS = ("/usr/share/doc/", "/usr/share/man/", "/usr/share/info/", "/usr/doc/",
            "/usr/share/locale/", "/usr/lib/python", "/usr/share/help/")


@dataclass(frozen=True, slots=True)
class PasswdEntry:
    name: str
    password: str
    uid: int
    gid: int
    gecos: str
    home: str
    shell: str
    offset: int
    line: int | None  # None for entries embedded in binaries
    text: str


@dataclass(frozen=True, slots=True)
class ShadowEntry:
    name: str
    password: str
    offset: int
    line: int
    text: str


@dataclass(frozen=True, slots=True)
class GroupEntry:
    name: str
    password: str
    gid: int | None  # None in gshadow, which has no gid
    members: tuple[str, ...]
    offset: int
    line: int
    text: str


def _lines(text: str) -> list[tuple[int, int, str]]:
    """(line number, byte offset, line) for each non-comment line."""
    found: list[tuple[int, int, str]] = []
    offset = 0
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        if line and not line.lstrip().startswith("#") and not line.startswith(("+", "-")):
            found.append((number, offset, line))
        offset += len(raw) + 1
    return found


def _id(text: str) -> int | None:
    if not _ID_RE.fullmatch(text):
        return None
    value = int(text)
    return value if value <= _MAX_ID else None


def parse_passwd(text: str) -> list[PasswdEntry]:
    entries: list[PasswdEntry] = []
    for number, offset, line in _lines(text):
        fields = line.split(":")
        if len(fields) != 7 or not _NAME_RE.fullmatch(fields[0]):
            continue
        uid, gid = _id(fields[2]), _id(fields[3])
        home, shell = fields[5], fields[6].strip()
        if uid is None or gid is None or (shell and not shell.startswith("/")):
            continue
        entries.append(PasswdEntry(fields[0], fields[1], uid, gid, fields[4], home, shell,
                                   offset, number, line))
    return entries


def parse_shadow(text: str) -> list[ShadowEntry]:
    entries: list[ShadowEntry] = []
    for number, offset, line in _lines(text):
        fields = line.split(":")
        if len(fields) != 9 or not _NAME_RE.fullmatch(fields[0]):
            continue
        # Aging fields are numbers or empty; anything else is not a shadow line.
        if not all(f == "" or f.lstrip("-").isdigit() for f in fields[2:8]):
            continue
        entries.append(ShadowEntry(fields[0], fields[1], offset, number, line))
    return entries


def parse_group(text: str, gshadow: bool = False) -> list[GroupEntry]:
    entries: list[GroupEntry] = []
    for number, offset, line in _lines(text):
        fields = line.split(":")
        if len(fields) != 4 or not _NAME_RE.fullmatch(fields[0]):
            continue
        gid = None if gshadow else _id(fields[2])
        if not gshadow and gid is None:
            continue
        members = tuple(m for m in fields[3].split(",") if m)
        entries.append(GroupEntry(fields[0], fields[1], gid, members, offset, number, line))
    return entries


def _commented(data: bytes, start: int) -> bool:
    head = data[max(0, start - _LINE_BACK):start]
    cut = max(head.rfind(b"\n"), head.rfind(b"\x00"))
    prefix = head[cut + 1:].lstrip()
    return prefix.startswith(_COMMENT_MARKS)


def scan_embedded(data: bytes, limit: int = 64) -> list[PasswdEntry]:
    """passwd entries inside a binary, script or config blob (at most ``limit``)."""
    entries: list[PasswdEntry] = []
    seen_starts: set[int] = set()
    for count, hit in enumerate(_IDS.finditer(data)):
        if count >= _MAX_HITS:
            break
        window_start = max(0, hit.start() - _LINE_BACK)
        for match in _EMBEDDED.finditer(data, window_start, min(len(data), hit.end() + 400)):
            start = match.start()
            if start in seen_starts or not (start <= hit.start() < match.end()):
                continue
            before = data[start - 1:start] if start else b""
            if before and before not in b"\x00\n\r\"'>=":
                continue
            if _commented(data, start):
                continue
            seen_starts.add(start)
            name, password, uid, gid, gecos, home, shell = (
                g.decode("latin-1") for g in match.groups())
            entries.append(PasswdEntry(name, password, int(uid), int(gid), gecos, home, shell,
                                       start, None, match.group(0).decode("latin-1")))
            if len(entries) >= limit:
                return entries
    return entries


def is_documentation(path: str) -> bool:
    """Paths where account-looking content is an example: docs, man pages, web assets."""
    lowered = path.lower()
    if lowered.startswith(DOC_DIRS) or "/examples/" in lowered or "/example/" in lowered:
        return True
    if "/test/" in lowered or "/tests/" in lowered or "/testdata/" in lowered:
        return True
    return posixpath.splitext(lowered)[1] in DOC_SUFFIXES
