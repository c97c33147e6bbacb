"""OpenSSH public key lines: ``authorized_keys`` entries (sshd(8) AUTHORIZED_KEYS FILE
FORMAT: ``[options] keytype base64 [comment]``) and ``*.pub`` files.

Options are a comma-separated list that may contain double-quoted strings with spaces and
commas (``command="echo a, b",from="10.0.0.0/8"``); comments and blank lines are skipped.
"""

from __future__ import annotations

import base64
import binascii
import re

from spyless.analyzers.keys.found import FoundKey
from spyless.analyzers.keys.publickey import UNKNOWN, describe_ssh_blob

_KEYTYPE = re.compile(
    r"(?:ssh-(?:rsa|dss|ed25519|ed448)|ecdsa-sha2-nistp(?:256|384|521)"
    r"|sk-(?:ecdsa-sha2-nistp256|ssh-ed25519)@openssh\.com)(?:-cert-v01@openssh\.com)?")
_MAX_LINES = 10_000
_MAX_LINE = 16 << 10


def parse_public_lines(data: bytes, authorized: bool) -> list[FoundKey]:
    """Every valid key line; ``authorized`` marks them as entries granting a login."""
    found: list[FoundKey] = []
    offset = 0
    for count, raw in enumerate(data.split(b"\n")):
        if count >= _MAX_LINES:
            break
        line = raw.decode("latin-1").strip()
        start = offset
        offset += len(raw) + 1
        if not line or line.startswith("#") or len(line) > _MAX_LINE:
            continue
        entry = _entry(line)
        if entry is None:
            continue
        options, blob, comment = entry
        info = describe_ssh_blob(blob)
        found.append(FoundKey(
            "authorized-key" if authorized else "public-key", "ssh", start, info or UNKNOWN,
            verified=info is not None, excerpt=_excerpt(line), comment=comment,
            options=options))
    return found


def _entry(line: str) -> tuple[tuple[str, ...], bytes, str | None] | None:
    options: tuple[str, ...] = ()
    if not _KEYTYPE.match(line):
        text, rest = _split_options(line)
        if not _KEYTYPE.match(rest):
            return None
        options, line = text, rest
    parts = line.split(None, 2)
    if len(parts) < 2 or not _KEYTYPE.fullmatch(parts[0]):
        return None
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except (binascii.Error, ValueError):
        return None
    # The blob names its own key type; it must agree with the line's.
    if blob[4:4 + len(parts[0])] != parts[0].encode():
        return None
    comment = parts[2].strip() if len(parts) == 3 else None
    return options, blob, comment or None


def _split_options(line: str) -> tuple[tuple[str, ...], str]:
    """The option list and what follows it (the key), honouring quotes and ``\\"``."""
    options: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for i, char in enumerate(line):
        if escaped:
            escaped = False
        elif quoted and char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif not quoted and char == ",":
            options.append("".join(current))
            current = []
            continue
        elif not quoted and char in " \t":
            options.append("".join(current))
            return tuple(o for o in options if o), line[i:].strip()
        current.append(char)
    return (), ""


def _excerpt(line: str) -> str:
    """The line with the key blob shortened: enough to recognise, short for a report."""
    parts = line.split()
    return " ".join(p[:12] + "..." if len(p) > 40 and not p.startswith(("command=", "from="))
                    else p for p in parts)[:200]
