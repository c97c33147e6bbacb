"""Finding account databases in an unpacked image and joining them into accounts.

Per filesystem: passwd files are joined with the shadow file beside them (``passwd-`` with
``shadow-``, else the filesystem's ``/etc/shadow``); shadow entries without a passwd line
take uid and shell from a passwd line embedded in a binary of the same filesystem (TP-Link's
httpd writes /etc/passwd at boot); embedded lines left over become accounts of their own.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field

from spyless.analyzers.accounts.hashes import PasswordField, judge_field
from spyless.analyzers.accounts.parse import (
    DOC_SUFFIXES,
    GroupEntry,
    PasswdEntry,
    ShadowEntry,
    is_documentation,
    parse_group,
    parse_passwd,
    parse_shadow,
    scan_embedded,
)
from spyless.analyzers.image import Filesystem, ImageView
from spyless.model.findings import Location
from spyless.unpack.interface import Artifact

#: The passwd placeholder meaning "the hash is in shadow".
_SHADOWED = "x"
_DB_LIMIT = 1 << 20
_SCAN_LIMIT = 32 << 20
_SCAN_TOTAL = 512 << 20
_KINDS = {"passwd": "passwd", "shadow": "shadow", "group": "group", "gshadow": "gshadow"}
_BACKUP_SUFFIXES = ("", "-", ".bak", ".old", ".orig", ".default", ".save", "~")
BANNER_FILES = ("/etc/banner", "/etc/version", "/etc/hostname", "/etc/issue",
                "/etc/openwrt_release", "/etc/openwrt_version", "/etc/os-release",
                "/etc/device_info", "/etc/model")


@dataclass(frozen=True, slots=True)
class Draft:
    """An account before cracking: where it was found and what its password field holds."""

    name: str
    uid: int | None
    gid: int | None
    home: str | None
    shell: str | None
    field: PasswordField
    location: Location
    excerpt: str
    source: str  # "passwd", "shadow", "embedded"
    fs_root: str
    documentation: bool
    #: Other lines that make up the account (its passwd line, or the embedded line a shadow
    #: entry took uid and shell from), as (location, excerpt).
    extra: tuple[tuple[Location, str], ...] = ()
    defined_in_file: bool = False  # uid and shell came from a line embedded in a file


@dataclass(frozen=True, slots=True)
class GroupDraft:
    entry: GroupEntry
    field: PasswordField
    location: Location
    documentation: bool


@dataclass(slots=True)
class Collected:
    accounts: list[Draft] = field(default_factory=list)
    groups: list[GroupDraft] = field(default_factory=list)
    banner_texts: list[str] = field(default_factory=list)
    scan_truncated: bool = False


def db_kind(fs_path: str) -> str | None:
    """"passwd", "shadow", "group", "gshadow" for account database names and their copies."""
    base = posixpath.basename(fs_path)
    for kind in _KINDS:
        if base.startswith(kind) and base[len(kind):] in _BACKUP_SUFFIXES:
            return kind
    return None


def _location(artifact: Artifact, path: str, offset: int, line: int | None) -> Location:
    return Location(chain=artifact.chain, path=path, offset=offset, line=line,
                    sha256=artifact.sha256)


def _is_text(data: bytes) -> bool:
    return b"\x00" not in data[:8192]


@dataclass(slots=True)
class _Filesystem:
    """Parsed databases of one filesystem."""

    fs: Filesystem
    passwd: list[tuple[str, Artifact, list[PasswdEntry]]] = field(default_factory=list)
    shadow: dict[str, tuple[Artifact, list[ShadowEntry]]] = field(default_factory=dict)
    embedded: list[tuple[str, Artifact, PasswdEntry]] = field(default_factory=list)


def collect(image: ImageView) -> Collected:
    collected = Collected()
    scanned = 0
    for fs in image.filesystems:
        parsed = _Filesystem(fs)
        for path, artifact in sorted(fs.files(), key=lambda pa: (pa[0] != "/etc/passwd", pa[0])):
            kind = db_kind(path)
            if kind is not None and artifact.size <= _DB_LIMIT:
                data = image.read(artifact, _DB_LIMIT)
                if _is_text(data):
                    _parse_db(kind, path, artifact, data.decode("latin-1"), parsed, collected)
                    continue
            if path in BANNER_FILES and artifact.size <= _DB_LIMIT:
                collected.banner_texts.append(image.read(artifact, 4096).decode("latin-1"))
            if (artifact.size > _SCAN_LIMIT or
                    posixpath.splitext(path.lower())[1] in DOC_SUFFIXES):
                continue
            if scanned + artifact.size > _SCAN_TOTAL:
                collected.scan_truncated = True
                continue
            scanned += artifact.size
            data = image.read(artifact, _SCAN_LIMIT)
            for entry in scan_embedded(data):
                parsed.embedded.append((path, artifact, entry))
        collected.accounts.extend(_join(parsed))
    return collected


def _parse_db(kind: str, path: str, artifact: Artifact, text: str, parsed: _Filesystem,
              collected: Collected) -> None:
    if kind == "passwd":
        parsed.passwd.append((path, artifact, parse_passwd(text)))
    elif kind == "shadow":
        parsed.shadow[path] = (artifact, parse_shadow(text))
    else:
        doc = is_documentation(path)
        for entry in parse_group(text, gshadow=kind == "gshadow"):
            state = judge_field(entry.password, shadowed=kind == "gshadow")
            collected.groups.append(GroupDraft(entry, state, _location(
                artifact, path, entry.offset, entry.line), doc))


def _shadow_for(passwd_path: str, parsed: _Filesystem) -> str | None:
    directory, base = posixpath.split(passwd_path)
    sibling = posixpath.join(directory, "shadow" + base[len("passwd"):])
    if sibling in parsed.shadow:
        return sibling
    if "/etc/shadow" in parsed.shadow:
        return "/etc/shadow"
    return next(iter(parsed.shadow), None)


def _join(parsed: _Filesystem) -> list[Draft]:
    root = parsed.fs.root
    drafts: list[Draft] = []
    used: set[tuple[str, str]] = set()  # (shadow path, name)
    seen: set[tuple[str, int | None, str | None, str | None]] = set()

    def keep(draft: Draft) -> None:
        key = (draft.name, draft.uid, draft.shell, draft.field.hash or draft.field.state)
        if key not in seen:  # passwd- and passwd.bak usually repeat passwd
            seen.add(key)
            drafts.append(draft)

    for path, artifact, entries in parsed.passwd:
        shadow_path = _shadow_for(path, parsed)
        shadow = ({e.name: e for e in parsed.shadow[shadow_path][1]} if shadow_path else {})
        doc = is_documentation(path)
        for entry in entries:
            hit = shadow.get(entry.name) if entry.password == _SHADOWED else None
            if hit is not None and shadow_path is not None:
                used.add((shadow_path, entry.name))
                shadow_artifact = parsed.shadow[shadow_path][0]
                keep(Draft(entry.name, entry.uid, entry.gid, entry.home, entry.shell,
                           judge_field(hit.password, shadowed=True),
                           _location(shadow_artifact, shadow_path, hit.offset, hit.line),
                           hit.text, "shadow", root, doc or is_documentation(shadow_path),
                           ((_location(artifact, path, entry.offset, entry.line), entry.text),)))
            else:
                keep(Draft(entry.name, entry.uid, entry.gid, entry.home, entry.shell,
                           judge_field(entry.password),
                           _location(artifact, path, entry.offset, entry.line), entry.text,
                           "passwd", root, doc))
    embedded_by_name: dict[str, tuple[str, Artifact, PasswdEntry]] = {}
    for item in parsed.embedded:
        embedded_by_name.setdefault(item[2].name, item)
    consumed: set[int] = set()
    for shadow_path, (artifact, shadow_entries) in parsed.shadow.items():
        doc = is_documentation(shadow_path)
        for sentry in shadow_entries:
            if (shadow_path, sentry.name) in used:
                continue
            where = _location(artifact, shadow_path, sentry.offset, sentry.line)
            field_ = judge_field(sentry.password, shadowed=True)
            found = embedded_by_name.get(sentry.name)
            if found is not None and found[2].password == _SHADOWED:
                e_path, e_artifact, e = found
                consumed.add(id(e))
                keep(Draft(e.name, e.uid, e.gid, e.home, e.shell, field_, where, sentry.text,
                           "shadow", root, doc,
                           ((_location(e_artifact, e_path, e.offset, None), e.text),), True))
            elif any(d.name == sentry.name and d.fs_root == root for d in drafts):
                continue  # an older copy of a user already reported from its passwd line
            else:
                keep(Draft(sentry.name, None, None, None, None, field_, where, sentry.text,
                           "shadow", root, doc))
    for path, artifact, e in parsed.embedded:
        if id(e) in consumed:
            continue
        if any(d.name == e.name and d.uid == e.uid and d.source != "embedded"
               and d.field.state != "no-password-field" for d in drafts) and e.password == _SHADOWED:
            continue  # the file's own entry already says everything this line does
        keep(Draft(e.name, e.uid, e.gid, e.home, e.shell, judge_field(e.password),
                   _location(artifact, path, e.offset, None), e.text, "embedded", root,
                   is_documentation(path), defined_in_file=True))
    return drafts
