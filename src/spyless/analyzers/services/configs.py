"""Readers for the small configuration formats that decide what a boot starts.

It owns parsing (never executing) OpenWrt UCI files (``/etc/config/<name>``), inittab lines
(BusyBox and SysV syntax), inetd.conf and xinetd blocks, crontab lines, systemd unit files,
/etc/services and ``key value`` daemon configs (sshd_config, vsftpd.conf). Each parser takes
text and returns plain values; bad lines are skipped.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

_TRUE = frozenset({"1", "yes", "on", "true", "enabled"})
_FALSE = frozenset({"0", "no", "off", "false", "disabled"})


def truthy(value: str) -> bool | None:
    lowered = value.strip().lower()
    return True if lowered in _TRUE else False if lowered in _FALSE else None


@dataclass(frozen=True, slots=True)
class UciSection:
    type: str
    name: str | None
    options: dict[str, str]
    lines: dict[str, int]  # option -> line number


def parse_uci(text: str) -> list[UciSection]:
    sections: list[UciSection] = []
    for number, raw in enumerate(text.splitlines(), 1):
        try:
            words = shlex.split(raw, comments=True)
        except ValueError:
            continue
        if len(words) >= 2 and words[0] == "config":
            sections.append(UciSection(words[1], words[2] if len(words) > 2 else None, {}, {}))
        elif len(words) >= 3 and words[0] in ("option", "list") and sections:
            sections[-1].options.setdefault(words[1], words[2])
            sections[-1].lines.setdefault(words[1], number)
    return sections


def uci_get(sections: list[UciSection], option: str, section: str | None = None) -> str | None:
    """An option from the named section, or from the first section that sets it."""
    for sec in sections:
        if section and section not in (sec.name, sec.type):
            continue
        if option in sec.options:
            return sec.options[option]
    if section:
        return uci_get(sections, option)
    return None


def uci_enabled(sections: list[UciSection], script: str) -> tuple[bool | None, str | None]:
    """Whether the UCI config of an init script switches the service on, and the option.

    Only options the script reads count (``enabled``, ``enable``, ``disabled``); when the
    config does not set one, the script's default (``config_get_bool x cfg enabled 0`` or
    ``'enabled:bool:0'``) decides.
    """
    for option in ("enabled", "enable", "disabled"):
        if not re.search(rf"\b{option}\b", script):
            continue
        values = [truthy(sec.options[option]) for sec in sections if option in sec.options]
        if values:
            on = any(v is True for v in values)
            return (not all(v is True for v in values) if option == "disabled" else on), option
        default = re.search(rf"config_get_bool\s+\S+\s+\S+\s+{option}\s+([01])|"
                            rf"\b{option}:bool:([01])", script)
        if default:
            value = (default.group(1) or default.group(2)) == "1"
            return (not value if option == "disabled" else value), option
    return None, None


@dataclass(frozen=True, slots=True)
class InittabEntry:
    line: int
    id: str
    runlevels: str
    action: str
    process: str


def parse_inittab(text: str) -> list[InittabEntry]:
    entries: list[InittabEntry] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = line.split(":", 3)
        if len(fields) == 4:
            entries.append(InittabEntry(number, fields[0].strip(), fields[1].strip(),
                                        fields[2].strip(), fields[3].strip()))
    return entries


#: What BusyBox init does without an inittab (its documented default behaviour).
BUSYBOX_DEFAULT_INITTAB = ("::sysinit:/etc/init.d/rcS\n::askfirst:/bin/sh\n"
                           "::ctrlaltdel:/sbin/reboot\n::shutdown:/bin/umount -a -r\n")


@dataclass(frozen=True, slots=True)
class InetdEntry:
    line: int
    service: str
    socket_type: str
    protocol: str
    user: str
    server: str
    args: tuple[str, ...]
    listen: str | None = None
    port: int | None = None
    disabled: bool = False


def parse_inetd(text: str) -> list[InetdEntry]:
    entries: list[InetdEntry] = []
    for number, raw in enumerate(text.splitlines(), 1):
        words = raw.split("#", 1)[0].split()
        if len(words) < 6 or words[5] == "internal":
            continue
        service, listen = words[0], None
        if ":" in service:
            listen, _, service = service.rpartition(":")
        user = re.split(r"[.:]", words[4], maxsplit=1)[0]
        entries.append(InetdEntry(number, service, words[1], words[2], user, words[5],
                                  tuple(words[6:]) or (words[5],), listen))
    return entries


def parse_xinetd(text: str) -> list[InetdEntry]:
    entries: list[InetdEntry] = []
    for match in re.finditer(r"^[ \t]*service[ \t]+(\S+)\s*\{(.*?)\}", text, re.MULTILINE | re.DOTALL):
        keys: dict[str, str] = {}
        for raw in match.group(2).splitlines():
            key, eq, value = raw.split("#", 1)[0].partition("=")
            if eq:
                keys[key.strip().rstrip("+-")] = value.strip()
        server = keys.get("server")
        if not server:
            continue
        port = keys.get("port", "")
        entries.append(InetdEntry(
            text.count("\n", 0, match.start()) + 1, match.group(1),
            keys.get("socket_type", "stream"), keys.get("protocol", "tcp"),
            keys.get("user", "root"), server,
            (server.rsplit("/", 1)[-1], *keys.get("server_args", "").split()),
            keys.get("bind") or keys.get("interface"), int(port) if port.isdigit() else None,
            truthy(keys.get("disable", "no")) is True))
    return entries


@dataclass(frozen=True, slots=True)
class CronJob:
    line: int
    user: str | None
    command: str


def parse_crontab(text: str, system: bool) -> list[CronJob]:
    """Jobs of a crontab; ``system`` crontabs (/etc/crontab, cron.d) name the user."""
    jobs: list[CronJob] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#") or re.match(r"^[A-Za-z_]\w*\s*=", line):
            continue
        skip = 1 if line.startswith("@") else 5
        fields = line.split(None, skip + (1 if system else 0))
        if len(fields) <= skip + (1 if system else 0):
            continue
        user = fields[skip] if system else None
        jobs.append(CronJob(number, user, fields[-1]))
    return jobs


@dataclass(slots=True)
class Unit:
    values: dict[str, list[tuple[str, int]]] = field(default_factory=dict)

    def get(self, key: str) -> tuple[str, int] | None:
        found = self.values.get(key)
        return found[-1] if found else None

    def all(self, key: str) -> list[tuple[str, int]]:
        return self.values.get(key, [])


def parse_unit(text: str) -> Unit:
    """A systemd unit as ``Section.Key`` -> [(value, line)]; continuation lines joined."""
    unit = Unit()
    section = ""
    pending = ""
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = pending + raw.strip() if pending else raw.strip()
        if not pending:
            start = number
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        pending = ""
        if not line or line[0] in "#;":
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            continue
        key, eq, value = line.partition("=")
        if eq:
            unit.values.setdefault(f"{section}.{key.strip()}", []).append((value.strip(), start))
    return unit


def parse_services(text: str) -> dict[tuple[str, str], int]:
    """/etc/services: (name or alias, protocol) -> port."""
    ports: dict[tuple[str, str], int] = {}
    for raw in text.splitlines():
        words = raw.split("#", 1)[0].split()
        if len(words) < 2 or "/" not in words[1]:
            continue
        number, _, proto = words[1].partition("/")
        if number.isdigit():
            for name in (words[0], *words[2:]):
                ports.setdefault((name, proto), int(number))
    return ports


def parse_keywords(text: str, separator: str | None = None) -> dict[str, tuple[str, int]]:
    """``Key value`` (sshd_config) or ``key=value`` (vsftpd.conf) lines; first one wins.

    Keys are lower-cased; ``Match`` blocks of sshd_config end the global part.
    """
    found: dict[str, tuple[str, int]] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if separator is None:
            parts = re.split(r"\s*=\s*|\s+", line, maxsplit=1)
            key, value = parts[0], parts[1] if len(parts) > 1 else ""
        else:
            key, _, value = line.partition(separator)
        key = key.strip().lower()
        if key == "match":
            break
        found.setdefault(key, (value.strip(), number))
    return found
