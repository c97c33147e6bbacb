"""Reading agreement files: the template, line numbers of every kind of problem, SBOMs,
the TOML locator, and compatibility with the traffic check's reader."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from spyless.agreement import AgreementError, Status, load_agreement, validate_file
from spyless.agreement.document import DeclaredComponent
from spyless.agreement.loader import settings_for
from spyless.agreement.locate import Locator
from spyless.agreement.schema import SCHEMA
from spyless.agreement.template import template_text
from spyless.errors import InputError
from spyless.model.findings import Confidence, Severity
from spyless.traffic import load_allowlist


def _write(tmp_path: Path, text: str, name: str = "agreement.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_template_is_valid_and_names_every_section(tmp_path: Path) -> None:
    text = template_text(dt.date(2026, 1, 1))
    assert "expires = 2026-04-01" in text
    agreement = load_agreement(_write(tmp_path, text))
    for field in SCHEMA:
        header = {"tables": f"[[{field.name}]]", "table": f"[{field.name}]",
                  "clause-tables": f"[{field.name}."}.get(field.type, f"{field.name} =")
        assert header in text, field.name
    d = agreement.declarations
    assert [a.name for a in d.accounts] == ["root"]
    assert [(s.name, s.port) for s in d.services] == [("dropbear", 22), ("uhttpd", 443)]
    assert [c.kind for c in d.channels] == ["management", "telemetry"]
    assert d.support_until == "2030-12-31"
    assert d.vulnerability_contact
    assert agreement.clauses["SE-5"].threshold is Severity.MEDIUM
    lines = text.splitlines()
    assert agreement.clauses["SE-5"].changed
    assert agreement.clauses["SE-5"].line == lines.index("[clauses.SE-5]") + 1
    assert agreement.waivers[0].expires == "2026-04-01"
    assert agreement.waivers[0].line == lines.index("[[waivers]]") + 1


def test_traffic_check_reads_the_same_endpoints(tmp_path: Path) -> None:
    path = _write(tmp_path, template_text())
    assert load_allowlist(path).endpoints == load_agreement(path).declarations.endpoints
    assert load_agreement(path).allowlist().dns_resolvers == ("192.0.2.53",)


BAD = """\
schema_version = "1"
colour = "blue"

[[accounts]]
name = "root"
uid = "zero"

[[endpoints]]
host = "10.0.0.0/33"
ports = [443, 70000]

[[endpoints]]
host = "bad*.example"

