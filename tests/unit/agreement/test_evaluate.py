"""Clause evaluation on reports built in code: statuses, thresholds, declarations, waivers,
baselines, coverage, routing, and speed."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import time
from pathlib import Path

from spyless.agreement import EvidenceState, Status, evaluate
from spyless.agreement.coverage import Coverage
from spyless.agreement.jsonout import verdict_dict
from spyless.model.findings import Confidence, Severity
from tests.unit.agreement.helpers import (
    FULL,
    SBOM,
    account,
    agreement,
    endpoint,
    finding,
    report,
    service,
)

TODAY = dt.date(2026, 6, 1)


def _statuses(verdict: object) -> dict[str, Status]:
    return {c.clause.id: c.status for c in verdict.clauses}  # type: ignore[attr-defined]


def test_nothing_found_with_an_sbom_conforms(tmp_path: Path) -> None:
    verdict = evaluate(report(), agreement(tmp_path, SBOM), coverage=FULL, today=TODAY)
    statuses = _statuses(verdict)
    assert verdict.conforms
    assert verdict.exit_code == 0
    assert {k for k, v in statuses.items() if v is Status.NOT_EVALUATED} == {
        "NB-7", "NB-8", "NS-2", "NS-5", "SE-6", "SE-7", "SE-8", "SE-9", "TR-5"}
    assert {k for k, v in statuses.items() if v is Status.DECLARATION_ONLY} == {
        "TR-3", "TR-4", "TR-8"}
    assert statuses["NB-1"] is Status.PASS
    assert statuses["TR-1"] is Status.PASS
    nb1 = verdict.clause("NB-1")
    assert nb1.summary == "no contradicting evidence from 3 check(s)"
    assert [c.name for c in nb1.checks if c.ran] == [
        "login-capable accounts are declared", "no undeclared uid-0 or duplicate-uid accounts",
        "service accounts have no login shell"]
    ns2 = verdict.clause("NS-2")
    assert ns2.summary.endswith("needs a traffic capture of the device (--capture)")


def test_no_agreement_means_nothing_declared() -> None:
    r = report()
    r.accounts.append(account("root", 0, 1))
    verdict = evaluate(r, coverage=FULL, today=TODAY)
    assert not verdict.conforms
    assert verdict.exit_code == 1
    assert [i.rule for i in verdict.clause("NB-1").counted] == ["SPY190"]
    assert [i.rule for i in verdict.clause("TR-2").counted] == ["agreement:no-sbom"]
    assert verdict.notes[0].startswith("no agreement given")


def test_missing_analyzers_give_not_evaluated_never_pass(tmp_path: Path) -> None:
    partial = dataclasses.replace(FULL, packages=FULL.packages - {"services"})
    r = report()
    verdict = evaluate(r, agreement(tmp_path, SBOM), coverage=partial, today=TODAY)
    nb4 = verdict.clause("NB-4")
    assert nb4.status is Status.NOT_EVALUATED
    assert "no services analyzer ran for this report" in nb4.summary
    r.findings.append(finding("SPY301", "/etc/init.d/rcS", 9))
    verdict = evaluate(r, agreement(tmp_path, SBOM), coverage=partial, today=TODAY)
    assert verdict.clause("NB-4").status is Status.FAIL  # a finding shows the check ran


def test_declared_subject_excuses_only_declarable_checks(tmp_path: Path) -> None:
    r = report()
    r.accounts += [account("root", 0, 1), account("support", 0, 3)]
    r.findings += [finding("SPY101", line=3), finding("SPY103", line=3)]
    declared = agreement(tmp_path, SBOM + '[[accounts]]\nname = "root"\n'
                         '[[accounts]]\nname = "support"\nuid = 0\n')
    verdict = evaluate(r, declared, coverage=FULL, today=TODAY)
    nb1 = verdict.clause("NB-1")
    assert nb1.status is Status.PASS
    assert [(i.rule, i.state, i.note) for i in nb1.evidence] == [
        ("SPY101", EvidenceState.DECLARED, "declared account support")]
    assert verdict.clause("NB-2").status is Status.FAIL  # a default password is never excused
    wrong_uid = agreement(tmp_path, SBOM + '[[accounts]]\nname = "root"\n'
                          '[[accounts]]\nname = "support"\nuid = 1000\n')
    verdict = evaluate(r, wrong_uid, coverage=FULL, today=TODAY)
    assert sorted(i.rule for i in verdict.clause("NB-1").counted) == ["SPY101", "SPY190"]


def test_thresholds_tighten_and_relax(tmp_path: Path) -> None:
    r = report()
    r.findings += [finding("SPY702", "/bin/busybox", None, severity=Severity.LOW),
                   finding("SPY708", "/bin/busybox", None, severity=Severity.INFO)]
    base = evaluate(r, agreement(tmp_path, SBOM), coverage=FULL, today=TODAY)
    assert [i.rule for i in base.clause("SE-5").counted] == ["SPY702"]
    relaxed = agreement(tmp_path, SBOM + '[clauses.SE-5]\nseverity = "medium"\nreason = "x"\n')
    se5 = evaluate(r, relaxed, coverage=FULL, today=TODAY).clause("SE-5")
    assert se5.status is Status.PASS
    assert {i.state for i in se5.evidence} == {EvidenceState.BELOW_THRESHOLD}
    tightened = agreement(tmp_path, SBOM + '[clauses.SE-5]\nseverity = "info"\n')
    se5 = evaluate(r, tightened, coverage=FULL, today=TODAY).clause("SE-5")
    assert sorted(i.rule for i in se5.counted) == ["SPY702", "SPY708"]
    r.findings[0] = finding("SPY702", "/bin/busybox", None, severity=Severity.LOW,
                            confidence=Confidence.LOW)
    sure = agreement(tmp_path, SBOM + '[clauses.SE-5]\nconfidence = "medium"\n')
    assert evaluate(r, sure, coverage=FULL, today=TODAY).clause("SE-5").status is Status.PASS


def test_disabled_clause_is_shown_with_what_it_would_be(tmp_path: Path) -> None:
    r = report()
    r.findings.append(finding("SPY701", "/bin/busybox", None, severity=Severity.MEDIUM))
    off = agreement(tmp_path, SBOM + '[clauses.SE-5]\nenabled = false\nreason = "legacy"\n')
    verdict = evaluate(r, off, coverage=FULL, today=TODAY)
    se5 = verdict.clause("SE-5")
    assert (se5.status, se5.evaluated) == (Status.DISABLED, Status.FAIL)
    assert se5.summary == "switched off by the agreement: legacy (would be fail)"
    assert verdict.conforms


WAIVER = '[[waivers]]\nfinding = "SPY204"\npath = "/etc/dropbear/*"\nreason = "r"\n' \
         'approver = "a"\nexpires = {date}\n'


def test_waivers_valid_expired_and_path_pattern(tmp_path: Path) -> None:
    r = report()
    r.findings.append(finding("SPY204", "/etc/dropbear/authorized_keys", severity=Severity.CRITICAL))
    valid = agreement(tmp_path, SBOM + WAIVER.format(date="2026-06-01"))
    verdict = evaluate(r, valid, coverage=FULL, today=TODAY)
    nb3 = verdict.clause("NB-3")
    assert nb3.status is Status.WAIVED
    assert verdict.conforms
    assert nb3.evidence[0].note == "waived: r"
    assert [(u.state, u.matched) for u in verdict.waivers] == [("active", 1)]
    expired = evaluate(r, valid, coverage=FULL, today=TODAY + dt.timedelta(days=1))
    nb3 = expired.clause("NB-3")
    assert nb3.status is Status.FAIL
    assert not expired.conforms
    assert nb3.counted[0].waiver_expired
    assert nb3.counted[0].note == "waiver expired on 2026-06-01"
    assert [(u.state, u.matched) for u in expired.waivers] == [("expired", 1)]
    elsewhere = agreement(tmp_path, SBOM + WAIVER.format(date="2027-01-01").replace(
        "/etc/dropbear/*", "/root/*"))
    verdict = evaluate(r, elsewhere, coverage=FULL, today=TODAY)
    assert verdict.clause("NB-3").status is Status.FAIL
    assert [(u.state, u.matched) for u in verdict.waivers] == [("unused", 0)]
    by_clause = agreement(tmp_path, SBOM + '[[waivers]]\nclause = "NB-3"\nreason = "r"\n'
                          'approver = "a"\nexpires = 2027-01-01\n')
    assert evaluate(r, by_clause, coverage=FULL, today=TODAY).clause("NB-3").status is \
        Status.WAIVED


def test_baseline_marks_known_findings(tmp_path: Path) -> None:
    before = report("fw-1.0.bin")
    before.findings.append(finding("SPY103", excerpt="root:$1$x$y:1:0", secret="admin",
                                   message="root has the password 'admin'"))
    now = report("fw-1.1.bin")
    now.findings += [finding("SPY103", excerpt="root:$1$x$y:1:0", secret="admin",
                             message="root has the password 'admin'", image="fw-1.1.bin"),
                     finding("SPY120", "/etc/config/web", 4)]
    verdict = evaluate(now, agreement(tmp_path, SBOM), previous=before, coverage=FULL,
                       today=TODAY, previous_source="old.json")
    nb2 = verdict.clause("NB-2")
    assert [(i.rule, i.state) for i in nb2.evidence] == [
        ("SPY120", EvidenceState.COUNTS), ("SPY103", EvidenceState.BASELINE)]
    assert verdict.baseline is not None
    assert verdict.baseline.matched == 1
    assert verdict.baseline.source == "old.json"
    assert any("baseline" in n for n in verdict.notes)
    now.findings.pop()
    verdict = evaluate(now, agreement(tmp_path, SBOM), previous=before, coverage=FULL,
                       today=TODAY)
    assert verdict.clause("NB-2").status is Status.PASS
    assert "1 item(s) already in the baseline not counted" in verdict.clause("NB-2").summary


def test_declaration_only_clauses(tmp_path: Path) -> None:
    declared = agreement(tmp_path, SBOM + '[legal]\nstatement = "no obligations"\n'
                         '[support]\nuntil = 2026-05-31\n')
    verdict = evaluate(report(), declared, coverage=FULL, today=TODAY)
    tr8 = verdict.clause("TR-8")
    assert (tr8.status, tr8.declared, tr8.summary) == (
        Status.DECLARATION_ONLY, True, "declared: no obligations")
    tr3 = verdict.clause("TR-3")
    assert (tr3.status, tr3.declared, tr3.summary) == (
        Status.DECLARATION_ONLY, False, "not declared")
    tr4 = verdict.clause("TR-4")
    assert tr4.status is Status.FAIL
    assert tr4.counted[0].message == "security updates were declared until 2026-05-31"
    assert tr4.counted[0].location is not None
    assert tr4.counted[0].location.line == 7


def test_routing_by_family_and_by_tag(tmp_path: Path) -> None:
    r = report()
    r.findings += [finding("SPY118", "/etc/passwd"),
                   finding("SPY129", "/etc/app.conf", tags=("clause:SE-7",)),
                   finding("SPY505", "/bin/busybox", severity=Severity.INFO)]
    verdict = evaluate(r, agreement(tmp_path, SBOM), coverage=FULL, today=TODAY)
    nb1 = verdict.clause("NB-1")
    assert [(i.rule, i.check) for i in nb1.counted] == [("SPY118", "other account findings")]
    assert [i.rule for i in verdict.clause("NB-3").counted] == ["SPY129"]
    assert [(i.rule, i.check) for i in verdict.clause("SE-7").counted] == [
        ("SPY129", "routed by the finding's tag")]
    assert [f.id for f in verdict.unassigned] == ["SPY505"]


def test_declared_and_found_both_directions(tmp_path: Path) -> None:
    r = report()
    r.services += [service("dropbear", 22, 7), service("telnetd", 23, 9, auth="none"),
                   service("httpd", 8080, 10)]
    r.endpoints += [endpoint("https://a.cloud.example/x", boot=True),
                    endpoint("198.51.100.7", kind="ipv4", line=2),
                    endpoint("http://203.0.113.9/up", line=3),
                    endpoint("https://help.example/doc", path="/www/help.htm",
                             context="web")]
    text = (SBOM + '[[services]]\nname = "dropbear"\nport = 22\n'
            '[[services]]\nname = "httpd"\nport = 80\n'
            '[[services]]\nname = "snmpd"\nport = 161\n'
            '[[endpoints]]\nhost = "*.cloud.example"\nports = [443]\n'
            '[[endpoints]]\nhost = "198.51.100.0/24"\n'
            '[[endpoints]]\nhost = "gone.example"\n')
    verdict = evaluate(r, agreement(tmp_path, text), coverage=FULL, today=TODAY)
    tr1 = verdict.clause("TR-1")
    assert sorted((i.rule, i.message) for i in tr1.counted) == [
        ("SPY390", "httpd (/usr/sbin/httpd, tcp/8080, auth password), started by "
                   "/etc/init.d/rcS:10 (rcS), differs from its declaration: port 8080 "
                   "(declared 80)"),
        ("SPY390", "telnetd (/usr/sbin/telnetd, tcp/23, auth none), started by "
                   "/etc/init.d/rcS:9 (rcS), is not declared"),
        ("SPY391", "service snmpd (any binary) is declared but nothing in the image starts it"),
        ("SPY590", "http://203.0.113.9/up is not declared; seen in /etc/config/app: config: "
                   "key url"),
        ("SPY591", "endpoint gone.example is declared but nothing in the image uses it"),
    ]
    missing = next(i for i in tr1.counted if i.rule == "SPY391")
    assert missing.location is not None
    assert missing.location.chain == "agreement.toml"
    assert missing.location.line == 10
    help_page = next(i for i in tr1.evidence if "help.example" in i.message)
    assert help_page.state is EvidenceState.BELOW_THRESHOLD
    assert help_page.severity is Severity.INFO
    assert [i.rule for i in verdict.clause("NB-5").counted] == ["SPY390", "SPY390"]


def test_channel_terms_and_telemetry_description(tmp_path: Path) -> None:
    text = (SBOM + '[[channels]]\nname = "acs"\nkind = "management"\ncategory = "tr069"\n'
            'operator_controllable = true\nmutual_authentication = false\n'
            '[[channels]]\nname = "stats"\nkind = "telemetry"\ncategory = "telemetry"\n'
            'operator_controllable = true\ndata = "uptime"\n')
    r = report()
    r.findings.append(finding("SPY504", "/etc/config/cwmp", tags=("tr069",),
                              severity=Severity.LOW))
    verdict = evaluate(r, agreement(tmp_path, text), coverage=FULL, today=TODAY)
    ns4 = verdict.clause("NS-4")
    assert [(i.rule, i.state) for i in ns4.evidence] == [
        ("agreement:channel-terms", EvidenceState.COUNTS),
        ("SPY504", EvidenceState.DECLARED)]
    assert ns4.counted[0].message == "management channel acs does not use mutual authentication"
    assert [i.message for i in verdict.clause("TR-7").counted] == [
        "telemetry channel stats does not say to whom, why"]
    assert [i.message for i in verdict.clause("TR-1").counted] == [
        "telemetry channel stats (telemetry) is declared but not found in the image"]


def test_sbom_vulnerabilities_and_tools(tmp_path: Path) -> None:
    from spyless.model.facts import Component, Vulnerability

    r = report()
    r.components += [Component("busybox", "1.35.0", (Location("x"),)),
                     Component("tcpdump", "4.9", ()), Component("gdbserver", "12", ())]
    r.vulnerabilities += [
        Vulnerability("CVE-2022-48174", "busybox", "1.35.0", severity="critical"),
        Vulnerability("CVE-2021-42386", "busybox", "1.35.0", cvss_score=9.8),
        Vulnerability("CVE-2099-1", "busybox", "1.35.0", severity="critical",
                      known_exploited=True),
        Vulnerability("CVE-2022-28391", "busybox", "1.35.0", severity="high")]
    text = ('[[components]]\nname = "BusyBox"\nversion = "1.36.1"\n'
            '[[components]]\nname = "libfoo"\n'
            '[[vulnerabilities]]\nid = "CVE-2021-42386"\nstatus = "mitigated"\n'
            'remediation = "not reachable"\n')
    verdict = evaluate(r, agreement(tmp_path, text), coverage=FULL, today=TODAY)
    assert [i.message for i in verdict.clause("SE-1").counted] == [
        "busybox 1.35.0: 1 critical vulnerabilities not declared with remediation: "
        "CVE-2022-48174"]
    tr2 = verdict.clause("TR-2")
    assert [(i.rule, i.state, i.message) for i in tr2.evidence] == [
        ("SPY690", EvidenceState.COUNTS, "busybox 1.35.0 found in the image is listed with "
         "version 1.36.1 in the vendor SBOM"),
        ("SPY690", EvidenceState.COUNTS, "tcpdump 4.9 found in the image is not listed in the "
         "vendor SBOM"),
        ("SPY690", EvidenceState.COUNTS, "gdbserver 12 found in the image is not listed in "
         "the vendor SBOM"),
        ("SPY691", EvidenceState.BELOW_THRESHOLD, "libfoo  is in the vendor SBOM but was not "
         "identified in the image")]
    assert [i.rule for i in verdict.clause("NS-5").counted] == ["SPY694"]
    assert [i.rule for i in verdict.clause("SE-7").counted] == ["SPY695"]


def test_services_judged_directly(tmp_path: Path) -> None:
    r = report()
    r.services += [service("httpd", 80, 3, user="root"), service("tcpdump", None, 4),
                   service("in.fingerd", 79, 5)]
    verdict = evaluate(r, agreement(tmp_path, SBOM), coverage=FULL, today=TODAY)
    assert [i.rule for i in verdict.clause("SE-8").counted] == ["SPY396"]
    assert [i.rule for i in verdict.clause("NS-5").counted] == ["SPY394"]
    assert [i.message for i in verdict.clause("SE-3").counted] == [
        "in.fingerd (/usr/sbin/in.fingerd, tcp/79, auth password) speaks finger, a legacy "
        "cleartext protocol, started by /etc/init.d/rcS:5"]
    assert verdict.clause("NS-3").status is Status.PASS  # finger is not remote management


def test_release_changes_against_the_previous_report(tmp_path: Path) -> None:
    before, now = report("fw-1.0.bin"), report("fw-1.1.bin")
    now.services.append(service("uhttpd", 443, 5))
    now.accounts.append(account("admin", 1000, 2))
    text = (SBOM + '[[accounts]]\nname = "admin"\n[[services]]\nname = "uhttpd"\n'
            '[release_notes]\n[[release_notes.changes]]\nkind = "service"\n'
            'change = "added"\nitem = "uhttpd"\n')
    verdict = evaluate(now, agreement(tmp_path, text), previous=before, coverage=FULL,
                       today=TODAY)
    tr5 = verdict.clause("TR-5")
    assert [i.message for i in tr5.counted] == [
        "new account admin since fw-1.0.bin is not in the release notes"]
    without = evaluate(now, agreement(tmp_path, text), coverage=FULL, today=TODAY)
    assert without.clause("TR-5").status is Status.NOT_EVALUATED


def test_json_masks_secrets_and_serialises(tmp_path: Path) -> None:
    r = report()
    r.findings.append(finding("SPY103", secret="sohoadmin", excerpt="root:sohoadmin",
                              message="root has the password 'sohoadmin'"))
    data = verdict_dict(evaluate(r, agreement(tmp_path, SBOM), coverage=FULL, today=TODAY))
    text = json.dumps(data)
    assert "sohoadmin" not in text
    assert "s********" in text
    nb2 = next(c for c in data["clauses"] if c["id"] == "NB-2")
    assert nb2["status"] == "fail"
    assert nb2["evidence"][0]["state"] == "counts"
    assert nb2["mappings"][0] == {"standard": "33.117", "ref": "4.2.3.4.2.3", "direct": True,
                                  "recalled": False}
    assert data["counts"]["fail"] == 1
    assert data["exit_code"] == 1
    shown = json.dumps(verdict_dict(evaluate(r, agreement(tmp_path, SBOM), coverage=FULL,
                                             today=TODAY), show_secrets=True))
    assert "sohoadmin" in shown


def test_evaluation_is_fast_on_a_large_report(tmp_path: Path) -> None:
    from spyless.model.facts import Component, Vulnerability

    r = report()
    r.findings += [finding(f"SPY{100 + i % 700 + 1}", f"/usr/bin/f{i}", i) for i in range(600)]
    r.accounts += [account(f"user{i}", 1000 + i, i) for i in range(50)]
    r.services += [service(f"d{i}", 1000 + i, i) for i in range(100)]
    r.endpoints += [endpoint(f"https://h{i}.example/x", line=i) for i in range(1500)]
    r.components += [Component(f"c{i}", "1.0", ()) for i in range(200)]
    r.vulnerabilities += [Vulnerability(f"CVE-2020-{i}", f"c{i % 200}", "1.0",
                                        severity="critical" if i % 5 else "high")
                          for i in range(8000)]
    declared = agreement(tmp_path, SBOM + "".join(
        f'[[endpoints]]\nhost = "h{i}.example"\n' for i in range(0, 1500, 3)))
    evaluate(r, declared, coverage=FULL, today=TODAY)
    best = min(_timed(lambda: evaluate(r, declared, coverage=FULL, today=TODAY))
               for _ in range(3))
    assert best < 0.25, f"{best:.3f} s"  # about 60 ms here; real reports take 2-5 ms


def _timed(run: object) -> float:
    began = time.perf_counter()
    run()  # type: ignore[operator]
    return time.perf_counter() - began


def test_coverage_reasons() -> None:
    nothing = Coverage(frozenset(), frozenset())
    assert not nothing.covers("eol")
    assert nothing.covers("agreement")
    assert nothing.reason("radios").startswith("no analyzer looks at WLAN")
    assert nothing.reason("previous") == "needs the previous release's report (--baseline)"


from spyless.model.findings import Location  # noqa: E402 - used by the SBOM test only
