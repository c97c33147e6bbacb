"""Importer for OSV records (https://ossf.github.io/osv-schema/), one or many.

Accepts a single record, a list, ``{"records": [...]}`` bundles and the per-ecosystem
``all.zip`` exports (the updater unzips them). ``schema_version`` must be 1.x; withdrawn
records are skipped. Enumerated ``versions`` become exact rules (upstream git tags are
normalised: ``curl-7_68_0`` -> ``7.68.0``, ``v2.86`` -> ``2.86``); SEMVER/ECOSYSTEM ranges
become range rules; GIT ranges name commits, which a firmware image does not carry.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from spyless.vulndb.interface import FeedFormatError, FeedInfo, Record, Rule, Skipped
from spyless.vulndb.products import product_table
from spyless.vulndb.scoring import severity_word
from spyless.vulndb.versions import scheme_for, version_key

OSV_LICENCE = "OSV records: CC-BY-4.0 (OSS-Fuzz: Google) or as stated by each database."
_TAG = re.compile(r"^(?:[a-z][a-z0-9+-]*?[-_])?v?(\d+(?:[._]\d+)*[a-z0-9._-]*)$", re.IGNORECASE)


def normalise_tag(tag: str, package: str) -> str | None:
    """An upstream release tag as a version string, or None when it is not a release."""
    text = tag.strip()
    lowered = text.lower()
    for prefix in (package.lower() + "-", package.lower() + "_", "release-", "openssl_",
                   "openssl-", "hostap_", "curl-", "libpcap-", "libssh2-"):
        if lowered.startswith(prefix):
            text = text[len(prefix):]
            break
    match = _TAG.match(text)
    if match is None:
        return None
    version = match.group(1)
    if "_" in version and "." not in version:
        version = version.replace("_", ".")
    return version.removesuffix("-stable")


class OsvImporter:
    format_name = "osv"

    def sniff(self, document: object) -> bool:
        first = _items(document)[:1]
        return bool(first) and isinstance(first[0], Mapping) and "affected" in first[0] and (
            "schema_version" in first[0] or "modified" in first[0]) and "id" in first[0] and (
            "containers" not in first[0])

    def info(self, document: object) -> FeedInfo:
        ecosystems = {str(a.get("package", {}).get("ecosystem", "?"))
                      for r in _items(document) if isinstance(r, Mapping)
                      for a in r.get("affected") or [] if isinstance(a, Mapping)}
        name = "osv:" + ",".join(sorted(ecosystems)) if ecosystems else "osv"
        origin = str(document.get("_source", "")) if isinstance(document, Mapping) else ""
        return FeedInfo(name, OSV_LICENCE, origin)

    def records(self, document: object) -> Iterator[Record | Skipped]:
        for item in _items(document):
            if not isinstance(item, Mapping) or not isinstance(item.get("id"), str):
                raise FeedFormatError("OSV entry without id")
            yield parse_osv(item)


def _items(document: object) -> list[object]:
    if isinstance(document, list):
        return document
    if isinstance(document, Mapping):
        records = document.get("records")
        return records if isinstance(records, list) else [document]
    return []


def parse_osv(item: Mapping[str, object]) -> Record | Skipped:
    osv_id = str(item["id"])
    schema = str(item.get("schema_version", "1.0.0"))
    if not schema.startswith("1."):
        raise FeedFormatError(f"{osv_id}: OSV schema_version {schema!r}, expected 1.x")
    if item.get("withdrawn"):
        return Skipped(osv_id, "withdrawn")
    rules: list[Rule] = []
    fixed: list[str] = []
    severity = None
    for affected in item.get("affected") or []:  # type: ignore[attr-defined]
        if not isinstance(affected, Mapping):
            continue
        package = affected.get("package")
        name = str(package.get("name", "")) if isinstance(package, Mapping) else ""
        product = product_table().by_name(name)
        specific = affected.get("ecosystem_specific")
        if isinstance(specific, Mapping):
            severity = severity or severity_word(specific.get("severity"))
        if product is None:
            continue
        _, vendor, cpe_product = product.pairs[0]
        scheme = scheme_for(cpe_product)
        for tag in affected.get("versions") or []:
            version = normalise_tag(str(tag), name)
            key = version_key(version, scheme) if version else None
            if key is not None:
                rules.append(Rule(vendor, cpe_product, exact=key))
        for rng in affected.get("ranges") or []:
            if isinstance(rng, Mapping) and rng.get("type") in ("SEMVER", "ECOSYSTEM"):
                new_rules, new_fixed = _range(rng, vendor, cpe_product, scheme)
                rules += new_rules
                fixed += new_fixed
    aliases = tuple(str(a) for a in item.get("aliases") or [])  # type: ignore[attr-defined]
    refs = tuple(str(r.get("url")) for r in item.get("references") or []  # type: ignore[attr-defined]
                 if isinstance(r, Mapping) and r.get("url"))
    return Record(id=osv_id, source="osv", modified=str(item.get("modified") or "")[:19] or None,
                  published=str(item.get("published") or "")[:19] or None,
                  summary=str(item.get("summary") or item.get("details") or "")[:300],
                  severity=severity, aliases=aliases, references=refs[:3],
                  fixed=tuple(dict.fromkeys(fixed)), rules=tuple(dict.fromkeys(rules)))


def _range(rng: Mapping[str, object], vendor: str, product: str,
           scheme: str) -> tuple[list[Rule], list[str]]:
    rules: list[Rule] = []
    fixed: list[str] = []
    start: str | None = None
    for event in rng.get("events") or []:  # type: ignore[attr-defined]
        if not isinstance(event, Mapping):
            continue
        if "introduced" in event:
            value = str(event["introduced"])
            start = None if value == "0" else version_key(value, scheme)
        elif "fixed" in event or "last_affected" in event:
            value = str(event.get("fixed") or event.get("last_affected"))
            if "fixed" in event:
                fixed.append(value)
            rules.append(Rule(vendor, product, start=start, end=version_key(value, scheme),
                              end_incl="last_affected" in event))
            start = None
    return rules, fixed