[[endpoints]]
host = "ok.example"
purpose = \"\"\"multi
line [ with = brackets
\"\"\"
category = 7

[clauses.NB-9]
severity = "high"

[clauses.NB-2]
severity = "extreme"
enabled = false

[[waivers]]
finding = "SPY999"
reason = "x"
approver = "y"
expires = "2026-02-30"

[[waivers]]
reason = "x"
approver = "y"
expires = 2027-01-01

[[services]]
name = "x"
binary = "usr/sbin/x"
port = 22

[support]
until = 2030-01-01T00:00:00
"""


def test_every_problem_with_its_line(tmp_path: Path) -> None:
    problems = validate_file(_write(tmp_path, BAD))
    assert [(p.line, p.path, p.message.split(" (")[0]) for p in problems] == [
        (2, "colour", "unknown key"),
        (6, "accounts[1].uid", "must be an integer, not string"),
        (9, "endpoints[1].host", "'10.0.0.0/33' is not a valid IP address or CIDR network"),
        (10, "endpoints[1].ports", "port 70000 is out of range 0-65535"),
        (13, "endpoints[2].host", "'bad*.example': a wildcard must look like '*.vendor.example'"),
        (20, "endpoints[3].category", "must be a string, not integer"),
        (22, "clauses.NB-9", "unknown clause id"),
        (25, "clauses.NB-2", "switching a clause off needs a 'reason'"),
        (26, "clauses.NB-2.severity", "'extreme' is not one of: critical, high, medium, low, info"),
        (30, "waivers[1].finding", "'SPY999' is not a finding id"),
        (33, "waivers[1].expires", "'2026-02-30' is not a date"),
        (35, "waivers[2]", "a waiver needs 'finding' or 'clause'"),
        (42, "services[1].binary", "'usr/sbin/x' must be an absolute path inside the image"),
        (46, "support.until", "2030-01-01 00:00:00 is not a date"),
    ]


def test_unknown_finding_id_and_missing_keys(tmp_path: Path) -> None:
    text = ('schema_version = "1"\n[[waivers]]\nfinding = "SPY199"\nclause = "NB-1"\n'
            'reason = "r"\n[[parties]]\nname = "x"\n')
    problems = validate_file(_write(tmp_path, text), known={"SPY101"})
    assert [(p.line, p.path, p.message) for p in problems] == [
        (2, "waivers[1]", "missing required key 'approver'"),
        (2, "waivers[1]", "missing required key 'expires'"),
        (3, "waivers[1].finding", "unknown finding id or rule 'SPY199' (see docs/findings.md)"),
        (6, "parties[1]", "missing required key 'role'"),
    ]
    assert [p.message for p in validate_file(_write(tmp_path, 'name = "x"\n'))] == [
        "missing required key 'schema_version'"]


def test_toml_syntax_error_has_its_line(tmp_path: Path) -> None:
    with pytest.raises(AgreementError) as raised:
        load_agreement(_write(tmp_path, 'schema_version = "1"\n\n[[endpoints]]\nhost = \n'))
    assert raised.value.lines() == [f"{tmp_path / 'agreement.toml'}:4: TOML syntax: Invalid "
                                    "value"]
    assert "line 4" in raised.value.diagnostics()


def test_unreadable_agreement(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read agreement"):
        load_agreement(tmp_path / "missing.toml")


@pytest.mark.parametrize(("document", "expected"), [
    ({"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [
        {"name": "busybox", "version": "1.36.1", "purl": "pkg:generic/busybox@1.36.1",
         "components": [{"name": "zlib", "version": "1.3"}]}]},
     [DeclaredComponent("busybox", "1.36.1", "pkg:generic/busybox@1.36.1"),
      DeclaredComponent("zlib", "1.3")]),
    ({"spdxVersion": "SPDX-2.3", "packages": [
        {"name": "openssl", "versionInfo": "3.0.13", "externalRefs": [
            {"referenceType": "cpe23Type",
             "referenceLocator": "cpe:2.3:a:openssl:openssl:3.0.13:*:*:*:*:*:*:*"}]}]},
     [DeclaredComponent("openssl", "3.0.13",
                        cpe="cpe:2.3:a:openssl:openssl:3.0.13:*:*:*:*:*:*:*")]),
])
def test_sbom_file(tmp_path: Path, document: dict[str, object],
                   expected: list[DeclaredComponent]) -> None:
    (tmp_path / "sbom.json").write_text(json.dumps(document), encoding="utf-8")
    path = _write(tmp_path, 'schema_version = "1"\n[sbom]\nfile = "sbom.json"\n')
    assert list(load_agreement(path).sbom_components) == expected


def test_bad_sbom_file_is_a_problem_on_its_line(tmp_path: Path) -> None:
    (tmp_path / "sbom.json").write_text('{"hello": 1}', encoding="utf-8")
    path = _write(tmp_path, 'schema_version = "1"\n\n[sbom]\nfile = "sbom.json"\n')
    [problem] = validate_file(path)
    assert problem.line == 4
    assert "neither a CycloneDX" in problem.message
    path = _write(tmp_path, 'schema_version = "1"\n[sbom]\nfile = "none.json"\n')
    assert "cannot read SBOM" in validate_file(path)[0].message


def test_locator_follows_headers_arrays_and_multiline_values() -> None:
    text = """\
a = 1
b = [
  "x = 1",
  [2, 3],
]
s = '''
[not.a.table]
k = v
'''
[t."quoted.key"]
c = { d = 1 }
[[arr]]
x = 1
[[arr]]
x = 2
[[arr.inner]]
y = 3
[[arr]]
"""
    locator = Locator(text)
    assert locator.line(("a",)) == 1
    assert locator.line(("b", 1)) == 2
    assert locator.line(("not",)) is None
    assert locator.line(("t", "quoted.key", "c", "d")) == 11
    assert locator.line(("arr", 0, "x")) == 13
    assert locator.line(("arr", 1, "x")) == 15
    assert locator.line(("arr", 1, "inner", 0, "y")) == 17
    assert locator.line(("arr", 2)) == 18
    assert locator.line(("arr", 2, "missing")) == 18


def test_clause_settings_extend_none_and_baseline(tmp_path: Path) -> None:
    text = ('schema_version = "1"\nextends = "none"\n[clauses.NB-2]\nseverity = "high"\n'
            'confidence = "medium"\n[clauses.SE-9]\nenabled = false\nreason = "lab does it"\n')
    agreement = load_agreement(_write(tmp_path, text))
    assert settings_for(agreement, "NB-1") is None
    nb2 = settings_for(agreement, "NB-2")
    assert nb2 is not None
    assert nb2.threshold is Severity.HIGH
    assert nb2.min_confidence is Confidence.MEDIUM
    assert nb2.changed
    assert nb2.line == 3
    se9 = settings_for(agreement, "SE-9")
    assert se9 is not None
    assert not se9.enabled
    assert se9.reason == "lab does it"
    assert Status.DISABLED.value == "disabled"
