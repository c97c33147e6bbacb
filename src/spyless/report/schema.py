"""The JSON Schema (draft 2020-12) of the JSON that spyless writes: the report alone
(``spyless scan -o``) or ``{"verdict": …, "report": …}`` (``spyless check --format json``).

The report's parts are derived from the dataclasses of the model (their type hints), so the
schema follows the code; the verdict's layout is the one ``agreement/jsonout.py`` writes,
built from the same dataclasses where it reuses them. ``docs/report.schema.json`` is
generated from here and checked for drift; the tests validate real outputs against it.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import types
import typing
from typing import Any

from spyless.agreement.interface import (
    VERDICT_SCHEMA_VERSION,
    AgreementInfo,
    BaselineInfo,
    CheckResult,
    EvidenceState,
    Mapping,
    Status,
    Waiver,
)
from spyless.model.findings import Confidence, Finding, Location, Severity
from spyless.report.model import REPORT_SCHEMA_VERSION, Report

SCHEMA_ID = "https://spyless.dev/schemas/report/v1"

_REPORT_FIELDS = {
    "schema_version": "Version of the report layout; readers accept the same major version.",
    "tool": "The spyless that wrote the report.",
    "created": "When the scan ran (ISO 8601).",
    "image": "The image scanned: file name, path given, size in bytes, sha256.",
    "secrets_shown": "True when passwords, keys and tokens are in full (--show-secrets); "
                     "otherwise they are masked.",
    "findings": "Judgements with evidence, most severe first.",
    "accounts": "Accounts from passwd/shadow files and embedded passwd lines.",
    "credentials": "Hard-coded passwords, tokens, keys of services and configs.",
    "keys": "Private and public keys, certificates, authorized_keys entries.",
    "services": "What starts at boot, from which init file, listening where.",
    "endpoints": "URLs, domains, IP addresses and e-mail addresses in the image.",
    "components": "Third-party software with version and evidence.",
    "vulnerabilities": "Known vulnerabilities matched to the components.",
    "hardening": "Exploit mitigations of each ELF binary.",
    "hardening_summary": "Counts and shares of each protection over the ELF binaries.",
    "errors": "Analyzers that failed on one file; the scan went on.",
    "timings": "Seconds spent: unpack, analyze, and analyzer:<name>.",
    "extraction": "Unpacking summary: artifacts, files, bytes written, events by kind, "
                  "containers found (chain, format, offset, size, result).",
}


def _version(current: str) -> dict[str, Any]:
    major = current.partition(".")[0]
    return {"type": "string", "pattern": rf"^{major}\.[0-9]+$",
            "description": f"Layout version; this schema describes {current}."}


class _Builder:
    """Turns type hints into schemas, collecting one ``$defs`` entry per dataclass."""

    def __init__(self) -> None:
        self.defs: dict[str, Any] = {}

    def of(self, hint: Any) -> dict[str, Any]:
        origin, args = typing.get_origin(hint), typing.get_args(hint)
        if origin in (types.UnionType, typing.Union):
            inner = [self.of(a) for a in args if a is not type(None)]
            body = inner[0] if len(inner) == 1 else {"anyOf": inner}
            if type(None) not in args:
                return body
            if set(body) == {"type"} and isinstance(body["type"], str):
                return {"type": [body["type"], "null"]}
            return {"anyOf": [body, {"type": "null"}]}
        if origin in (tuple, list):
            return {"type": "array", "items": self.of(args[0]) if args else {}}
        if origin is dict:
            return {"type": "object", "additionalProperties": self.of(args[1])}
        if isinstance(hint, type) and issubclass(hint, enum.Enum):
            return {"type": "string", "enum": [m.value for m in hint]}
        if isinstance(hint, type) and dataclasses.is_dataclass(hint):
            return self.ref(hint)
        simple = {str: "string", int: "integer", float: "number", bool: "boolean"}
        if hint in simple:
            return {"type": simple[hint]}
        return {}

    def ref(self, cls: type[Any]) -> dict[str, Any]:
        name = cls.__name__
        if name not in self.defs:
            self.defs[name] = {}  # placed first: a dataclass may refer to itself
            hints = typing.get_type_hints(cls)
            fields = [f.name for f in dataclasses.fields(cls)]
            self.defs[name] = self.obj({f: self.of(hints[f]) for f in fields})
            doc = (cls.__doc__ or "").strip().split("\n\n")[0]
            if doc and not doc.startswith(f"{name}("):
                self.defs[name]["description"] = " ".join(doc.split())
        return {"$ref": f"#/$defs/{name}"}

    @staticmethod
    def obj(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
        return {"type": "object", "properties": properties,
                "required": list(properties) if required is None else required,
                "additionalProperties": False}


def _report(b: _Builder) -> dict[str, Any]:
    """The report as ``json_format.report_dict`` writes it: every field of :class:`Report`,
    ``tool_version`` as ``tool``, and ``secrets_shown``."""
    hints = typing.get_type_hints(Report)
    names = ["tool", "secrets_shown"] + [f.name for f in dataclasses.fields(Report)
                                         if f.name != "tool_version"]
    props: dict[str, Any] = {}
    for name in sorted(names, key=lambda n: (n not in _REPORT_FIELDS, list(_REPORT_FIELDS)
                                            .index(n) if n in _REPORT_FIELDS else 0, n)):
        if name == "tool":
            schema = b.obj({"name": {"const": "spyless"}, "version": {"type": "string"}})
        elif name == "secrets_shown":
            schema = {"type": "boolean"}
        elif name == "schema_version":
            schema = _version(REPORT_SCHEMA_VERSION)
        else:
            schema = b.of(hints[name])
        description = _REPORT_FIELDS.get(name)
        props[name] = {**schema, "description": description} if description else schema
    return b.obj(props, ["schema_version", "tool", "created", "image", "findings"])


def _verdict(b: _Builder) -> dict[str, Any]:
    status, severity = b.of(Status), b.of(Severity)
    nullable_int = {"type": ["integer", "null"]}
    item = b.obj({
        "rule": {"type": "string", "description": "Finding id, or agreement:<name>."},
        "title": {"type": "string"}, "message": {"type": "string"}, "severity": severity,
        "confidence": b.of(Confidence), "state": b.of(EvidenceState),
        "check": {"type": "string"}, "location": b.of(Location | None),
        "note": {"type": "string"}, "waiver": b.of(Waiver | None),
        "waiver_expired": {"type": "boolean"}, "finding": b.of(Finding | None)})
    settings = b.obj({"threshold": severity, "min_confidence": b.of(Confidence),
                      "enabled": {"type": "boolean"}, "reason": {"type": ["string", "null"]},
                      "changed": {"type": "boolean"}, "line": nullable_int})
    clause = b.obj({
        "id": {"type": "string", "pattern": "^[A-Z]{2}-[0-9]+$"},
        "group": {"type": "string"}, "text": {"type": "string"}, "kind": {"type": "string"},
        "evidence_rule": {"type": "string"}, "maps_to": {"type": "string"},
        "mappings": b.of(tuple[Mapping, ...]), "status": status, "summary": {"type": "string"},
        "evaluated": {"anyOf": [status, {"type": "null"}]},
        "declared": {"type": ["boolean", "null"]}, "settings": settings,
        "checks": b.of(tuple[CheckResult, ...]),
        "evidence": {"type": "array", "items": {"$ref": "#/$defs/EvidenceItem"}}})
    b.defs["EvidenceItem"] = item
    b.defs["ClauseVerdict"] = clause
    waiver_props = dict(b.defs["Waiver"]["properties"])
    waiver_props |= {"state": {"enum": ["active", "expired", "unused"]},
                     "matched": {"type": "integer"}}
    waiver_use = b.obj(waiver_props)
    return b.obj({
        "schema_version": _version(VERDICT_SCHEMA_VERSION),
        "conforms": {"type": "boolean", "description": "No clause fails."},
        "exit_code": {"enum": [0, 1], "description": "0 conforms, 1 does not."},
        "evaluated_on": {"type": "string", "description": "Date used for waiver expiry."},
        "counts": b.obj({s.value: {"type": "integer", "minimum": 0} for s in Status}),
        "agreement": b.of(AgreementInfo),
        "clauses": {"type": "array", "items": {"$ref": "#/$defs/ClauseVerdict"}},
        "waivers": {"type": "array", "items": waiver_use},
        "baseline": b.of(BaselineInfo | None),
        "capture": {"type": ["string", "null"]},
        "unassigned": {"type": "array", "items": b.of(Finding),
                       "description": "Findings that no clause reads."},
        "notes": {"type": "array", "items": {"type": "string"}}})


def report_json_schema_dict() -> dict[str, Any]:
    b = _Builder()
    b.defs["Report"] = _report(b)
    b.defs["Verdict"] = _verdict(b)
    b.defs["Document"] = b.obj({"verdict": {"$ref": "#/$defs/Verdict"},
                                "report": {"$ref": "#/$defs/Report"}})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "spyless report and verdict",
        "description": "The report of `spyless scan -o`, or the {verdict, report} document of "
                       "`spyless check --format json`. Generated from the code by "
                       "`python -m spyless.docs`.",
        "oneOf": [{"$ref": "#/$defs/Document"}, {"$ref": "#/$defs/Report"}],
        "$defs": dict(sorted(b.defs.items())),
    }


def report_json_schema() -> str:
    """``docs/report.schema.json`` (checked for drift by the tests)."""
    return json.dumps(report_json_schema_dict(), indent=1, ensure_ascii=False) + "\n"
