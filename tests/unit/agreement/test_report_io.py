"""Reading reports back from JSON, and the output-format registry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spyless.analyzers.interface import AnalyzerError
from spyless.errors import InputError, UsageError
from spyless.model.facts import Component, Hardening, KeyMaterial, Vulnerability
from spyless.model.findings import Location
from spyless.report.formats import RENDERERS, Format, RenderOptions, output_paths, parse_formats
from spyless.report.json_format import load_report, render_json
from tests.unit.agreement.helpers import account, endpoint, finding, report, service


def _full_report() -> object:
    r = report()
    r.findings.append(finding("SPY103", secret="admin", excerpt="root:x", tags=("shadow",)))
    r.accounts.append(account("root", 0, 1))
    r.services.append(service("dropbear", 22, 7))
    r.endpoints.append(endpoint("https://a.example/x", boot=True, category="update"))
    r.keys.append(KeyMaterial("host-key", "ec", Location("c", "/etc/key"), bits=256,
                              options=("no-pty",)))
    r.components.append(Component("busybox", "1.36.1", (Location("c", "/bin/busybox", 5),)))
    r.vulnerabilities.append(Vulnerability("CVE-1", "busybox", "1.36.1", cvss_score=9.8,
                                           cwes=("CWE-787",), known_exploited=True))
    r.hardening.append(Hardening(Location("c", "/bin/busybox"), "mips", 32, "little", "exec",
                                 nx=False, rpath=("/tmp",)))
    r.errors.append(AnalyzerError("keys", "c", "ValueError: bad"))
    r.timings["analyzer:keys"] = 0.1
    r.extraction["files"] = 3
    return r


@pytest.mark.parametrize("show", [False, True])
def test_report_round_trips(tmp_path: Path, show: bool) -> None:
    text = render_json(_full_report(), show_secrets=show)  # type: ignore[arg-type]
    path = tmp_path / "report.json"
    path.write_text(text, encoding="utf-8")
    loaded = load_report(path)
    assert render_json(loaded, show_secrets=True) == text.replace(
        '"secrets_shown": false', '"secrets_shown": true')
    assert loaded.findings[0].evidence[0].secret == ("admin" if show else "a****")
    assert loaded.keys[0].options == ("no-pty",)
    assert loaded.vulnerabilities[0].known_exploited is True


def test_check_output_is_a_report_too(tmp_path: Path) -> None:
    inner = json.loads(render_json(report()))
    path = tmp_path / "check.json"
    path.write_text(json.dumps({"verdict": {}, "report": inner}), encoding="utf-8")
    assert load_report(path).image.name == "fw-1.0.bin"


@pytest.mark.parametrize(("content", "message"), [
    ("not json", "not a JSON report"),
    ('{"a": 1}', "not a spyless report"),
    ('{"schema_version": "9.0", "image": {}, "findings": []}', "schema version '9.0'"),
    ('{"schema_version": "1.0", "image": {"name": "x"}, "findings": []}',
     "not a valid spyless report"),
    ('{"schema_version": "1.0", "image": {"name": "x", "path": "x", "size": 1, "sha256": "0"},'
     ' "findings": [{"id": "SPY101", "severity": "awful"}]}', "not a valid spyless report"),
])
def test_bad_reports(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "r.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        load_report(path)
    with pytest.raises(InputError, match="cannot read report"):
        load_report(tmp_path / "missing.json")


def test_formats() -> None:
    assert parse_formats("json, JSON") == [Format.JSON]
    with pytest.raises(UsageError, match="unknown format 'pdf'"):
        parse_formats("json,pdf")
    with pytest.raises(UsageError, match="at least one"):
        parse_formats(" , ")
    assert output_paths(Path("out/result.json"), [Format.JSON]) == {
        Format.JSON: Path("out/result.json")}
    text = RENDERERS[Format.JSON].render(report(), None, RenderOptions())
    assert json.loads(text)["image"]["name"] == "fw-1.0.bin"
