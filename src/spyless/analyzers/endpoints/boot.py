"""Which files run at boot, from cron, or as an update script.

Owns the "is it used" join for endpoints: seeds are inittab, init.d/rc.d scripts, crontabs
and the services analyzer's :class:`~spyless.model.facts.Service` facts (binary and the
file that starts it); scripts reached from a seed through absolute paths are followed,
bounded, so ``rcS -> /usr/sbin/callhome.sh`` marks the call-home script as boot-time.
Nothing is executed: references are read as text.
"""

from __future__ import annotations

import fnmatch
import re
from collections import deque

from spyless.analyzers.image import Filesystem, ImageView
from spyless.model.facts import Service
from spyless.unpack.interface import ArtifactKind

_BOOT_PATTERNS = ("/etc/inittab", "/etc/init.d/*", "/etc/rc.d/*", "/etc/rc[0-9S].d/*",
                  "/etc/rc.local", "/etc/rcS", "/etc/rc", "/etc/preinit", "/lib/preinit/*",
                  "/etc/uci-defaults/*", "/etc/hotplug.d/*", "/etc/systemd/system/*",
                  "/lib/systemd/system/*")
_CRON_PATTERNS = ("/etc/crontabs/*", "/var/spool/cron/*", "/etc/cron.d/*", "/etc/crontab",
                  "/etc/cron.daily/*", "/etc/cron.hourly/*", "/var/spool/cron/crontabs/*")
_UPDATE_NAME = re.compile(r"(?:update|upgrade|fwupdate|sysupgrade|ota)", re.IGNORECASE)
_ABSOLUTE = re.compile(rb"(?<![\w.~-])(/(?:[\w.+-]+/)*[\w.+-]+)")
_MAX_FILES = 256
_MAX_READ = 256 << 10


def _reason_for(path: str) -> str | None:
    if any(fnmatch.fnmatchcase(path, p) for p in _CRON_PATTERNS):
        return f"cron: {path}"
    if any(fnmatch.fnmatchcase(path, p) for p in _BOOT_PATTERNS):
        return f"boot: {path}"
    return None


def usage(image: ImageView) -> dict[str, str]:
    """Artifact chain -> why it runs ("boot: /etc/init.d/rcS", "cron: ...", "update")."""
    reasons: dict[str, str] = {}
    for fs in image.rootfs() or image.filesystems:
        reasons.update(_filesystem_usage(image, fs))
    for fact in image.facts_of(Service):
        if not isinstance(fact, Service):
            continue
        how = "cron" if fact.manager == "cron" else "boot"
        started = fact.started_by.path or fact.started_by.chain
        if fact.binary_chain and fact.enabled:
            reasons.setdefault(fact.binary_chain, f"{how}: started by {started}")
    return reasons


def _filesystem_usage(image: ImageView, fs: Filesystem) -> dict[str, str]:
    reasons: dict[str, str] = {}
    queue: deque[tuple[str, str, int]] = deque()
    for path, artifact in fs.files():
        reason = _reason_for(path)
        if reason:
            reasons[artifact.chain] = reason
            queue.append((path, reason, 0))
        elif _UPDATE_NAME.search(path.rsplit("/", 1)[-1]) and artifact.kind in (
                ArtifactKind.SCRIPT, ArtifactKind.TEXT):
            reasons[artifact.chain] = f"update script: {path}"
    visited: set[str] = set()
    while queue and len(visited) < _MAX_FILES:
        path, reason, depth = queue.popleft()
        found = fs.resolve(path)
        if found is None or found.chain in visited or found.kind not in (
                ArtifactKind.SCRIPT, ArtifactKind.TEXT):
            continue
        visited.add(found.chain)
        for raw in set(_ABSOLUTE.findall(image.read(found, _MAX_READ))):
            target_path = raw.decode("latin-1")
            target = fs.resolve(target_path)
            if target is None or target.chain in reasons or target.kind not in (
                    ArtifactKind.SCRIPT, ArtifactKind.TEXT, ArtifactKind.ELF):
                continue
            how = reason.split(":", 1)[0]
            reasons[target.chain] = f"{how}: run from {path}"
            if depth < 4:
                queue.append((target_path, reasons[target.chain], depth + 1))
    return reasons
