"""Reading an agreement file: TOML syntax (stdlib ``tomllib``), schema check with line
numbers (``validate.py``), then frozen values (``document.py``).

``load_agreement(path)`` raises :class:`AgreementError` listing every problem, one line
each; ``builtin_agreement()`` is the baseline standard with nothing declared.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import tomllib
from collections.abc import Collection
from functools import cache
from pathlib import Path
from typing import Any

from spyless.agreement.document import (
    Agreement,
    Channel,
    Declarations,
    DeclaredAccount,
    DeclaredComponent,
    DeclaredService,
    DeclaredVulnerability,
    Interface,
    Party,
    Product,
    ReleaseChange,
)
from spyless.agreement.interface import AgreementError, ClauseSettings, Problem, Waiver
from spyless.agreement.locate import Locator
from spyless.agreement.sbom import read_sbom
from spyless.agreement.specs import AGREEMENT_RULES, SPECS
from spyless.agreement.standard import clauses_by_id
from spyless.agreement.validate import check, parse_date
from spyless.errors import Error, InputError
from spyless.model.findings import Confidence, Severity
from spyless.traffic.allowlist import AllowedEndpoint

_MAX_BYTES = 4 << 20
_TOML_AT = re.compile(r"\(at line (\d+), column \d+\)")


@cache
def known_rules() -> frozenset[str]:
    """Every finding id spyless may emit, and the agreement rules: what waivers may name."""
    from spyless.analyzers.registry import catalogue  # noqa: PLC0415 - loads every analyzer

    try:
        ids = set(catalogue())
    except Error:
        ids = set()
    return frozenset(ids | {s.id for s in SPECS} | set(AGREEMENT_RULES))


def builtin_agreement() -> Agreement:
    """The baseline standard alone: every clause in force, nothing declared."""
    return Agreement(name="spyless baseline (nothing declared)")


def read_text(path: Path) -> str:
    try:
        if path.stat().st_size > _MAX_BYTES:
            raise InputError(f"{path}: agreement larger than {_MAX_BYTES >> 20} MiB")
        return path.read_text(encoding="utf-8")
    except OSError as e:
        raise InputError(f"{path}: cannot read agreement: {e.strerror or e}") from e
    except UnicodeDecodeError as e:
        raise InputError(f"{path}: agreement is not UTF-8 text") from e


def problems_in(text: str, known: Collection[str] | None = None) -> tuple[
        dict[str, Any] | None, list[Problem]]:
    """Parse and check; the data is None when the TOML itself is broken."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        match = _TOML_AT.search(str(e))
        line = int(match.group(1)) if match else None
        if line is None and "end of document" in str(e):
            line = max(len(text.splitlines()), 1)
        message = _TOML_AT.sub("", str(e)).replace("(at end of document)", "").strip()
        return None, [Problem(f"TOML syntax: {message}", line=line)]
    return data, check(data, Locator(text), known)


def validate_file(path: Path, known: Collection[str] | None = None) -> list[Problem]:
    """Every problem of an agreement file (an unreadable SBOM included)."""
    try:
        load_agreement(path, known)
    except AgreementError as e:
        return list(e.problems)
    return []


def load_agreement(path: Path, known: Collection[str] | None = None) -> Agreement:
    text = read_text(path)
    known = known_rules() if known is None else known
    data, problems = problems_in(text, known)
    if data is None or problems:
        raise AgreementError(str(path), tuple(problems))
    locator = Locator(text)
    agreement = build(data, locator, str(path), hashlib.sha256(text.encode()).hexdigest())
    sbom = agreement.declarations.sbom
    if sbom is None:
        return agreement
    try:
        components = read_sbom((path.parent / sbom).resolve())
    except InputError as e:
        raise AgreementError(str(path), (Problem(e.diagnostics(), "sbom.file",
                                                 locator.line(("sbom", "file"))),)) from e
    return dataclasses.replace(agreement, sbom_components=components)


def _str(table: dict[str, Any], key: str) -> str | None:
    value = table.get(key)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _tables(data: dict[str, Any], key: str) -> list[tuple[int, dict[str, Any]]]:
    value = data.get(key, [])
    return list(enumerate(value)) if isinstance(value, list) else []


def build(data: dict[str, Any], locator: Locator, source: str | None = None,
          sha256: str | None = None) -> Agreement:
    """Frozen values from data that ``validate.check`` accepted."""
    return Agreement(
        name=_str(data, "name") or (Path(source).stem if source else "agreement"),
        schema_version=str(data.get("schema_version", "1")),
        extends=_str(data, "extends") or "baseline", source=source, sha256=sha256,
        parties=tuple(Party(t["name"], t["role"], _str(t, "contact") or "")
                      for _, t in _tables(data, "parties")),
        products=tuple(Product(t["name"], tuple(t.get("versions", ())),
                               tuple(t.get("hardware", ())),
                               tuple(i.lower() for i in t.get("images", ())))
                       for _, t in _tables(data, "products")),
        declarations=_declarations(data, locator),
        clauses=_clauses(data, locator),
        waivers=tuple(
            Waiver(reason=t["reason"], approver=t["approver"],
                   expires=str(parse_date(t["expires"])), finding=_str(t, "finding"),
                   clause=_str(t, "clause"), path=_str(t, "path"),
                   line=locator.line(("waivers", i)))
            for i, t in _tables(data, "waivers")),
    )


