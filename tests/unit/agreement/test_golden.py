"""Golden verdicts on trees scanned through the real pipeline: a router that conforms to its
agreement, and variants that each break one clause (TR-1 fails with the undeclared ones:
it is the union of the declared-versus-found comparisons)."""

from __future__ import annotations

from pathlib import Path

import pytest

from spyless.agreement import Status, Verdict, evaluate, load_agreement
from spyless.agreement.coverage import coverage_of
from tests.analyzers_helpers import scan_tree
from tests.unit.agreement.trees import CLEAN_AGREEMENT, CLEAN_TREE, VARIANTS

Where = tuple[str, str | None, int | None]


def _verdict(tmp_path: Path, files: dict[str, bytes | str]) -> Verdict:
    path = tmp_path / "agreement.toml"
    path.write_text(CLEAN_AGREEMENT, encoding="utf-8")
    report = scan_tree(tmp_path, files)
    return evaluate(report, load_agreement(path), coverage=coverage_of(report, scanned_now=True))


def _failures(verdict: Verdict) -> dict[str, list[Where]]:
    return {c.clause.id: sorted((e.rule, e.location.path if e.location else None,
                                 e.location.line if e.location else None) for e in c.counted)
            for c in verdict.clauses if c.status is Status.FAIL}


def test_clean_router_conforms(tmp_path: Path) -> None:
    verdict = _verdict(tmp_path, CLEAN_TREE)
    assert verdict.conforms
    assert _failures(verdict) == {}
    statuses = {c.clause.id: c.status.value for c in verdict.clauses}
    assert statuses == {
        "NB-1": "pass", "NB-2": "pass", "NB-3": "pass", "NB-4": "pass", "NB-5": "pass",
        "NB-6": "pass", "NB-7": "not-evaluated", "NB-8": "not-evaluated", "NS-1": "pass",
        "NS-2": "not-evaluated", "NS-3": "pass", "NS-4": "pass", "NS-5": "not-evaluated",
        "SE-1": "pass", "SE-2": "pass", "SE-3": "pass", "SE-4": "pass", "SE-5": "pass",
        "SE-6": "not-evaluated", "SE-7": "not-evaluated", "SE-8": "not-evaluated",
        "SE-9": "not-evaluated", "TR-1": "pass", "TR-2": "pass",
        "TR-3": "declaration-only", "TR-4": "declaration-only", "TR-5": "not-evaluated",
        "TR-6": "pass", "TR-7": "pass", "TR-8": "declaration-only"}
    assert all(c.declared for c in verdict.clauses if c.clause.declaration)
    ntp = [e for c in verdict.clauses for e in c.evidence if e.rule == "SPY504"]
    assert {e.state.value for e in ntp} == {"declared"}  # *.vendor.example is declared


EXPECTED: dict[str, dict[str, list[Where]]] = {
    "NB-1 extra uid-0 account": {"NB-1": [("SPY101", "/etc/passwd", 4)]},
    "NB-2 default root password": {"NB-2": [("SPY103", "/etc/shadow", 1)]},
    "NB-3 vendor authorized key": {"NB-3": [("SPY204", "/etc/dropbear/authorized_keys", 1)]},
    "NB-4 root password login over SSH": {"NB-4": [("SPY304", "/etc/init.d/rcS", 3)]},
    "NB-5 undeclared listener": {"NB-5": [("SPY390", "/etc/init.d/rcS", 4)],
                                 "TR-1": [("SPY390", "/etc/init.d/rcS", 4)]},
    "NB-6 backdoor switch in a CGI script": {"NB-6": [("SPY410", "/www/cgi-bin/diag.cgi", 6)]},
    "NS-1 undeclared call-home": {"NS-1": [("SPY502", "/usr/sbin/report.sh", 3),
                                           ("SPY590", "/usr/sbin/report.sh", 3)],
                                  "TR-1": [("SPY590", "/usr/sbin/report.sh", 3)]},
    "TR-6 truncated container": {"TR-6": [("SPY805", None, None)]},
}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_each_variant_breaks_its_clause(tmp_path: Path, name: str) -> None:
    verdict = _verdict(tmp_path, {**CLEAN_TREE, **VARIANTS[name]})
    assert not verdict.conforms
    assert verdict.exit_code == 1
    assert _failures(verdict) == EXPECTED[name]
