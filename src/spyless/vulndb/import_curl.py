"""Importer for curl's own vulnerability table (curl-www ``docs/vuln.pm``, as JSON).

Each entry is affected from ``first_vulnerable`` to ``last_vulnerable`` inclusive; the
curl project is the CNA for curl, so these ranges override NVD's for the same CVE.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from spyless.vulndb.interface import FeedFormatError, FeedInfo, Record, Rule, Skipped
from spyless.vulndb.scoring import severity_word
from spyless.vulndb.versions import version_key

CURL_LICENCE = "curl-www vuln.pm: curl licence (MIT-style), Copyright Daniel Stenberg et al."


class CurlImporter:
    format_name = "curl"

    def sniff(self, document: object) -> bool:
        if not isinstance(document, Mapping) or not isinstance(document.get("vulnerabilities"), list):
            return False
        first = (document["vulnerabilities"] or [{}])[0]
        return isinstance(first, Mapping) and "first_vulnerable" in first

    def info(self, document: object) -> FeedInfo:
        origin = str(document.get("_source", "")) if isinstance(document, Mapping) else ""
        return FeedInfo("curl", CURL_LICENCE, origin)

    def records(self, document: object) -> Iterator[Record | Skipped]:
        assert isinstance(document, Mapping)  # noqa: S101 - sniff() checked it
        for entry in document["vulnerabilities"]:
            if not isinstance(entry, Mapping) or not str(entry.get("cve", "")).startswith("CVE-"):
                raise FeedFormatError("curl table entry without a CVE id")
            yield _entry(entry)


def _entry(entry: Mapping[str, object]) -> Record | Skipped:
    cve = str(entry["cve"])
    first = version_key(str(entry.get("first_vulnerable", "")))
    last = version_key(str(entry.get("last_vulnerable", "")))
    if first is None or last is None:
        return Skipped(cve, "no version range")
    rules = tuple(Rule(vendor, product, start=first, end=last, end_incl=True)
                  for vendor, product in (("haxx", "curl"), ("haxx", "libcurl")))
    announced = str(entry.get("announced", ""))
    date = (f"{announced[:4]}-{announced[4:6]}-{announced[6:8]}T00:00:00"
            if len(announced) == 8 and announced.isdigit() else None)
    cwe = str(entry.get("cwe", "")).split(":")[0].strip()
    return Record(
        id=cve, source="curl", modified=date, published=date,
        summary=str(entry.get("name", "")), severity=severity_word(entry.get("severity")),
        cwes=(cwe,) if cwe.startswith("CWE-") else (),
        references=(f"https://curl.se/docs/{entry.get('page')}",) if entry.get("page") else (),
        authority=True, rules=rules)
