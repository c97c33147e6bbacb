"""Importer for CVE JSON 5 records (``dataType: CVE_RECORD``, ``dataVersion`` 5.x).

Accepts one record, ``{"records": [...]}`` bundles, and the condensed Linux kernel CNA
bundle in ../shared/vulndata (same fields, flattened). CNA records are authoritative for
their own product, so their rules override NVD's for the same CVE (matcher.py).

Affected versions: ``cpeApplicability`` (CVE 5.1) when present; else ``affected[].versions``:
``{version, lessThan}`` -> [version, lessThan); ``{version, lessThanOrEqual: "6.6.*"}`` ->
the rest of that branch; a bare ``{version, status: affected}`` -> that version.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from spyless.vulndb.cpe import merge_ranges, rules_from_nodes
from spyless.vulndb.import_nvd2 import english
from spyless.vulndb.interface import FeedFormatError, FeedInfo, Record, Rule, Skipped
from spyless.vulndb.products import product_table
from spyless.vulndb.scoring import nvd2_score, severity_of_score, severity_word
from spyless.vulndb.versions import scheme_for, version_key

CVE_LICENCE = "CVE Terms of Use (MITRE): reproduced with the copyright notice and licence."


class Cve5Importer:
    format_name = "cve5"

    def sniff(self, document: object) -> bool:
        if not isinstance(document, Mapping):
            return False
        if document.get("dataType") == "CVE_RECORD":
            return True
        records = document.get("records")
        return isinstance(records, list) and bool(records) and isinstance(records[0], Mapping) and (
            records[0].get("dataType") == "CVE_RECORD" or "cpeApplicability" in records[0])

    def info(self, document: object) -> FeedInfo:
        assert isinstance(document, Mapping)  # noqa: S101 - sniff() checked it
        cna = _cna_name(document)
        return FeedInfo(f"cve5:{cna}", CVE_LICENCE, str(document.get("_source", "")))

    def records(self, document: object) -> Iterator[Record | Skipped]:
        assert isinstance(document, Mapping)  # noqa: S101 - sniff() checked it
        cna = _cna_name(document)
        items = [document] if document.get("dataType") == "CVE_RECORD" else document["records"]
        for item in items:
            if not isinstance(item, Mapping):
                raise FeedFormatError("CVE 5 bundle entry is not an object")
            yield _full(item, cna) if "containers" in item else _condensed(item, cna)


def _cna_name(document: Mapping[str, object]) -> str:
    first = document if document.get("dataType") == "CVE_RECORD" else (
        (document.get("records") or [{}])[0])  # type: ignore[index]
    if isinstance(first, Mapping) and "containers" not in first:
        return "linux"  # the condensed kernel bundle carries no provider metadata
    provider = first.get("containers", {}).get("cna", {}).get(  # type: ignore[union-attr]
        "providerMetadata", {}) if isinstance(first, Mapping) else {}
    return str(provider.get("shortName") or "cna").lower() if isinstance(provider, Mapping) else "cna"


def _full(item: Mapping[str, object], cna_name: str) -> Record | Skipped:
    version = str(item.get("dataVersion", ""))
    if not version.startswith("5."):
        raise FeedFormatError(f"CVE record dataVersion {version!r}, expected 5.x")
    meta = item.get("cveMetadata")
    if not isinstance(meta, Mapping) or not isinstance(meta.get("cveId"), str):
        raise FeedFormatError("CVE record without cveMetadata.cveId")
    cve_id = str(meta["cveId"])
    if str(meta.get("state", "")).upper() == "REJECTED":
        return Skipped(cve_id, "rejected")
    containers = item.get("containers")
    cna = containers.get("cna") if isinstance(containers, Mapping) else None
    if not isinstance(cna, Mapping):
        raise FeedFormatError(f"{cve_id}: no CNA container")
    rules, fixed = _rules(cna)
    severity, score, vector = _metrics(cna.get("metrics"))
    cwes = [str(d.get("cweId")) for p in cna.get("problemTypes") or []
            if isinstance(p, Mapping) for d in p.get("descriptions") or []
            if isinstance(d, Mapping) and d.get("cweId")]
    refs = [str(r.get("url")) for r in cna.get("references") or []
            if isinstance(r, Mapping) and r.get("url")]
    dates = [meta.get("dateUpdated"), meta.get("datePublished"), cna.get("datePublic")]
    modified = next((str(d)[:19] for d in dates if isinstance(d, str) and d), None)
    return Record(
        id=cve_id, source=f"cve5:{cna_name}", modified=modified,
        published=str(meta.get("datePublished") or cna.get("datePublic") or "")[:19] or None,
        summary=english(cna.get("descriptions")) or str(cna.get("title", "")),
        severity=severity, score=score, vector=vector, cwes=tuple(dict.fromkeys(cwes)),
        references=tuple(refs[:3]), fixed=tuple(fixed), authority=True, rules=tuple(rules))


def _condensed(item: Mapping[str, object], cna_name: str) -> Record | Skipped:
    cve_id = item.get("id")
    if not isinstance(cve_id, str):
        raise FeedFormatError("condensed CVE record without id")
    rules, fixed = _rules(item)
    date = item.get("updated") or item.get("published")
    return Record(id=cve_id, source=f"cve5:{cna_name}",
                  modified=str(date)[:19] if isinstance(date, str) else None,
                  summary=str(item.get("title", "")), fixed=tuple(fixed), authority=True,
                  rules=tuple(rules))


def _rules(cna: Mapping[str, object]) -> tuple[list[Rule], list[str]]:
    rules: list[Rule] = []
    for config in cna.get("cpeApplicability") or []:  # type: ignore[attr-defined]
        if isinstance(config, Mapping):
            rules += rules_from_nodes(config.get("nodes") or [], str(config.get("operator", "OR")),
                                      "criteria", "cpeMatch")
    fixed: list[str] = []
    for affected in cna.get("affected") or []:  # type: ignore[attr-defined]
        if isinstance(affected, Mapping):
            own, own_fixed = _affected(affected)
            fixed += own_fixed
            if not cna.get("cpeApplicability"):
                rules += own
    return merge_ranges(rules), list(dict.fromkeys(fixed))


def _affected(affected: Mapping[str, object]) -> tuple[list[Rule], list[str]]:
    table = product_table()
    product = table.by_name(str(affected.get("product", "")) or "linux")
    if product is None:
        return [], []
    _, vendor, name = product.pairs[0]
    scheme = scheme_for(name)
    rules: list[Rule] = []
    fixed: list[str] = []
    for entry in affected.get("versions") or []:  # type: ignore[attr-defined]
        if not isinstance(entry, Mapping) or entry.get("versionType") == "git":
            continue
        start = str(entry.get("version", ""))
        if entry.get("status") == "unaffected":
            if start not in ("", "0"):
                fixed.append(start)
            continue
        if entry.get("status") != "affected":
            continue
        start_key = None if start in ("", "0", "*") else version_key(start, scheme)
        if "lessThan" in entry or "lessThanOrEqual" in entry:
            limit = str(entry.get("lessThan") or entry.get("lessThanOrEqual"))
            inclusive = "lessThan" not in entry
            end_key = _branch_end(limit, scheme) if limit.endswith(".*") else (
                None if limit == "*" else version_key(limit, scheme))
            if not inclusive:
                fixed.append(limit)
            rules.append(Rule(vendor, name, start=start_key, end=end_key,
                              end_incl=inclusive and not limit.endswith(".*")))
        elif start_key is not None and affected.get("defaultStatus") != "affected":
            rules.append(Rule(vendor, name, exact=start_key))
    return rules, fixed


def _branch_end(limit: str, scheme: str) -> str | None:
    """``6.6.*`` -> a key just above every 6.6.x ('/' sorts after the '.' and '!' it follows)."""
    key = version_key(limit[:-2], scheme)
    return None if key is None else key.split("!")[0] + "/"


def _metrics(metrics: object) -> tuple[str | None, float | None, str | None]:
    for metric in metrics if isinstance(metrics, list) else []:
        if not isinstance(metric, Mapping):
            continue
        for key in ("cvssV4_0", "cvssV3_1", "cvssV3_0"):
            data = metric.get(key)
            if isinstance(data, Mapping) and isinstance(data.get("baseScore"), int | float):
                score = float(data["baseScore"])
                return severity_of_score(score, "3"), score, str(data.get("vectorString") or "")
    for metric in metrics if isinstance(metrics, list) else []:
        other = metric.get("other") if isinstance(metric, Mapping) else None
        content = other.get("content") if isinstance(other, Mapping) else None
        if isinstance(content, Mapping):
            return severity_word(content.get("text")), None, None
    return nvd2_score({}).severity, None, None
