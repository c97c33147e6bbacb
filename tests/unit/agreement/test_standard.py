"""The built-in baseline is STANDARD.md, clause by clause, and its rules track real ids."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from spyless.agreement.coverage import PROVIDERS, UNAVAILABLE
from spyless.agreement.interface import Mapping
from spyless.agreement.mappings import parse_mappings
from spyless.agreement.specs import AGREEMENT_RULES, SPECS
from spyless.agreement.standard import CLAUSES, UNASSIGNED, clauses_by_id, family_route
from spyless.analyzers.registry import catalogue

STANDARD = Path(__file__).resolve().parents[4] / "shared" / "STANDARD.md"
IDS = ([f"NB-{i}" for i in range(1, 9)] + [f"NS-{i}" for i in range(1, 6)]
       + [f"SE-{i}" for i in range(1, 10)] + [f"TR-{i}" for i in range(1, 9)])


def _rows() -> dict[str, list[str]]:
    if not STANDARD.is_file():
        pytest.skip(f"STANDARD.md not present: {STANDARD}")
    rows = {}
    for line in STANDARD.read_text(encoding="utf-8").splitlines():
        if re.match(r"\| (NB|NS|SE|TR)-\d", line):
            cells = [c.strip().replace("\\|", "|")
                     for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
            rows[cells[0]] = cells[1:]
    return rows


def test_every_clause_in_order() -> None:
    assert [c.id for c in CLAUSES] == IDS


@pytest.mark.parametrize("clause_id", IDS)
def test_clause_text_evidence_and_mappings_match_the_standard(clause_id: str) -> None:
    text, evidence, maps_to = _rows()[clause_id]
    clause = clauses_by_id()[clause_id]
    assert (clause.text, clause.evidence, clause.maps_to) == (text, evidence, maps_to)


def test_mapping_marks_are_data() -> None:
    nb7 = clauses_by_id()["NB-7"].mappings
    assert nb7[0] == Mapping("33.117", "4.3.2.8", direct=False, recalled=True)
    assert nb7[1] == Mapping("33.117", "4.3.2.4 (unused HW interfaces)", direct=True)
    assert Mapping("EN", "5.6-4", direct=True) in nb7
    assert parse_mappings("CRA Annex I Part II [R]; TS 103 701 IXIT 6-SoftComp") == (
        Mapping("CRA", "Annex I Part II", recalled=True), Mapping("TS 103 701", "IXIT 6-SoftComp"))
    tr1 = clauses_by_id()["TR-1"].mappings
    assert Mapping("TS 103 701", "IXIT (1-AuthMech, 13-SoftServ, 15-Intf, 24-TelData)") in tr1
    assert parse_mappings("8259A-4; SbD-5/6; CWE-798/259/521") == (
        Mapping("8259A", "4"), Mapping("SbD", "5/6"), Mapping("CWE", "798/259/521"))
    assert str(Mapping("33.117", "4.3.2.8", recalled=True)) == "33.117 4.3.2.8 [R]"


def test_kinds_and_declarations() -> None:
    kinds = {c.id: c.kind for c in CLAUSES}
    assert kinds["NS-2"] == "D"
    assert kinds["NB-4"] == "S+D"
    assert kinds["TR-1"] == "S+D"
    assert kinds["TR-8"] == "Decl"
    assert kinds["TR-3"] == "Decl+S"
    assert kinds["NB-1"] == "S"
    assert {c.id for c in CLAUSES if c.declaration} == {"TR-3", "TR-4", "TR-8"}


def test_every_check_source_is_known() -> None:
    known = set(PROVIDERS) | set(UNAVAILABLE) | {"agreement", "capture", "previous"}
    assert {k.source for c in CLAUSES for k in c.checks} <= known


def test_checks_read_only_ids_that_exist() -> None:
    emitted = set(catalogue()) | {s.id for s in SPECS} | set(AGREEMENT_RULES)
    named = {i for c in CLAUSES for k in c.checks for i in k.ids}
    assert named - emitted == set()


def test_every_emitted_id_reaches_a_clause_or_is_listed_as_unassigned() -> None:
    named = {i for c in CLAUSES for k in c.checks for i in k.ids}
    lost = {i for i in catalogue() if i not in named and i not in UNASSIGNED
            and family_route(i) is None}
    assert lost == set()


def test_family_routes_pick_up_new_ids() -> None:
    assert family_route("SPY118") == ("NB-1", "other account findings")
    assert family_route("SPY140") == ("NB-2", "other credential findings")
    assert family_route("SPY529") == ("NS-2", "other traffic findings")
    assert family_route("SPY509") == ("NS-1", "other endpoint findings")
    assert family_route("SPY605") == ("SE-2", "other component findings")
    assert family_route("SPY650") == ("SE-1", "other vulnerability findings")
    assert family_route("SPY899") == ("TR-6", "other extraction findings")
