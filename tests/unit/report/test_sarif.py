"""SARIF output: valid against the official 2.1.0 schema, rules from the catalogue with the
properties code-scanning dashboards read, locations inside the image, stable fingerprints,
the verdict carried along, and secrets masked."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from spyless.agreement import evaluate
from spyless.agreement.coverage import coverage_of
from spyless.report.formats import Format, RenderOptions, parse_formats
from spyless.report.sarif import fingerprint, image_uri, render_sarif, sarif_dict
from tests.conftest import SHARED
from tests.unit.agreement.helpers import agreement as agreement_file
from tests.unit.report.samples import SCRIPT, SECRET, clean, demo, hostile

WAIVER = """\
[[waivers]]
finding = "SPY701"
reason = "rebuilt with a non-executable stack in the next release"
approver = "lab lead"
expires = "2030-12-31"
"""
SCHEMA = SHARED / "vulndata" / "schemas" / "sarif-schema-2.1.0.json"


def validate(data: dict[str, Any]) -> None:
    if not SCHEMA.is_file():
        pytest.skip(f"the official SARIF schema is not present: {SCHEMA}")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(data), key=str)
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


@pytest.mark.parametrize("sample", [demo, clean, hostile], ids=["demo", "clean", "hostile"])
def test_output_is_valid_sarif(sample: Any) -> None:
    report, verdict = sample()
    text = render_sarif(report, verdict, RenderOptions())
    data = json.loads(text)
    assert data["version"] == "2.1.0"
    validate(data)
    validate(sarif_dict(report, None))  # a scan without a verdict too


def test_demo_rules_and_results_are_what_dashboards_read() -> None:
    report, verdict = demo()
    run = sarif_dict(report, verdict)["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    nb2 = rules["SPY103"]
    assert nb2["shortDescription"]["text"].startswith("Account password found")
    assert "**How to fix:**" in nb2["help"]["markdown"]
    assert nb2["properties"]["security-severity"] == "9.5"
    assert {"security", "CWE-798", "external/cwe/cwe-798"} <= set(nb2["properties"]["tags"])
    assert rules["SPY701"]["properties"]["security-severity"] == "5.5"
    assert rules["SPY590"]["properties"]["security-severity"] == "5.5"  # worst result: medium
    results = run["results"]
    assert len({r["partialFingerprints"]["spyless/v1"] for r in results}) == len(results)
    root = next(r for r in results if r["ruleId"] == "SPY103"
                and r["locations"][0]["physicalLocation"]["region"]["startLine"] == 1)
    physical = root["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "squashfs@0x10000/etc/shadow"
    assert physical["artifactLocation"]["uriBaseId"] == "IMAGEROOT"
    assert run["artifacts"][physical["artifactLocation"]["index"]]["location"]["uri"] == \
        "squashfs@0x10000/etc/shadow"
    assert root["level"] == "error"
    assert root["ruleIndex"] == list(rules).index("SPY103")
    assert "'a****'" in root["message"]["text"]
    assert {"id": "NB-2", "status": "fail", "evidence": "counts"} in root["properties"]["clauses"]
    busybox = next(r for r in results if r["ruleId"] == "SPY693")
    region = busybox["locations"][0]["physicalLocation"]["region"]
    assert region["byteOffset"] == 0x1f0211
    assert "startLine" not in region
    # verdict-derived findings are results too
    assert {"SPY190", "SPY390", "SPY590", "SPY693"} <= {r["ruleId"] for r in results}


def test_demo_verdict_is_in_the_run() -> None:
    report, verdict = demo()
    run = sarif_dict(report, verdict)["runs"][0]
    assert run["invocations"][0]["exitCode"] == 1
    assert run["invocations"][0]["executionSuccessful"] is True
    props = run["properties"]["verdict"]
    assert props["conforms"] is False
    assert props["counts"]["fail"] == verdict.counts()[verdict.clauses[0].status]
    clauses = {c["id"]: c for c in props["clauses"]}
    assert len(clauses) == len(verdict.clauses)
    nb2 = clauses["NB-2"]
    assert nb2["status"] == "fail"
    assert "33.117 ⊕4.2.3.4.2.3" in nb2["mappings"]
    assert {run["results"][i]["ruleId"] for i in nb2["results"]} == {"SPY103"}
    assert clauses["TR-2"]["agreementEvidence"][0]["rule"] == "agreement:no-sbom"


def test_clean_tree_conforms_with_exit_code_0() -> None:
    report, verdict = clean()
    run = sarif_dict(report, verdict)["runs"][0]
    assert run["invocations"][0]["exitCode"] == 0
    assert run["properties"]["verdict"]["conforms"] is True


def test_secrets_are_masked_unless_asked() -> None:
    report, verdict = hostile()
    masked = render_sarif(report, verdict, RenderOptions())
    assert SECRET not in masked
    assert "hu" + "*" * (len(SECRET) - 4) + "et" in masked
    shown = render_sarif(report, verdict, RenderOptions(show_secrets=True))
    assert SECRET in shown
    assert json.loads(shown)["runs"][0]["properties"]["secretsShown"] is True


def test_hostile_paths_become_uri_references() -> None:
    report, verdict = hostile()
    data = sarif_dict(report, verdict)
    uris = {a["location"]["uri"] for a in data["runs"][0]["artifacts"]}
    assert "squashfs@0x10000/www/%3Cimg%20src=x%20onerror=%22alert(1)%22%3E.cgi" in uris
    assert image_uri("img.bin!a@0x0/b c:d", "img.bin") == "a@0x0/b%20c%3Ad"
    assert image_uri("img.bin", "img.bin") == "img.bin"
    validate(data)
    assert SCRIPT in json.dumps(data, ensure_ascii=False)  # JSON text, not markup


def test_waived_results_carry_suppressions_and_baseline_state(tmp_path: Path) -> None:
    report, _ = hostile()
    agreement = agreement_file(tmp_path, WAIVER)
    verdict = evaluate(report, agreement, coverage=coverage_of(report, scanned_now=True),
                       today=dt.date(2026, 1, 1))
    data = sarif_dict(report, verdict)
    validate(data)
    results = {r["ruleId"]: r for r in data["runs"][0]["results"]}
    assert results["SPY701"]["suppressions"] == [
        {"kind": "external", "status": "accepted",
         "justification": "covered by a valid waiver of the agreement"}]
    assert "suppressions" not in results["SPY103"]
    assert all("baselineState" not in r for r in results.values())
    again = evaluate(report, agreement, coverage=coverage_of(report, scanned_now=True),
                     today=dt.date(2026, 1, 1), previous=report)
    states = {r["ruleId"]: r.get("baselineState")
              for r in sarif_dict(report, again)["runs"][0]["results"]}
    assert states["SPY103"] == "unchanged"
    expired = evaluate(report, agreement, coverage=coverage_of(report, scanned_now=True),
                       today=dt.date(2031, 1, 1))
    spy701 = next(r for r in sarif_dict(report, expired)["runs"][0]["results"]
                  if r["ruleId"] == "SPY701")
    assert "suppressions" not in spy701


def test_fingerprint_ignores_where_the_filesystem_sits_in_the_image() -> None:
    report, _ = hostile()
    finding = report.findings[0]
    from dataclasses import replace

    moved = replace(finding, evidence=(replace(finding.evidence[0], location=replace(
        finding.location, chain="fw-1.1.bin!squashfs@0x20000/etc/shadow")),))
    assert fingerprint(moved) == fingerprint(finding)
    other_line = replace(finding, evidence=(replace(finding.evidence[0], location=replace(
        finding.location, line=3)),))
    assert fingerprint(other_line) != fingerprint(finding)


def test_sarif_is_a_format() -> None:
    assert parse_formats("json, SARIF,html,md") == [Format.JSON, Format.SARIF, Format.HTML,
                                                     Format.MARKDOWN]
