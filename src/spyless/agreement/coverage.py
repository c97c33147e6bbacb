"""What a run could see: which evidence sources were looked at, for NOT EVALUATED.

A check runs only when its source was covered: an analyzer package of the scan ("accounts",
"services", ...), one analyzer that emits a particular finding id ("eol" needs the
analyzer declaring SPY612), a traffic capture, the previous report, or the agreement
itself. Sources no analyzer of this build provides carry the reason shown to the user.

For a scan run now, the analyzers are this build's; for a report read back from JSON
they are the analyzers named in its timings, plus this build's when the report comes
from the same spyless version (file analyzers appear in the timings only when some file
matched them).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from spyless._version import __version__
from spyless.report.model import Report

#: Source -> an analyzer package that provides it, or a finding id its analyzer must emit.
PROVIDERS: dict[str, tuple[str, ...]] = {
    "accounts": ("package:accounts",),
    "credentials": ("package:credentials",),
    "keys": ("package:keys",),
    "services": ("package:services",),
    "backdoors": ("package:backdoors",),
    "endpoints": ("package:endpoints",),
    "components": ("package:components",),
    "vulnerabilities": ("package:vulnerabilities",),
    "eol": ("finding:SPY612",),
    "hardening": ("package:hardening",),
    "extraction": ("package:extraction",),
}

#: Sources nothing in this build looks at, and what would be needed.
UNAVAILABLE: dict[str, str] = {
    "radios": "no analyzer looks at WLAN/Bluetooth drivers, radio firmware or their daemons "
              "yet",
    "physical": "no analyzer looks at hotplug/automount scripts or U-Boot boot settings yet",
    "file-modes": "no analyzer looks at setuid files, sudoers or world-writable locations "
                  "yet",
    "updates": "no analyzer looks at update scripts, signature checks or image signing yet",
    "logging": "no analyzer looks at the syslog daemon and its configuration yet",
    "sysctl": "no analyzer looks at sysctl settings, sample content or test data yet",
    "interception": "no analyzer looks at mirroring configuration or kernel interception "
                    "modules yet",
    "sessions": "the traffic check does not reconstruct login sessions yet",
}


@dataclass(frozen=True, slots=True)
class Coverage:
    packages: frozenset[str]
    finding_ids: frozenset[str]
    capture: bool = False
    previous: bool = False

    def covers(self, source: str) -> bool:
        if source in ("agreement", "family"):
            return True
        if source == "capture":
            return self.capture
        if source == "previous":
            return self.previous
        for provider in PROVIDERS.get(source, ()):
            kind, _, name = provider.partition(":")
            if (kind == "package" and name in self.packages) or (
                    kind == "finding" and name in self.finding_ids):
                return True
        return False

    def reason(self, source: str) -> str:
        if source == "capture":
            return "needs a traffic capture of the device (--capture)"
        if source == "previous":
            return "needs the previous release's report (--baseline)"
        if source in UNAVAILABLE:
            return UNAVAILABLE[source]
        return f"no {source} analyzer ran for this report"


@cache
def _analyzers() -> dict[str, tuple[str, frozenset[str]]]:
    """Analyzer name -> (package, finding ids it declares), for this build."""
    from spyless.analyzers.registry import all_analyzers  # noqa: PLC0415 - heavy import

    files, images = all_analyzers()
    out: dict[str, tuple[str, frozenset[str]]] = {}
    for analyzer in (*files, *images):
        module = type(analyzer).__module__.split(".")
        package = module[2] if module[:2] == ["spyless", "analyzers"] and len(module) > 2 \
            else module[0]
        out[analyzer.name] = (package, frozenset(s.id for s in analyzer.findings))
    return out


def coverage_of(report: Report, *, scanned_now: bool, capture: bool = False,
                previous: bool = False) -> Coverage:
    analyzers = _analyzers()
    if scanned_now or report.tool_version == __version__:
        names = set(analyzers)
    else:
        names = {key.partition(":")[2] for key in report.timings if key.startswith("analyzer:")}
    chosen = [analyzers[n] for n in names if n in analyzers]
    return Coverage(packages=frozenset(p for p, _ in chosen),
                    finding_ids=frozenset(i for _, ids in chosen for i in ids),
                    capture=capture, previous=previous)
