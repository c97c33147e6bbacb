"""CycloneDX and SPDX export of reports built in code, validated against the official schemas."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import Draft7Validator  # type: ignore[import-untyped]  # no stubs; test-only

from spyless.model.facts import Component, Vulnerability
from spyless.model.findings import Location
from spyless.report.model import Report
from spyless.sbom import SbomError, SbomFormat, render_sbom
from spyless.unpack.engine import ImageInfo
from tests.unit.sbom.conftest import CycloneDxValidator

FS = "fw.bin!squashfs@0x100000"
SHA_IMAGE = "a" * 64
SHA_BUSYBOX = "b" * 64
SHA_DROPBEAR = "d" * 64


def loc(path: str, sha: str | None, offset: int | None = None,
        line: int | None = None) -> Location:
    return Location(chain=FS + path, path=path, offset=offset, line=line, sha256=sha)


def make_report() -> Report:
    report = Report(image=ImageInfo("fw.bin", "/in/fw.bin", 4096, SHA_IMAGE),
                    tool_version="0.1.0", created="2026-11-27T10:00:00+00:00")
    report.components = [
        Component("busybox", "1.01", (loc("/bin/busybox", SHA_BUSYBOX, 0x3A2F0),),
                  "BusyBox v1.01 (2015.03.10-03:09+0000)",
                  "cpe:2.3:a:busybox:busybox:1.01:*:*:*:*:*:*:*", "pkg:generic/busybox@1.01"),
        Component("dropbear", "2012.55", (loc("/usr/sbin/dropbearmulti", SHA_DROPBEAR, 0x51C0),),
                  "SSH-2.0-dropbear_2012.55",
                  "cpe:2.3:a:dropbear_ssh_project:dropbear_ssh:2012.55:*:*:*:*:*:*:*",
                  "pkg:generic/dropbear@2012.55"),
        # The same component found a second way: merged into one SBOM entry.
        Component("dropbear", "2012.55", (loc("/usr/lib/opkg/status", "e" * 64, line=12),),
                  "Version: 2012.55", None, None, source="package-db"),
        Component("uclibc", "0.9.30", (loc("/lib/libuClibc-0.9.30.so", "1" * 64),
                                       loc("/lib/ld-uClibc-0.9.30.so", "2" * 64)),
                  "libuClibc-0.9.30.so", None, "pkg:generic/uclibc@0.9.30"),
        Component("linux", "2.6.31", (Location(chain="fw.bin!uimage@0x0", offset=0x40),),
                  "Linux version 2.6.31", "cpe:2.3:o:linux:linux_kernel:2.6.31:*:*:*:*:*:*:*",
                  "pkg:generic/linux@2.6.31", source="banner"),
        Component("mystery lib", None, (loc("/lib/libm.so", None),), "", None, "not a purl"),
    ]
    report.vulnerabilities = [
        Vulnerability("CVE-2012-0920", "dropbear", "2012.55", "Use-after-free in Dropbear",
                      "high", 7.1, "AV:N/AC:H/Au:S/C:C/I:C/A:C", ("CWE-399",),
                      ("2012.55",), (), ("https://matt.ucc.asn.au/dropbear/CHANGES",),
                      "nvd", published="2012-06-05T22:55:00"),
        Vulnerability("CVE-2016-7406", "dropbear", "2012.55", "Format string in dropbear",
                      "critical", 9.8, "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                      ("CWE-134",), ("2016.74",), (), (), "nvd", known_exploited=True,
                      matched_by="cpe:2.3:a:dropbear_ssh_project:dropbear_ssh:*:... <2016.74"),
        Vulnerability("OSV-2021-1", "uclibc", "0.9.30", "Heap overflow", None, None, None,
                      ("NVD-CWE-Other",), (), ("CVE-2021-9999",), (), "osv"),
        Vulnerability("CVE-2017-0001", "busybox", "1.01", "", "medium", 5.0, None, (), (),
                      (), (), "nvd"),
    ]
    return report


def cyclonedx(report: Report | None = None) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(render_sbom(report or make_report(),
                                                    SbomFormat.CYCLONEDX))
    return result


def spdx(report: Report | None = None) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(render_sbom(report or make_report(), "spdx"))
    return result


def assert_valid(validator: Draft7Validator | CycloneDxValidator,
                 document: dict[str, Any]) -> None:
    if isinstance(validator, CycloneDxValidator):
        errors = validator.errors(document)
    else:
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]
    assert errors == []


def test_cyclonedx_is_schema_valid(cyclonedx_validator: CycloneDxValidator) -> None:
    assert_valid(cyclonedx_validator, cyclonedx())


def test_cyclonedx_components(cyclonedx_validator: CycloneDxValidator) -> None:
    bom = cyclonedx()
    assert (bom["bomFormat"], bom["specVersion"]) == ("CycloneDX", "1.6")
    rows = [(c["bom-ref"], c["name"], c.get("version"), c.get("purl"), c.get("cpe"),
             [h["content"] for h in c.get("hashes", [])], c["type"])
            for c in sorted(bom["components"], key=lambda c: c["bom-ref"])]
    assert rows == [
        ("busybox-1.01", "busybox", "1.01", "pkg:generic/busybox@1.01",
         "cpe:2.3:a:busybox:busybox:1.01:*:*:*:*:*:*:*", [SHA_BUSYBOX], "library"),
        ("dropbear-2012.55", "dropbear", "2012.55", "pkg:generic/dropbear@2012.55",
         "cpe:2.3:a:dropbear_ssh_project:dropbear_ssh:2012.55:*:*:*:*:*:*:*", [], "library"),
        ("linux-2.6.31", "linux", "2.6.31", "pkg:generic/linux@2.6.31",
         "cpe:2.3:o:linux:linux_kernel:2.6.31:*:*:*:*:*:*:*", [], "operating-system"),
        ("mystery-lib", "mystery lib", None, None, None, [], "library"),
        ("uclibc-0.9.30", "uclibc", "0.9.30", "pkg:generic/uclibc@0.9.30", None, [], "library"),
    ]
    components = {c["bom-ref"]: c for c in bom["components"]}
    dropbear = components["dropbear-2012.55"]
    assert dropbear["evidence"]["occurrences"] == [
        {"bom-ref": "dropbear-2012.55-occurrence-0000", "location": "/usr/lib/opkg/status",
         "line": 12,
         "additionalContext": f"found in {FS}/usr/lib/opkg/status line 12; file sha256 "
                              + "e" * 64},
        {"bom-ref": "dropbear-2012.55-occurrence-0001", "location": "/usr/sbin/dropbearmulti",
         "offset": 0x51C0,
         "additionalContext": f"found in {FS}/usr/sbin/dropbearmulti @0x51c0; file sha256 "
                              + SHA_DROPBEAR},
    ]
    assert {(p["name"], p["value"]) for p in dropbear["properties"]} == {
        ("spyless:source", "binary"), ("spyless:source", "package-db"),
        ("spyless:evidence", "SSH-2.0-dropbear_2012.55"),
        ("spyless:evidence", "Version: 2012.55")}
    mystery = components["mystery-lib"]
    assert {"name": "spyless:unparsed-purl", "value": "not a purl"} in mystery["properties"]


def test_cyclonedx_metadata_and_dependencies() -> None:
    bom = cyclonedx()
    image = bom["metadata"]["component"]
    assert (image["bom-ref"], image["name"], image["type"]) == ("image", "fw.bin", "firmware")
    assert image["hashes"] == [{"alg": "SHA-256", "content": SHA_IMAGE}]
    assert bom["metadata"]["tools"]["components"] == [
        {"name": "spyless", "type": "application", "version": "0.1.0"}]
    assert bom["metadata"]["timestamp"] == "2026-11-27T10:00:00+00:00"
    image_deps = next(d for d in bom["dependencies"] if d["ref"] == "image")
    assert sorted(image_deps["dependsOn"]) == ["busybox-1.01", "dropbear-2012.55",
                                               "linux-2.6.31", "mystery-lib", "uclibc-0.9.30"]


def test_cyclonedx_vulnerabilities_as_vex() -> None:
    vulns = {v["id"]: v for v in cyclonedx()["vulnerabilities"]}
    assert sorted(vulns) == ["CVE-2012-0920", "CVE-2016-7406", "CVE-2017-0001", "OSV-2021-1"]
    first = vulns["CVE-2012-0920"]
    assert first["source"] == {"name": "NVD",
                               "url": "https://nvd.nist.gov/vuln/detail/CVE-2012-0920"}
    assert first["ratings"] == [{
        "source": {"name": "NVD", "url": "https://nvd.nist.gov/vuln/detail/CVE-2012-0920"},
        "score": 7.1, "severity": "high", "method": "CVSSv2",
        "vector": "AV:N/AC:H/Au:S/C:C/I:C/A:C"}]
    assert first["cwes"] == [399]
    assert first["affects"] == [{"ref": "dropbear-2012.55",
                                 "versions": [{"version": "2012.55", "status": "affected"}]}]
    assert first["analysis"]["state"] == "in_triage"
    assert first["recommendation"] == "Upgrade to 2012.55 or later."
    assert first["advisories"] == [{"url": "https://matt.ucc.asn.au/dropbear/CHANGES"}]
    second = vulns["CVE-2016-7406"]
    assert second["ratings"][0]["method"] == "CVSSv3"
    assert second["analysis"]["state"] == "in_triage"  # known exploited is not "exploitable here"
    assert "known exploited" in second["analysis"]["detail"]
    assert {"name": "spyless:known-exploited", "value": "true"} in second["properties"]
    osv = vulns["OSV-2021-1"]
    assert osv["source"] == {"name": "OSV", "url": "https://osv.dev/vulnerability/OSV-2021-1"}
    assert osv["references"] == [{"id": "CVE-2021-9999", "source": {
        "name": "NVD", "url": "https://nvd.nist.gov/vuln/detail/CVE-2021-9999"}}]
    assert "ratings" not in osv
    assert "cwes" not in osv  # "NVD-CWE-Other" is no CWE number
    assert vulns["CVE-2017-0001"]["ratings"][0].get("method") is None


def test_spdx_is_schema_valid_and_consistent(spdx_validator: Draft7Validator) -> None:
    doc = spdx()
    assert_valid(spdx_validator, doc)
    ids = [p["SPDXID"] for p in doc["packages"]]
    assert len(ids) == len(set(ids))
    assert all(i.startswith("SPDXRef-") for i in ids)
    known = set(ids) | {"SPDXRef-DOCUMENT"}
    assert all(r["spdxElementId"] in known and r["relatedSpdxElement"] in known
               for r in doc["relationships"])
    assert doc["relationships"][0] == {"spdxElementId": "SPDXRef-DOCUMENT",
                                       "relationshipType": "DESCRIBES",
                                       "relatedSpdxElement": "SPDXRef-Image"}
    assert sorted(r["relatedSpdxElement"] for r in doc["relationships"][1:]) == sorted(ids[1:])
    assert {r["relationshipType"] for r in doc["relationships"][1:]} == {"CONTAINS"}
    assert doc["creationInfo"]["created"] == "2026-11-27T10:00:00Z"
    assert doc["creationInfo"]["creators"] == ["Tool: spyless-0.1.0"]
    assert doc["documentNamespace"].startswith(f"https://spyless.invalid/spdx/{SHA_IMAGE}/")


def test_spdx_packages() -> None:
    packages = {p["SPDXID"]: p for p in spdx()["packages"]}
    assert packages["SPDXRef-Image"]["checksums"] == [
        {"algorithm": "SHA256", "checksumValue": SHA_IMAGE}]
    busybox = packages["SPDXRef-Package-busybox-1.01"]
    assert (busybox["name"], busybox["versionInfo"]) == ("busybox", "1.01")
    assert busybox["checksums"] == [{"algorithm": "SHA256", "checksumValue": SHA_BUSYBOX}]
    assert busybox["externalRefs"] == [
        {"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl",
         "referenceLocator": "pkg:generic/busybox@1.01"},
        {"referenceCategory": "SECURITY", "referenceType": "cpe23Type",
         "referenceLocator": "cpe:2.3:a:busybox:busybox:1.01:*:*:*:*:*:*:*"},
        {"referenceCategory": "SECURITY", "referenceType": "advisory",
         "referenceLocator": "https://nvd.nist.gov/vuln/detail/CVE-2017-0001",
         "comment": "CVE-2017-0001"},
    ]
    assert busybox["comment"] == f"found in: {FS}/bin/busybox @0x3a2f0"
    assert busybox["sourceInfo"] == ("identified by spyless (binary) from: BusyBox v1.01 "
                                     "(2015.03.10-03:09+0000)")
    assert packages["SPDXRef-Package-linux-2.6.31"]["primaryPackagePurpose"] == (
        "OPERATING_SYSTEM")
    assert "checksums" not in packages["SPDXRef-Package-uclibc-0.9.30"]  # two files
    assert "versionInfo" not in packages["SPDXRef-Package-mystery-lib"]


def test_exports_are_deterministic() -> None:
    for fmt in SbomFormat:
        assert render_sbom(make_report(), fmt) == render_sbom(make_report(), fmt)


def test_empty_report_is_valid(cyclonedx_validator: CycloneDxValidator,
                               spdx_validator: Draft7Validator) -> None:
    report = Report(image=ImageInfo("empty.bin", "/x", 0, "0" * 64), tool_version="0.1.0",
                    created="2026-11-27T10:00:00+00:00")
    assert_valid(cyclonedx_validator, cyclonedx(report))
    assert_valid(spdx_validator, spdx(report))
    assert "components" not in cyclonedx(report) or cyclonedx(report)["components"] == []


def test_unknown_format() -> None:
    with pytest.raises(SbomError, match="unknown SBOM format 'swid'"):
        render_sbom(make_report(), "swid")


def test_the_validators_reject_broken_documents(cyclonedx_validator: CycloneDxValidator,
                                                spdx_validator: Draft7Validator) -> None:
    bom = cyclonedx()
    bom["vulnerabilities"][0]["ratings"][0]["severity"] = "apocalyptic"
    assert cyclonedx_validator.errors(bom) == [
        "vulnerabilities/0/['ratings', 0, 'severity']: 'apocalyptic' is not one of "
        "['critical', 'high', 'medium', 'low', 'info', 'none', 'unknown']"]
    bom = cyclonedx()
    bom["vulnerabilities"].append(bom["vulnerabilities"][0])
    bom["components"][0]["type"] = "gadget"
    assert len(cyclonedx_validator.errors(bom)) == 2
    doc = spdx()
    del doc["packages"][1]["SPDXID"]
    assert list(spdx_validator.iter_errors(doc))
