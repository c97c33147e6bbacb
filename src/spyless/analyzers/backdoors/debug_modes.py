"""Manufacturing and debug modes left enabled: configuration keys such as ``mfg_mode=1``,
``factory_mode``, ``telnet_enable=1`` or ``debug=1`` in default configs and nvram blobs
(SPY416), and U-Boot environments whose boot can be interrupted on the serial console
(SPY417).

Reads ``key=value`` (NUL- or newline-separated, as nvram defaults and U-Boot environments
are), ``key value`` and OpenWrt UCI ``option key 'value'`` lines; comment lines are skipped.
"""

from __future__ import annotations

import posixpath
import re
from typing import ClassVar

from spyless.analyzers.backdoors.specs import SPY416, SPY417
from spyless.analyzers.interface import FileAnalyzer, FileInput, Output
from spyless.model.findings import Confidence, Severity
from spyless.unpack.interface import ArtifactKind

_SETTING = re.compile(
    r"[ \t]*(?:option[ \t]+)?[\"']?(?P<key>[A-Za-z][\w.-]{1,63})[\"']?"
    r"(?:[ \t]*=[ \t]*|[ \t]+)[\"']?(?P<value>[^\"'\s]{1,16})[\"']?[ \t]*;?[ \t]*\r?")
#: Lower-case words every interesting key contains; lines are found through them.
_KEY_WORDS = ("mfg", "factory", "manufactur", "engineer", "ate_mode", "atemode", "mp_mode",
              "mpmode", "telnet", "debug", "dbg")
_MAX_LINE = 256
_MAX_CANDIDATES = 4096
_MODE_KEY = re.compile(
    r"^(?:[\w-]*[._])?(?:mfg_?mode|mfg_?test|mfg|factory_?mode|factory_?test|"
    r"manufactur\w*_?mode|engineer\w*_?mode|ate_?mode|mp_?mode)$", re.IGNORECASE)
_TELNET_KEY = re.compile(
    r"^(?:[\w-]*[._])?(?:telnetd?_?enabled?|enabled?_?telnetd?|telnetd?_?en|telnetd?_?on)$",
    re.IGNORECASE)
_DEBUG_KEY = re.compile(r"^(?:[\w-]*[._])?(?:debug|debug_?mode|debug_?enabled?|dbg_?mode)$",
                        re.IGNORECASE)
_TRUE = frozenset({"1", "on", "yes", "true", "enable", "enabled"})
#: Where default configuration lives; scripts and documentation are not configuration.
_CONFIG_PATTERNS = (
    "/etc/*", "/usr/etc/*", "/config/*", "/default/*", "/defaults/*", "/mnt/*", "/var/*",
    "/etc_ro/*", "/usr/share/defaults/*", "*nvram*", "*default*", "*.cfg", "*.conf", "*.ini",
)
_NOT_CONFIG = re.compile(r"/(?:init\.d|rc\.d|rc\d\.d|init0\.d|scripts|doc|man|examples?|"
                         r"tests?)/|\.(?:md|rst|html?|js|css|sh|py|pl|lua)$")
_UBOOT_MARKERS = (b"bootdelay=", b"bootcmd=")
_UBOOT_STOP_KEYS = ("bootstopkey", "bootstopkeysha256", "bootdelaykey", "bootstopkey2",
                    "bootstopusbkey")
_ENV_KEY = re.compile(r"[\w.-]{1,64}")
_CONSOLE = re.compile(r"console=tty\w+|console=serial")
_MAX_SETTINGS = 10
_UBOOT_NO_INTERRUPT = -2
_UBOOT_WINDOW = 128 << 10


