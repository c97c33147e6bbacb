"""The published JSON Schema of the report and verdict: a valid draft 2020-12 schema that
real outputs satisfy and broken ones do not."""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema
import pytest

from spyless.report.formats import RenderOptions, render_json_document
from spyless.report.json_format import render_json
from spyless.report.schema import report_json_schema, report_json_schema_dict
from tests.conftest import ROOT
from tests.unit.report.samples import clean, demo, hostile


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = report_json_schema_dict()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def errors(validator: jsonschema.Draft202012Validator, data: Any) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message[:200]}" for e in validator.iter_errors(data)]


@pytest.mark.parametrize("sample", [demo, clean, hostile], ids=["demo", "clean", "hostile"])
def test_real_outputs_validate(validator: jsonschema.Draft202012Validator, sample: Any) -> None:
    report, verdict = sample()
    document = json.loads(render_json_document(report, verdict, RenderOptions()))
    assert errors(validator, document) == []
    assert errors(validator, json.loads(render_json(report))) == []  # `spyless scan -o`


def test_the_published_file_is_the_generated_one() -> None:
    path = ROOT / "docs" / "report.schema.json"
    assert path.read_text(encoding="utf-8") == report_json_schema()
    schema = json.loads(path.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$defs"]["Report"]["properties"]["schema_version"]["pattern"] == r"^1\.[0-9]+$"


def _broken(document: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for change in (
        lambda d: d["verdict"]["clauses"][0].update(status="maybe"),
        lambda d: d["verdict"].pop("conforms"),
        lambda d: d["verdict"].update(schema_version="2.0"),
        lambda d: d["report"].update(schema_version="9.0"),
        lambda d: d["report"]["findings"][0].update(severity="urgent"),
        lambda d: d["report"]["findings"][0]["evidence"][0]["location"].update(line="one"),
        lambda d: d["report"]["accounts"][0].update(unexpected=True),
        lambda d: d["verdict"]["clauses"][0]["evidence"][0].update(state="ignored"),
        lambda d: d.update(extra={}),
    ):
        broken = copy.deepcopy(document)
        change(broken)
        out.append(broken)
    return out


def test_broken_documents_do_not_validate(validator: jsonschema.Draft202012Validator) -> None:
    report, verdict = demo()
    document = json.loads(render_json_document(report, verdict, RenderOptions()))
    document["report"]["vulnerabilities"] = document["report"]["vulnerabilities"][:20]
    assert errors(validator, document) == []
    for n, broken in enumerate(_broken(document)):
        assert errors(validator, broken), f"change {n} was accepted"
