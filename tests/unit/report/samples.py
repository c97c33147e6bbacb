"""Reports and verdicts for the renderer tests: the demo image and a conforming tree, both
scanned through the real pipeline (once per session), and a small hostile report built in
code."""

from __future__ import annotations

import datetime as dt
import tempfile
from functools import cache
from pathlib import Path

from spyless.agreement import Verdict, evaluate, load_agreement
from spyless.agreement.coverage import coverage_of
from spyless.audit import Auditor
from spyless.model.facts import Account, Component, Service, Vulnerability
from spyless.model.findings import Confidence, Evidence, Finding, Location, Severity
from spyless.report.model import Report
from tests.analyzers_helpers import scan_tree
from tests.conftest import ROOT
from tests.unit.agreement.helpers import report as empty_report
from tests.unit.agreement.trees import CLEAN_AGREEMENT, CLEAN_TREE

DEMO = ROOT / "examples" / "demo-router.bin"
SCRIPT = "<script>document.body.dataset.pwned = 1</script>"
HOSTILE_PATH = '/www/<img src=x onerror="alert(1)">.cgi'
SECRET = "hunter2-very-secret"


@cache
def demo() -> tuple[Report, Verdict]:
    """The bundled demo image against the built-in baseline (it does not conform)."""
    work = Path(tempfile.mkdtemp(prefix="spyless-report-demo-"))
    report = Auditor(jobs=1).scan(DEMO, work / "work")
    return report, evaluate(report, coverage=coverage_of(report, scanned_now=True))


@cache
def clean() -> tuple[Report, Verdict]:
    """A small router tree that conforms to its agreement."""
    work = Path(tempfile.mkdtemp(prefix="spyless-report-clean-"))
    path = work / "agreement.toml"
    path.write_text(CLEAN_AGREEMENT, encoding="utf-8")
    report = scan_tree(work, CLEAN_TREE)
    return report, evaluate(report, load_agreement(path),
                            coverage=coverage_of(report, scanned_now=True))


def location(path: str, line: int | None = None, offset: int | None = None) -> Location:
    return Location(chain=f"fw-1.0.bin!squashfs@0x10000{path}", path=path, line=line,
                    offset=offset, sha256="ab" * 32)


def hostile() -> tuple[Report, Verdict]:
    """Findings and facts whose strings are markup, control characters and a secret."""
    report = empty_report()
    shadow = location("/etc/shadow", line=2, offset=31)
    report.findings = [
        Finding("SPY103", "Account password found in a public list", Severity.CRITICAL,
                Confidence.HIGH, 798, f"admin: the password is '{SECRET}' {SCRIPT}",
                (Evidence(shadow, f"admin:{SECRET}:0:0", SECRET),), "fix", "accounts"),
        Finding("SPY411", "Backdoor enable switch", Severity.CRITICAL, Confidence.HIGH, 912,
                "token |pipe| *bold* [link](http://evil.example) \x1b[31mred\x00",
                (Evidence(location(HOSTILE_PATH, line=5), f"if [ $x = {SCRIPT} ]"),),
                "remove", "backdoors"),
        Finding("SPY701", "Executable stack", Severity.MEDIUM, Confidence.HIGH, 1220,
                "busybox has an executable stack",
                (Evidence(location("/bin/busybox", offset=0x1f0211)),), "rebuild",
                "hardening"),
    ]
    report.accounts = [Account("admin", 0, 0, "/root", "/bin/sh", shadow, "hash", "md5crypt",
                               "$1$x$y", cracked=SECRET, cracked_from="rockyou",
                               login_shell=True, source="shadow")]
    report.services = [Service(SCRIPT, "/usr/sbin/telnetd", None, ("-l", "/bin/sh"),
                               location("/etc/init.d/rcS", line=9), "rcS", port=23,
                               protocol="tcp", auth="none", user="root")]
    report.components = [Component("busybox", "1.35.0", (location("/bin/busybox", offset=1),))]
    report.vulnerabilities = [
        Vulnerability("CVE-2022-48174", "busybox", "1.35.0", "stack overflow", "critical",
                      9.8, known_exploited=True),
        Vulnerability('"><script>alert(1)</script>', "busybox", "1.35.0", SCRIPT, "high", 7.5),
    ]
    return report, evaluate(report, coverage=coverage_of(report, scanned_now=True),
                            today=dt.date(2026, 1, 1))


def many_vulnerabilities(count: int) -> Report:
    """A report whose kernel matches ``count`` vulnerability records."""
    report = empty_report()
    report.components = [Component("linux_kernel", "5.10.176", (location("/boot/vmlinux"),))]
    severities = ("critical", "high", "medium", "low", None)
    report.vulnerabilities = [
        Vulnerability(f"CVE-2021-{10000 + n}", "linux_kernel", "5.10.176",
                      "A flaw in a driver " * 12, severities[n % 5],
                      None if n % 5 == 4 else round(2 + (n % 80) / 10, 1))
        for n in range(count)]
    return report