def _candidate_lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of the short lines holding a key word, in order, found in linear time."""
    lowered = text.lower()
    lines: set[tuple[int, int]] = set()
    for word in _KEY_WORDS:
        at = lowered.find(word)
        seen = 0
        while at >= 0 and seen < _MAX_CANDIDATES:
            seen += 1
            start = lowered.rfind("\n", max(0, at - _MAX_LINE), at) + 1
            end = lowered.find("\n", at, at + _MAX_LINE)
            if end < 0:
                end = len(lowered) if len(lowered) - at <= _MAX_LINE else -1
            if end >= 0 and (start > 0 or at <= _MAX_LINE):
                lines.add((start, end))
            at = lowered.find(word, at + len(word))
    return sorted(lines)


class DebugModeSettings(FileAnalyzer):
    name = "debug-mode-settings"
    description = ("Finds manufacturing, factory, engineering, telnet and debug modes enabled "
                   "in default configuration, and U-Boot environments with an interruptible "
                   "boot on the serial console.")
    findings = (SPY416, SPY417)
    references = ("https://cwe.mitre.org/data/definitions/489.html",
                  "https://docs.u-boot.org/en/latest/usage/environment.html")
    kinds: ClassVar[frozenset[ArtifactKind]] = frozenset({ArtifactKind.TEXT, ArtifactKind.DATA})
    path_patterns: ClassVar[tuple[str, ...]] = _CONFIG_PATTERNS
    max_size: ClassVar[int] = 8 << 20

    def analyze(self, file: FileInput, out: Output) -> None:
        if _NOT_CONFIG.search(file.fs_path.lower()):
            return
        # NUL-separated blobs (nvram defaults, U-Boot environments) read as lines.
        text = file.text().replace("\x00", "\n")
        at = file.data.find(_UBOOT_MARKERS[0])
        if at >= 0 and _UBOOT_MARKERS[1] in file.data:
            # An environment is at most a few hundred KiB; read only the region around it.
            start = max(0, at - _UBOOT_WINDOW)
            self._uboot(file, text[start:at + _UBOOT_WINDOW], start, out)
        self._settings(file, text, out)

    def _settings(self, file: FileInput, text: str, out: Output) -> None:
        reported = 0
        for start, end in _candidate_lines(text):
            match = _SETTING.fullmatch(text, start, end)
            if match is None:
                continue
            key, value = match.group("key"), match.group("value").lower()
            if value not in _TRUE:
                continue
            if _MODE_KEY.match(key):
                severity, what = None, "manufacturing/factory mode"
            elif _TELNET_KEY.match(key):
                severity, what = None, "telnet"
            elif _DEBUG_KEY.match(key):
                severity, what = Severity.LOW, "debug mode"
            else:
                continue
            line = text.count("\n", 0, start) + 1
            out.finding(SPY416, f"{file.fs_path} enables {what}: {key}={match.group('value')}",
                        file.location(offset=start, line=line),
                        confidence=Confidence.MEDIUM, severity=severity,
                        excerpt=match.group().strip()[:120])
            reported += 1
            if reported >= _MAX_SETTINGS:
                return

    def _uboot(self, file: FileInput, text: str, start: int, out: Output) -> None:
        env: dict[str, tuple[str, int]] = {}
        offset = start
        for item in text.split("\n"):
            key, eq, value = item.partition("=")
            if eq and _ENV_KEY.fullmatch(key):
                env.setdefault(key.strip(), (value, offset))
            offset += len(item) + 1
        delay = env.get("bootdelay")
        if delay is None or any(k in env for k in _UBOOT_STOP_KEYS):
            return
        try:
            seconds = int(delay[0].strip())
        except ValueError:
            return
        console = _CONSOLE.search(env.get("bootargs", ("", 0))[0]) or (
            "serial" in env.get("stdin", ("", 0))[0])
        if seconds == _UBOOT_NO_INTERRUPT or not console:
            return
        out.finding(
            SPY417, f"U-Boot environment in {posixpath.basename(file.fs_path)} has "
            f"bootdelay={seconds} and a serial console, with no stop key",
            file.location(offset=delay[1]), confidence=Confidence.MEDIUM,
            excerpt=f"bootdelay={delay[0].strip()}")
