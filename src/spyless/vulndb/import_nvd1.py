"""Importer for NVD JSON 1.1 feeds (``CVE_Items``, MITRE format 4.0), e.g. nvdcve-1.1-2021.json.

The feeds were retired by NVD in 2023 but old snapshots remain the only free bulk copy of
pre-2021 configurations. Rejected CVEs (``** REJECT **``) are skipped.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from spyless.vulndb.cpe import merge_ranges, rules_from_nodes
from spyless.vulndb.import_nvd2 import NVD_LICENCE, english
from spyless.vulndb.interface import FeedFormatError, FeedInfo, Record, Skipped
from spyless.vulndb.scoring import nvd1_score


class Nvd1Importer:
    format_name = "nvd-1.1"

    def sniff(self, document: object) -> bool:
        return isinstance(document, Mapping) and isinstance(document.get("CVE_Items"), list)

    def info(self, document: object) -> FeedInfo:
        assert isinstance(document, Mapping)  # noqa: S101 - sniff() checked it
        fmt, version = document.get("CVE_data_format"), str(document.get("CVE_data_version"))
        if fmt != "MITRE" or version != "4.0":
            raise FeedFormatError(f"NVD 1.1 feed with format {fmt!r} version {version!r}; "
                                  "expected MITRE 4.0")
        return FeedInfo("nvd-1.1", NVD_LICENCE, str(document.get("spyless_subset_of", "")
                                                    or "NVD JSON 1.1 feed"))

    def records(self, document: object) -> Iterator[Record | Skipped]:
        assert isinstance(document, Mapping)  # noqa: S101 - sniff() checked it
        for item in document["CVE_Items"]:
            if not isinstance(item, Mapping) or not isinstance(item.get("cve"), Mapping):
                raise FeedFormatError("NVD 1.1 item without a cve object")
            yield _item(item)


def _item(item: Mapping[str, object]) -> Record | Skipped:
    cve: Mapping[str, object] = item["cve"]  # type: ignore[assignment]
    meta = cve.get("CVE_data_meta")
    cve_id = str(meta.get("ID")) if isinstance(meta, Mapping) else ""
    if not cve_id.startswith("CVE-"):
        raise FeedFormatError("NVD 1.1 item without CVE_data_meta.ID")
    description = cve.get("description")
    summary = english(description.get("description_data") if isinstance(description, Mapping)
                      else None)
    if summary.startswith("** REJECT **"):
        return Skipped(cve_id, "rejected")
    configurations = item.get("configurations")
    nodes = configurations.get("nodes", []) if isinstance(configurations, Mapping) else []
    rules = rules_from_nodes(nodes, "OR", "cpe23Uri", "cpe_match")
    impact = item.get("impact")
    score = nvd1_score(impact if isinstance(impact, Mapping) else {})
    problem = cve.get("problemtype")
    cwes: list[str] = []
    for entry in problem.get("problemtype_data", []) if isinstance(problem, Mapping) else []:
        cwes.extend(str(d["value"]) for d in (entry.get("description", [])
                    if isinstance(entry, Mapping) else [])
                    if isinstance(d, Mapping) and str(d.get("value", "")).startswith("CWE-"))
    refs_block = cve.get("references")
    refs = [str(r.get("url")) for r in (refs_block.get("reference_data", [])
            if isinstance(refs_block, Mapping) else []) if isinstance(r, Mapping)]
    fixed = [str(m["versionEndExcluding"]) for m in _all_matches(nodes)
             if m.get("vulnerable") and m.get("versionEndExcluding")]
    return Record(
        id=cve_id, source="nvd", modified=_date(item.get("lastModifiedDate")),
        published=_date(item.get("publishedDate")), summary=summary, severity=score.severity,
        score=score.score, vector=score.vector, cwes=tuple(dict.fromkeys(cwes)),
        references=tuple(refs[:3]), fixed=tuple(dict.fromkeys(fixed)),
        rules=tuple(merge_ranges(rules)),
    )


def _all_matches(nodes: object) -> list[Mapping[str, object]]:
    found: list[Mapping[str, object]] = []
    for node in nodes if isinstance(nodes, list) else []:
        if isinstance(node, Mapping):
            found += [m for m in node.get("cpe_match", []) if isinstance(m, Mapping)]
            found += _all_matches(node.get("children"))
    return found


def _date(value: object) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    return value.rstrip("Z") + (":00" if len(value.rstrip("Z")) == 16 else "")
