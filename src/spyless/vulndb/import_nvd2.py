"""Importer for the NVD CVE API 2.0 response (``vulnerabilities[].cve``).

Checks ``format``/``version``; skips rejected CVEs; a record without configurations
("Received", "Awaiting Analysis") is stored for its text and score but matches nothing.
CISA KEV fields (``cisaExploitAdd``) set ``known_exploited``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from spyless.vulndb.cpe import merge_ranges, rules_from_nodes
from spyless.vulndb.interface import FeedFormatError, FeedInfo, Record, Rule, Skipped
from spyless.vulndb.scoring import nvd2_score

NVD_LICENCE = ("NVD data: public domain (17 U.S.C. 105); 'This product uses data from the NVD "
               "API but is not endorsed or certified by the NVD.' CVE text: CVE Terms of Use.")


def english(items: object) -> str:
    if isinstance(items, list):
        for item in items:
            if isinstance(item, Mapping) and item.get("lang") in ("en", "eng"):
                return str(item.get("value", ""))
    return ""


class Nvd2Importer:
    format_name = "nvd-2.0"

    def sniff(self, document: object) -> bool:
        return (isinstance(document, Mapping) and (
            isinstance(document.get("vulnerabilities"), list)
            and str(document.get("format", "NVD_CVE")) == "NVD_CVE"
            and "CVE_Items" not in document)) or _is_bare_cve(document)

    def info(self, document: object) -> FeedInfo:
        assert isinstance(document, Mapping)  # noqa: S101 - sniff() checked it
        version = str(document.get("version", "2.0"))
        if not version.startswith("2."):
            raise FeedFormatError(f"NVD API response version {version!r}, expected 2.x")
        return FeedInfo("nvd-2.0", NVD_LICENCE, "NVD CVE API 2.0")

    def records(self, document: object) -> Iterator[Record | Skipped]:
        assert isinstance(document, Mapping)  # noqa: S101 - sniff() checked it
        items = [document] if _is_bare_cve(document) else [
            v.get("cve") for v in document.get("vulnerabilities", []) if isinstance(v, Mapping)]
        for cve in items:
            if not isinstance(cve, Mapping) or not isinstance(cve.get("id"), str):
                raise FeedFormatError("NVD 2.0 entry without cve.id")
            yield parse_cve(cve)


def _is_bare_cve(document: object) -> bool:
    return isinstance(document, Mapping) and isinstance(document.get("id"), str) and (
        "vulnStatus" in document and "descriptions" in document)


def parse_cve(cve: Mapping[str, object]) -> Record | Skipped:
    cve_id = str(cve["id"])
    status = str(cve.get("vulnStatus", ""))
    if status.lower() == "rejected":
        return Skipped(cve_id, "rejected")
    metrics = cve.get("metrics")
    score = nvd2_score(metrics if isinstance(metrics, Mapping) else {})
    rules: list[Rule] = []
    for config in cve.get("configurations") or []:  # type: ignore[attr-defined]
        if isinstance(config, Mapping) and not config.get("negate"):
            rules += rules_from_nodes(config.get("nodes") or [], str(config.get("operator", "OR")),
                                      "criteria", "cpeMatch")
    cwes = tuple(dict.fromkeys(
        str(d.get("value")) for w in cve.get("weaknesses") or []  # type: ignore[attr-defined]
        if isinstance(w, Mapping) for d in w.get("description") or []
        if isinstance(d, Mapping) and str(d.get("value", "")).startswith("CWE-")))
    refs = tuple(str(r.get("url")) for r in cve.get("references") or []  # type: ignore[attr-defined]
                 if isinstance(r, Mapping) and r.get("url"))
    return Record(
        id=cve_id, source="nvd", modified=_date(cve.get("lastModified")),
        published=_date(cve.get("published")), summary=english(cve.get("descriptions")),
        severity=score.severity, score=score.score, vector=score.vector, cwes=cwes,
        references=refs[:3], fixed=tuple(_fixed(cve)), known_exploited="cisaExploitAdd" in cve,
        rules=tuple(merge_ranges(rules)),
    )


def _fixed(cve: Mapping[str, object]) -> list[str]:
    found: list[str] = []
    for config in cve.get("configurations") or []:  # type: ignore[attr-defined]
        for node in config.get("nodes") or [] if isinstance(config, Mapping) else []:
            found.extend(
                str(match["versionEndExcluding"])
                for match in (node.get("cpeMatch") or [] if isinstance(node, Mapping) else [])
                if isinstance(match, Mapping) and match.get("vulnerable")
                and match.get("versionEndExcluding"))
    return list(dict.fromkeys(found))


def _date(value: object) -> str | None:
    return str(value)[:19] if isinstance(value, str) and value else None
