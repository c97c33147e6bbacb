"""Importer for CVE JSON 5 records (``dataType: CVE_RECORD``, ``dataVersion`` 5.x).

Accepts one record, ``{"records": [...]}`` bundles, and the condensed Linux kernel CNA
bundle in ../shared/vulndata (same fields, flattened). CNA records are authoritative for
their own product, so their rules override NVD's for the same CVE (matcher.py).

Affected versions come from ``affected[].versions`` with the schema's semantics (``defaultStatus``,
status changes, ``*`` bounds, several blocks per product: cve5_status.py), compiled into
disjoint ranges. They take precedence over the record's own ``cpeApplicability``, which
is NVD-style and may be wrong for the kernel: its per-branch ranges all start at the
mainline release that introduced a bug ("5.4 <= v < 5.10.38"), so their union claims fixed
stable releases such as 5.10.176, and its backport entries have no upper bound at all.
``cpeApplicability`` is used only for products that ``versions`` says nothing about
(e.g. a record with git ranges only). A product whose statements leave no release affected
gets a rule that matches nothing, so the CNA still overrides NVD for it (matcher.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from spyless.vulndb.cpe import merge_ranges, rules_from_nodes
from spyless.vulndb.cve5_status import Block, Piece, affected_pieces, parse_block, parse_entry
from spyless.vulndb.import_nvd2 import english
from spyless.vulndb.interface import FeedFormatError, FeedInfo, Record, Rule, Skipped
from spyless.vulndb.products import product_table
from spyless.vulndb.scoring import nvd2_score, severity_of_score, severity_word
from spyless.vulndb.versions import scheme_for

_NO_VERSION = "~"
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
    table = product_table()
    blocks: dict[tuple[str, str, str], list[Block]] = {}
    own_fixed: list[tuple[list[str], list[str]]] = []
    products = cna.get("affected")
    for affected in products if isinstance(products, list) else []:
        if not isinstance(affected, Mapping):
            continue
        product = table.by_name(str(affected.get("product", "")) or "linux")
        if product is None:
            continue
        _, vendor, name = product.pairs[0]
        block = parse_block(affected, scheme_for(name))
        if block is not None:
            blocks.setdefault((product.key, vendor, name), []).append(block)
            own_fixed.append(_fixed(affected))
    rules: list[Rule] = []
    for (_, vendor, name), product_blocks in blocks.items():
        pieces = affected_pieces(product_blocks)
        rules += [_rule(vendor, name, p) for p in pieces] or [_nothing(vendor, name)]
    covered = {key for key, _, _ in blocks}
    nvd_style: list[Rule] = []
    for config in cna.get("cpeApplicability") or []:  # type: ignore[attr-defined]
        if isinstance(config, Mapping):
            nvd_style += rules_from_nodes(config.get("nodes") or [], str(config.get("operator", "OR")),
                                          "criteria", "cpeMatch")
    rules += merge_ranges(r for r in nvd_style if _product_key(r) not in covered)
    fixed = [f for i, (starts, limits) in enumerate(own_fixed)
             for f in starts + ([] if any(s for j, (s, _) in enumerate(own_fixed) if j != i)
                                else limits)]
    return rules, list(dict.fromkeys(fixed))


def _product_key(rule: Rule) -> str | None:
    product = product_table().by_pair(rule.vendor, rule.product)
    return None if product is None else product.key


def _rule(vendor: str, name: str, piece: Piece) -> Rule:
    if piece.start is not None and piece.start == piece.end and piece.start_incl and piece.end_incl:
        return Rule(vendor, name, exact=piece.start)
    return Rule(vendor, name, start=piece.start, start_incl=piece.start_incl, end=piece.end,
                end_incl=piece.end_incl)


def _nothing(vendor: str, name: str) -> Rule:
    """A rule no version satisfies: keys start with ".", so none reaches "~" (store.py)."""
    return Rule(vendor, name, start=_NO_VERSION, start_incl=False, end=_NO_VERSION)


def _fixed(affected: Mapping[str, object]) -> tuple[list[str], list[str]]:
    """(where unaffected statements start, where affected ranges stop).

    The second are fixes unless another block of the record states the first: beside the
    kernel's "5.10.38 <= v <= 5.10.*" unaffected statements, the end of a backport range in
    its other block ("4.14.149 <= v < 4.15") is the end of a series, not a fix.
    """
    starts: list[str] = []
    limits: list[str] = []
    versions = affected.get("versions")
    for entry in versions if isinstance(versions, list) else []:
        if not isinstance(entry, Mapping) or parse_entry(entry, "generic") is None:
            continue
        start, limit = str(entry.get("version", "")), entry.get("lessThan")
        if entry.get("status") == "unaffected" and start != "0":
            starts.append(start)
        elif entry.get("status") == "affected" and isinstance(limit, str) and "*" not in limit:
            limits.append(limit)
    return starts, limits


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