def _declarations(data: dict[str, Any], locator: Locator) -> Declarations:
    network = data.get("network", {})
    sbom = data.get("sbom", {})
    support = data.get("support", {})
    disclosure = data.get("vulnerability_disclosure", {})
    legal = data.get("legal", {})
    notes = data.get("release_notes", {})
    endpoints = _tables(data, "endpoints")
    return Declarations(
        accounts=tuple(DeclaredAccount(
            t["name"], t.get("uid"), t.get("login", True), _str(t, "authentication"),
            _str(t, "purpose") or "", locator.line(("accounts", i)))
            for i, t in _tables(data, "accounts")),
        services=tuple(DeclaredService(
            t["name"], _str(t, "binary"), t.get("port"), _str(t, "protocol"), _str(t, "bind"),
            _str(t, "authentication"), _str(t, "purpose") or "", locator.line(("services", i)))
            for i, t in _tables(data, "services")),
        endpoints=tuple(AllowedEndpoint(
            t["host"].strip().lower().rstrip("."), tuple(t.get("ports", ())),
            _str(t, "purpose") or "", _str(t, "category")) for _, t in endpoints),
        endpoint_lines=tuple(locator.line(("endpoints", i)) for i, _ in endpoints),
        dns_resolvers=tuple(network.get("dns_resolvers", ())),
        ntp_servers=tuple(h.lower() for h in network.get("ntp_servers", ())),
        channels=tuple(Channel(
            t["name"], t["kind"], t["category"], tuple(h.lower() for h in t.get("hosts", ())),
            t.get("operator_controllable"), t.get("mutual_authentication"),
            _str(t, "data") or "", _str(t, "recipient") or "", _str(t, "purpose") or "",
            locator.line(("channels", i))) for i, t in _tables(data, "channels")),
        interfaces=tuple(Interface(t["kind"], t["state"], _str(t, "description") or "",
                                   locator.line(("interfaces", i)))
                         for i, t in _tables(data, "interfaces")),
        components=tuple(DeclaredComponent(t["name"], _str(t, "version"), _str(t, "purl"),
                                           _str(t, "cpe"))
                         for _, t in _tables(data, "components")),
        sbom=_str(sbom, "file"), sbom_line=locator.line(("sbom",)) if sbom else None,
        vulnerabilities=tuple(DeclaredVulnerability(
            t["id"].upper(), t["status"], t["remediation"], locator.line(("vulnerabilities", i)))
            for i, t in _tables(data, "vulnerabilities")),
        support_until=str(parse_date(support["until"])) if "until" in support else None,
        support_years=support.get("years"),
        support_line=locator.line(("support", "until" if "until" in support else "years"))
        if support else None,
        vulnerability_contact=_str(disclosure, "contact"),
        disclosure_policy=_str(disclosure, "policy"),
        response_days=disclosure.get("response_days"),
        contact_line=locator.line(("vulnerability_disclosure",)) if disclosure else None,
        legal_statement=_str(legal, "statement"),
        legal_obligations=tuple(legal.get("obligations", ())),
        legal_line=locator.line(("legal",)) if legal else None,
        release_version=_str(notes, "version"), release_previous=_str(notes, "previous"),
        release_changes=tuple(ReleaseChange(t["kind"], t["change"], t["item"],
                                            _str(t, "description") or "")
                              for _, t in _tables(notes, "changes")),
        release_line=locator.line(("release_notes",)) if notes else None,
    )


def _clauses(data: dict[str, Any], locator: Locator) -> dict[str, ClauseSettings]:
    raw = data.get("clauses", {})
    out: dict[str, ClauseSettings] = {}
    for clause_id, settings in raw.items():
        baseline = clauses_by_id()[clause_id]
        enabled = settings.get("enabled", True)
        threshold = Severity(settings.get("severity", baseline.threshold.value))
        confidence = Confidence(settings.get("confidence", Confidence.LOW.value))
        out[clause_id] = ClauseSettings(
            threshold=threshold, min_confidence=confidence, enabled=enabled,
            reason=_str(settings, "reason"),
            changed=(not enabled or threshold is not baseline.threshold
                     or confidence is not Confidence.LOW),
            line=locator.line(("clauses", clause_id)))
    return out


def settings_for(agreement: Agreement, clause_id: str) -> ClauseSettings | None:
    """How ``agreement`` applies a clause; None when the clause is not in force."""
    own = agreement.clauses.get(clause_id)
    if own is not None:
        return own
    if agreement.extends == "none":
        return None
    return ClauseSettings(threshold=clauses_by_id()[clause_id].threshold)
