"""SPDX 2.3 JSON: the image as the described package, containing one package per component.

Written directly (a small, fixed document shape; field names and rules from the SPDX 2.3
specification, chapters 6 "Document creation information", 7 "Package information" and
11 "Relationships", and annex F for external reference types). Known vulnerabilities
are attached to the affected package as SECURITY/advisory external references, the way
SPDX 2.3 annex K shows it; SPDX 2.3 has no VEX, so their triage state lives in the
CycloneDX export.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from spyless.sbom.inventory import Entry, Inventory, describe_location

_IMAGE_ID = "SPDXRef-Image"
_NONE = "NOASSERTION"
_PURPOSES = {"linux": "OPERATING_SYSTEM", "linux_kernel": "OPERATING_SYSTEM",
             "linux-kernel": "OPERATING_SYSTEM", "u-boot": "FIRMWARE"}
_ADVISORY = {"nvd": "https://nvd.nist.gov/vuln/detail/{id}",
             "osv": "https://osv.dev/vulnerability/{id}",
             "cve5": "https://www.cve.org/CVERecord?id={id}"}


def _created(text: str) -> str:
    """SPDX wants UTC as YYYY-MM-DDThh:mm:ssZ."""
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        moment = dt.datetime.now(dt.UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _package(entry: Entry, advisories: list[tuple[str, str]]) -> dict[str, Any]:
    refs: list[dict[str, str]] = []
    if entry.purl:
        refs.append({"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
                     "referenceLocator": entry.purl})
    if entry.cpe:
        refs.append({"referenceCategory": "SECURITY", "referenceType": "cpe23Type",
                     "referenceLocator": entry.cpe})
    refs += [{"referenceCategory": "SECURITY", "referenceType": "advisory",
              "referenceLocator": url, "comment": ident} for ident, url in advisories]
    package: dict[str, Any] = {
        "SPDXID": f"SPDXRef-Package-{entry.ref}",
        "name": entry.name,
        "downloadLocation": _NONE,
        "filesAnalyzed": False,
        "licenseConcluded": _NONE,
        "licenseDeclared": _NONE,
        "copyrightText": _NONE,
        "supplier": _NONE,
        "primaryPackagePurpose": _PURPOSES.get(entry.name.lower(), "LIBRARY"),
    }
    if entry.version:
        package["versionInfo"] = entry.version
    sha = entry.file_sha256
    if sha:
        package["checksums"] = [{"algorithm": "SHA256", "checksumValue": sha}]
    if refs:
        package["externalRefs"] = refs
    found = "; ".join(describe_location(loc) for loc in entry.locations)
    evidence = "; ".join(entry.evidence)
    package["sourceInfo"] = (f"identified by spyless ({', '.join(entry.sources)})"
                             + (f" from: {evidence}" if evidence else ""))
    if found:
        package["comment"] = f"found in: {found}"
    return package


def render_spdx(inventory: Inventory) -> str:
    """The inventory as an SPDX 2.3 JSON document."""
    advisories: dict[str, list[tuple[str, str]]] = {}
    for vuln, refs in inventory.vulnerabilities:
        template = _ADVISORY.get(vuln.source.lower(), _ADVISORY["nvd"] if vuln.id.startswith(
            "CVE-") else "")
        url = template.format(id=vuln.id) if template else next(iter(vuln.references), "")
        if url:
            for ref in refs:
                advisories.setdefault(ref, []).append((vuln.id, url))
    image: dict[str, Any] = {
        "SPDXID": _IMAGE_ID,
        "name": inventory.image_name,
        "downloadLocation": _NONE,
        "filesAnalyzed": False,
        "licenseConcluded": _NONE,
        "licenseDeclared": _NONE,
        "copyrightText": _NONE,
        "supplier": _NONE,
        "checksums": [{"algorithm": "SHA256", "checksumValue": inventory.image_sha256}],
        "primaryPackagePurpose": "FIRMWARE",
        "comment": f"firmware image, {inventory.image_size} bytes",
    }
    packages = [image] + [_package(e, advisories.get(e.ref, [])) for e in inventory.entries]
    relationships = [{"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES",
                      "relatedSpdxElement": _IMAGE_ID}]
    relationships += [{"spdxElementId": _IMAGE_ID, "relationshipType": "CONTAINS",
                       "relatedSpdxElement": p["SPDXID"]} for p in packages[1:]]
    # A unique URI per document, stable for the same report (SPDX 2.3 section 6.5).
    unique = uuid.uuid5(uuid.NAMESPACE_URL, f"spyless:{inventory.image_sha256}:"
                                            f"{inventory.created}")
    document = {
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": f"{inventory.image_name} (spyless SBOM)",
        "documentNamespace": f"https://spyless.invalid/spdx/{inventory.image_sha256}/{unique}",
        "creationInfo": {
            "created": _created(inventory.created),
            "creators": [f"Tool: spyless-{inventory.tool_version}"],
            "comment": "Components identified from binaries and package metadata of the "
                       "unpacked image; licenses were not analysed.",
        },
        "packages": packages,
        "relationships": relationships,
    }
    return json.dumps(document, indent=2) + "\n"
