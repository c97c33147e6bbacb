"""Hidden listeners: magic-packet or port-knock daemons that open a console (SPY414), and
boot scripts that start telnetd on a non-standard port, a netcat/socat shell or a shell as
an inetd service (SPY415).

Daemons are judged on their strings (a knock word plus the command that starts telnetd or
a shell); boot files on their live (non-comment) lines.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from typing import ClassVar

from spyless.analyzers.backdoors.patterns import (
    BOOT_PATTERNS,
    MAX_PER_FILE,
    WEB_SERVER_PATTERNS,
    live_lines,
    printable_string_at,
    starts_telnetd,
)
from spyless.analyzers.backdoors.specs import SPY414, SPY415
from spyless.analyzers.interface import FileAnalyzer, FileInput, Output
from spyless.model.findings import Confidence
from spyless.unpack.interface import ArtifactKind

#: Words of magic-packet daemons (Netgear telnetenable, knockd-style unlockers).
_KNOCK_WORDS = (b"telnetenable", b"knock", b"magic_packet", b"magicpacket")
_DAEMON_NAMES = re.compile(r"^(?:telnetenabled?|knockd|.*_knockd?)$")
_CONSOLE_HINT = re.compile(rb"telnetd|/bin/sh -i|-e /bin/sh")
_RECEIVE = (b"recvfrom", b"recvmsg", b"pcap_", b"SOCK_RAW")
_PORT = re.compile(r"(?:^|\s)-p\s*(\d{1,5})\b")
_INETD_SHELL = re.compile(r"^\s*\S+\s+(?:stream|dgram)\s+\S+\s+\S+\s+\S+\s+(?:/bin/|/usr/bin/)?"
                          r"(?:ba|a|da)?sh\b")
_STANDARD_TELNET = 23
_MAX_HINTS = 256


def _console_command(data: bytes) -> tuple[int, str] | None:
    """The first string that starts telnetd or an interactive shell, with its offset."""
    for count, hint in enumerate(_CONSOLE_HINT.finditer(data)):
        if count >= _MAX_HINTS:
            break
        offset, text = printable_string_at(data, hint.start(), hint.end(), spaces=True)
        if starts_telnetd(text) is not None or "/bin/sh" in text:
            return offset, text
    return None


class MagicPacketDaemons(FileAnalyzer):
    name = "magic-packet-daemons"
    description = ("Finds daemons that wait for a magic packet or knock sequence and then "
                   "start telnetd or a shell (the Netgear telnetenable pattern).")
    findings = (SPY414,)
    references = ("https://openwrt.org/toh/netgear/telnet.console",)
    kinds: ClassVar[frozenset[ArtifactKind]] = frozenset({ArtifactKind.ELF})
    max_size: ClassVar[int] = 16 << 20

    def analyze(self, file: FileInput, out: Output) -> None:
        # Web servers are judged by their routes (SPY412/SPY413): their "telnet enable"
        # setting is a documented feature, not a magic packet.
        if any(fnmatch.fnmatchcase(file.fs_path, p) for p in WEB_SERVER_PATTERNS):
            return
        # Kernel modules cannot start a user-space console.
        elf = file.artifact.elf
        if (elf is not None and elf.elf_type == "relocatable") or file.fs_path.endswith(".ko"):
            return
        data = file.data
        named = bool(_DAEMON_NAMES.match(posixpath.basename(file.fs_path)))
        lowered = data.lower()
        word = next(((w, at) for w in _KNOCK_WORDS if (at := lowered.find(w)) >= 0), None)
        if word is None and not named:
            return
        console = _console_command(data)
        receives = any(r in data for r in _RECEIVE)
        if console is None or not (receives or named):
            return
        where = word[1] if word else console[0]
        hint = word[0].decode() if word else posixpath.basename(file.fs_path)
        out.finding(
            SPY414, f"{file.fs_path} looks for a magic packet ({hint!r}) and holds the command "
            f"{console[1]!r}",
            file.location(offset=where),
            confidence=Confidence.HIGH if named and word else Confidence.MEDIUM if named
            else Confidence.LOW,
            excerpt=hint)


class BootShellListeners(FileAnalyzer):
    name = "boot-shell-listeners"
    # telnetd on odd ports and netcat/socat shells started at boot are the boot-services
    # analyzer's (SPY312, SPY301): it knows which scripts really run. This one keeps what
    # that analyzer does not judge: shells served by inetd and magic-packet daemons.
    description = ("Finds inetd entries that serve a shell and boot scripts that start a "
                   "magic-packet daemon.")
    findings = (SPY414, SPY415)
    references = ("https://cwe.mitre.org/data/definitions/912.html",)
    kinds: ClassVar[frozenset[ArtifactKind]] = frozenset({ArtifactKind.SCRIPT,
                                                          ArtifactKind.TEXT})
    path_patterns: ClassVar[tuple[str, ...]] = BOOT_PATTERNS
    max_size: ClassVar[int] = 1 << 20

    def analyze(self, file: FileInput, out: Output) -> None:
        inetd = "inetd" in file.fs_path
        for number, offset, line in live_lines(file.text()):
            if len(out.findings) >= MAX_PER_FILE:
                return
            where = file.location(offset=offset, line=number)
            excerpt = line.strip()[:160]
            if starts_telnetd(line) is not None:
                continue
            if inetd and _INETD_SHELL.match(line):
                out.finding(SPY415, f"{file.fs_path} serves a shell as an inetd service",
                            where, confidence=Confidence.HIGH, excerpt=excerpt)
            elif re.search(r"(?:^|[\s/;&])(?:telnetenabled?|knockd)\b", line) and not re.search(
                    r"\b(?:kill|killall|echo|grep)\b", line):
                out.finding(SPY414, f"{file.fs_path} starts a magic-packet daemon", where,
                            confidence=Confidence.MEDIUM, excerpt=excerpt)
