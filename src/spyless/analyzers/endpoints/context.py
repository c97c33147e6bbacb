"""Where an endpoint sits: the kind of file, and the key or command around it.

Owns the per-occurrence context: ``config`` / ``script`` / ``binary`` / ``web`` / ``text``
files, the config key (``acs_url=``, a UCI ``option url``, ``KEY=`` assignments, the first
word of ``nameserver 1.2.3.4``-style lines), the command that uses it in a script (``wget``,
``curl``, ``nc``, ``ntpclient -h``, ``syslogd -R``), and whether the line is commented out.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from spyless.unpack.interface import ArtifactKind

_WEB_DIRS = ("/www/", "/web/", "/htdocs/", "/webroot/", "/webs/", "/html/", "/usr/share/doc/",
             "/usr/share/man/", "/usr/share/info/", "/usr/share/licenses/")
_WEB_EXT = (".htm", ".html", ".js", ".css", ".asp", ".xml", ".xsl", ".svg", ".md", ".txt",
            ".json", ".po", ".mo", ".rst", ".1", ".5", ".8", ".gz")
_SCRIPT_EXT = (".sh", ".ash", ".bash", ".cgi", ".lua", ".pl", ".py", ".tcl")
_CONFIG_EXT = (".conf", ".cfg", ".ini", ".config", ".rc", ".cnf", ".uci", ".env")
_UCI = re.compile(r"^\s*(?:option|list)\s+([\w.-]+)\s")
_ASSIGN = re.compile(r"""(?:^|[\s;{,"'])(?:export\s+|local\s+|set\s+)?([A-Za-z_][\w.-]{0,63})"""
                     r"""["']?\s*(?:=|:(?!//)|=>)\s*["']?[^=]*$""")
_FIRST_WORD = re.compile(r"^\s*([A-Za-z_*][\w.*-]{0,31})\s+")
_XMLNS = re.compile(r"xmlns(?::\w+)?=[\"']?$|DOCTYPE|SYSTEM\s*[\"']$|PUBLIC\s")
_SEPARATORS = re.compile(r"(?:;|&&|\|\||\||`|\$\(|\bthen\b|\bdo\b|\belse\b|^)\s*")
_QUOTED = re.compile(r""""[^"]*"|'[^']*'""")
_SKIP_WORDS = frozenset({"exec", "nohup", "sudo", "env", "command", "busybox", "time",
                         "timeout", "nice", "eval", "if", "while", "until", "!"})
#: Commands whose value argument is a network destination.
NETWORK_COMMANDS = frozenset({
    "wget", "curl", "nc", "ncat", "netcat", "telnet", "ftpget", "ftpput", "tftp", "ping",
    "ping6", "ntpclient", "ntpd", "ntpdate", "sntp", "rdate", "syslogd", "logger", "ssh",
    "scp", "dbclient", "rsync", "nslookup", "dig", "host", "mosquitto_pub", "mosquitto_sub",
    "openssl", "uclient-fetch", "traceroute", "socat", "sendmail", "msmtp", "snmptrap",
    "opkg", "sysupgrade", "fwupdate", "inadyn", "ez-ipupdate", "ddclient", "udhcpc",
})
#: Flags that take the destination, so the context can say ``ntpclient -h``.
_DEST_FLAGS = {"ntpclient": "-h", "ntpd": "-p", "syslogd": "-R", "logread": "-r"}


@dataclass(frozen=True, slots=True)
class Site:
    """The context of one occurrence."""

    file_kind: str  # "config", "script", "binary", "web", "text"
    key: str = ""  # config key or variable the value is assigned to
    command: str = ""  # command using it: "wget", "ntpclient -h", ...
    commented: bool = False
    namespace: bool = False  # an XML namespace / DTD identifier

    def describe(self) -> str:
        if self.command:
            return f"{self.file_kind}: command {self.command}"
        if self.key:
            return f"{self.file_kind}: key {self.key}"
        return "binary string" if self.file_kind == "binary" else self.file_kind


def file_kind(fs_path: str, kind: ArtifactKind, data: bytes) -> str:
    lower = fs_path.lower()
    if kind is ArtifactKind.ELF or (kind is ArtifactKind.DATA and b"\x00" in data[:2048]):
        return "binary"
    if any(d in lower for d in _WEB_DIRS) or lower.endswith(_WEB_EXT):
        return "web"
    if (kind is ArtifactKind.SCRIPT or lower.endswith(_SCRIPT_EXT) or data.startswith(b"#!")
            or "/init.d/" in lower or "/rc.d/" in lower or "/hotplug.d/" in lower):
        return "script"
    if (lower.startswith("/etc/") or lower.endswith(_CONFIG_EXT) or "/config/" in lower
            or "/crontabs/" in lower):
        return "config"
    return "text"


@dataclass(slots=True)
class Lines:
    """Line lookup in one file. Mutable on purpose: occurrences come in offset order, so
    it counts newlines from the previous one instead of from the top each time."""

    data: bytes
    _start: int = 0
    _number: int = 1

    def section(self, offset: int) -> str:
        """The type of the UCI ``config <type>`` section that holds ``offset``, if any."""
        start = self.data.rfind(b"\nconfig ", 0, offset)
        if start < 0 and self.data.startswith(b"config "):
            start = -1
        elif start < 0:
            return ""
        words = self.data[start + 1:self.data.find(b"\n", start + 1)].split()
        return words[1].strip(b"'\"").decode("latin-1") if len(words) > 1 else ""

    def at(self, offset: int) -> tuple[str, str, int]:
        """(text before ``offset`` on its line, the whole line, line number from 1)."""
        data = self.data
        start = data.rfind(b"\n", max(0, offset - 4096), offset) + 1
        end = data.find(b"\n", offset, offset + 4096)
        end = len(data) if end < 0 else end
        if start < self._start:
            self._start, self._number = 0, 1
        self._number += data.count(b"\n", self._start, start)
        self._start = start
        line = data[start:end].decode("latin-1")
        head = start
        # A command continued with "\" starts on an earlier line: its words are context.
        while head >= 2 and data[head - 2:head] == b"\\\n" and start - head < 4096:
            head = data.rfind(b"\n", max(0, head - 4096), head - 1) + 1
        before = data[head:offset].decode("latin-1").replace("\\\n", " ")
        return before, line, self._number


def string_before(data: bytes, offset: int, limit: int = 64) -> str:
    """The part of the binary string before ``offset`` (back to the NUL)."""
    start = data.rfind(b"\x00", max(0, offset - limit), offset) + 1
    return data[max(start, offset - limit):offset].decode("latin-1")


def _command(before: str) -> str:
    """The command of the simple command that contains the value."""
    before = _QUOTED.sub(" _ ", before)
    pieces = list(_SEPARATORS.finditer(before))
    segment = before[pieces[-1].end():] if pieces else before
    words = segment.split()
    while words and (words[0] in _SKIP_WORDS or re.match(r"^[A-Za-z_]\w*=", words[0])):
        words.pop(0)
    if not words:
        return ""
    name = posixpath.basename(words[0].strip("\"'"))
    if name not in NETWORK_COMMANDS:
        return ""
    flag = _DEST_FLAGS.get(name)
    if flag and words[-1] == flag:
        return f"{name} {flag}"
    return name


def site_in_line(kind: str, before: str) -> Site:
    commented = before.lstrip().startswith(("#", "//", ";", "<!--", "--", "/*", "*"))
    namespace = bool(_XMLNS.search(before))
    command = _command(before) if kind in ("script", "config", "text") else ""
    key = ""
    if not command:
        match = _UCI.match(before) or _ASSIGN.search(before) or (
            _FIRST_WORD.match(before) if kind == "config" else None)
        key = match.group(1) if match else ""
        if key.startswith(("*", "@")):
            key = ""
    return Site(kind, key, command, commented, namespace)


def site_in_binary(before: str) -> Site:
    """Context of a value inside a binary string: a command handed to system(), a key."""
    command = _command(before)
    key = ""
    if not command:
        match = _ASSIGN.search(before)
        key = match.group(1) if match else ""
    return Site("binary", key, command, False, bool(_XMLNS.search(before)))
