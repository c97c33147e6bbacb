"""Golden verdicts on the bundled demo image and the real TP-Link TL-WR841N v10 image."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from spyless.agreement import Status, Verdict, evaluate, load_agreement
from spyless.agreement.coverage import coverage_of
from spyless.agreement.jsonout import verdict_dict
from spyless.audit import Auditor
from spyless.report.model import Report
from tests.conftest import ROOT, corpus_file

DEMO = ROOT / "examples" / "demo-router.bin"
TPLINK = "firmware/tplink_tl-wr841n_v10_en_3.16.9_build150310.bin"

#: The demo's declarations: everything it really does, including its call-home.
DEMO_AGREEMENT = """\
schema_version = "1"
name = "demo router, everything declared"

[[accounts]]
name = "root"

[[services]]
name = "dropbear"
port = 22

[[services]]
name = "httpd"
port = 80

[[services]]
name = "telnetd"
port = 23

[[endpoints]]
host = "telemetry.vendor-cloud.example"
ports = [80]
purpose = "hourly upload of MAC address and firmware version"
category = "telemetry"

[[endpoints]]
host = "pool.ntp.vendor-cloud.example"
purpose = "time"
category = "ntp"
"""

Where = tuple[str, str | None, int | None]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Report:
    return Auditor(jobs=1).scan(DEMO, tmp_path_factory.mktemp("demo") / "work")


def _verdict(report: Report, agreement_text: str | None, tmp_path: Path) -> Verdict:
    agreement = None
    if agreement_text is not None:
        path = tmp_path / "agreement.toml"
        path.write_text(agreement_text, encoding="utf-8")
        agreement = load_agreement(path)
    return evaluate(report, agreement, coverage=coverage_of(report, scanned_now=True))


def _counted(verdict: Verdict, clause_id: str) -> set[Where]:
    clause = verdict.clause(clause_id)
    assert clause.status is Status.FAIL, (clause_id, clause.summary)
    return {(e.rule, e.location.path if e.location else None,
             e.location.line if e.location else None) for e in clause.counted}


def test_demo_fails_the_backdoor_clauses_with_evidence(demo: Report, tmp_path: Path) -> None:
    verdict = _verdict(demo, None, tmp_path)
    assert not verdict.conforms
    assert verdict.exit_code == 1
    assert _counted(verdict, "NB-1") >= {("SPY101", "/etc/shadow", 3),
                                         ("SPY190", "/etc/shadow", 1),
                                         ("SPY190", "/etc/shadow", 3)}
    assert ("SPY103", "/etc/shadow", 1) in _counted(verdict, "NB-2")
    assert _counted(verdict, "NB-3") >= {("SPY202", "/etc/ssh/ssh_host_ecdsa_key", 1),
                                         ("SPY204", "/etc/dropbear/authorized_keys", 1)}
    assert ("SPY301", "/etc/init.d/rcS", 9) in _counted(verdict, "NB-4")
    assert _counted(verdict, "NS-1") >= {("SPY502", "/usr/sbin/callhome.sh", 6),
                                         ("SPY590", "/usr/sbin/callhome.sh", 6)}
    root = next(e for e in verdict.clause("NB-2").counted if e.location
                and e.location.line == 1)
    assert root.finding is not None
    assert root.finding.evidence[0].secret == "admin"
    text = json.dumps(verdict_dict(verdict))
    assert "'admin'" not in text
    assert "'a****'" in text


def test_demo_with_its_endpoints_declared_passes_ns1(demo: Report, tmp_path: Path) -> None:
    verdict = _verdict(demo, DEMO_AGREEMENT, tmp_path)
    ns1 = verdict.clause("NS-1")
    assert ns1.status is Status.PASS, ns1.summary
    states = {(e.rule, e.state.value) for e in ns1.evidence}
    assert ("SPY502", "declared") in states
    # strings in binaries (project URLs in BusyBox and Dropbear) are information only
    assert {s for s in states if s[0] == "SPY590"} <= {("SPY590", "below-threshold")}
    assert verdict.clause("NB-5").status is Status.PASS
    assert {e.rule for e in verdict.clause("NB-1").counted} == {"SPY101", "SPY190"}
    # declaring the telnet shell does not make it acceptable
    assert ("SPY301", "/etc/init.d/rcS", 9) in _counted(verdict, "NB-4")


def test_evaluation_takes_milliseconds(demo: Report, tmp_path: Path) -> None:
    path = tmp_path / "agreement.toml"
    path.write_text(DEMO_AGREEMENT, encoding="utf-8")
    agreement = load_agreement(path)
    coverage = coverage_of(demo, scanned_now=True)
    evaluate(demo, agreement, coverage=coverage)
    began = time.perf_counter()
    for _ in range(10):
        evaluate(demo, agreement, coverage=coverage)
    assert (time.perf_counter() - began) / 10 < 0.05


@pytest.mark.corpus
def test_tplink_fails_nb2_on_its_root_password(tmp_path: Path) -> None:
    report = Auditor(jobs=2).scan(corpus_file(TPLINK), tmp_path / "work")
    verdict = _verdict(report, None, tmp_path)
    nb2 = verdict.clause("NB-2")
    assert nb2.status is Status.FAIL
    root = next(e for e in nb2.counted if e.rule == "SPY103")
    assert root.location is not None
    assert root.location.path == "/etc/shadow"
    assert root.finding is not None
    assert root.finding.evidence[0].secret == "sohoadmin"
    assert "root" in root.message
    assert "sohoadmin" in root.message
    data = verdict_dict(verdict)
    shown = next(e for c in data["clauses"] if c["id"] == "NB-2" for e in c["evidence"]
                 if e["rule"] == "SPY103")
    assert "s********" in shown["message"]
    assert "sohoadmin" not in json.dumps(data)
