"""Every output format of the delta and of an equivalence result; SARIF against its schema."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from spyless.diff import render_delta, render_equivalence
from spyless.diff.declared import undeclared_changes
from spyless.diff.delta import compute_delta
from spyless.diff.interface import DeclaredChange, Delta
from spyless.model.facts import Account
from spyless.model.findings import Confidence, Evidence, Finding, Location, Severity
from tests.conftest import SHARED
from tests.unit.diff.builders import equivalence_of, report, tar_bytes

SCHEMA = SHARED / "vulndata/schemas/sarif-schema-2.1.0.json"


def _validate_sarif(text: str) -> dict[str, object]:
    jsonschema = pytest.importorskip("jsonschema")
    if not SCHEMA.is_file():
        pytest.skip(f"SARIF schema not present: {SCHEMA}")
    log: dict[str, object] = json.loads(text)
    jsonschema.Draft4Validator(json.loads(SCHEMA.read_text())).validate(log)
    return log


def _delta() -> Delta:
    where = Location("v2.bin!squashfs@0x10000/etc/shadow", "/etc/shadow", 0, 3)
    new = Finding("SPY103", "Cracked password", Severity.CRITICAL, Confidence.HIGH, 798,
                  "maint has the password 'support' <b>", (Evidence(where, "maint:$1$x", "support"),),
                  "Change it.")
    old = report("v1.bin")
    newer = report("v2.bin", findings=[new], accounts=[
        Account("maint", 0, 0, "/root", "/bin/sh", where, "hash", "md5crypt", "$1$x")])
    return compute_delta(old, newer)


def test_delta_json_masks_secrets_and_lists_every_part() -> None:
    delta = _delta()
    missing = undeclared_changes(delta, [DeclaredChange("component", "added", "x")])
    data = json.loads(render_delta.render_json(delta, undeclared=missing))
    assert data["summary"]["new_findings"] == 1
    assert data["facts"][0]["item"] == "maint"
    assert data["undeclared_changes"][0]["item"] == "maint"
    assert "support" not in json.dumps(data["findings"])
    shown = json.loads(render_delta.render_json(delta, show_secrets=True))
    assert "'support'" in shown["findings"][0]["finding"]["message"]


def test_delta_markdown_html_and_terminal() -> None:
    delta = _delta()
    markdown = render_delta.render_markdown(delta)
    assert "| new | SPY103 | critical | Cracked password | /etc/shadow |" in markdown
    assert "&lt;b>" in markdown
    page = render_delta.render_html(delta)
    assert "<script" not in page
    assert "&lt;b&gt;" in page
    assert "http" not in page.split("<body>")[1]  # self-contained: nothing fetched
    out = io.StringIO()
    render_delta.print_delta(Console(file=out, width=200), delta)
    assert "SPY103" in out.getvalue()
    assert "'s******'" in out.getvalue()


def test_delta_sarif_holds_new_findings_only_and_is_valid() -> None:
    log = _validate_sarif(render_delta.render_sarif(_delta()))
    run = log["runs"][0]  # type: ignore[index]
    assert [r["ruleId"] for r in run["results"]] == ["SPY103"]
    assert run["results"][0]["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "etc/shadow"}, "region": {"startLine": 3}}
    assert "support'" not in json.dumps(log)


def test_equivalence_outputs(tmp_path: Path) -> None:
    result = equivalence_of(tmp_path, tar_bytes({"a": b"x=1\n", "b": b"same\n"}),
                            tar_bytes({"a": b"x=2\n", "b": b"same\n"}))
    data = json.loads(render_equivalence.render_json(result))
    assert (data["verdict"], data["exit_code"]) == ("not-equivalent", 2)
    assert data["counts"]["identical"] == 1
    assert [p["key"] for p in data["pairs"]] == ["", "!tar#0/a"]
    assert "| !tar#0/a | different |" in render_equivalence.render_markdown(result)
    assert "NOT equivalent" in render_equivalence.render_html(result)
    log = _validate_sarif(render_equivalence.render_sarif(result))
    results = log["runs"][0]["results"]  # type: ignore[index]
    assert [r["ruleId"] for r in results] == ["equivalence/different"] * 2
