"""CVE JSON 5 records through the importer, the store and the matcher: kernel, OpenSSL, curl.

Golden counts at the end are for the embedded snapshot built from ../shared/vulndata.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import pytest

from spyless.model.facts import Component
from spyless.model.findings import Location
from spyless.vulndb.cve5_status import AFFECTED, parse_block, status_of
from spyless.vulndb.import_cve5 import Cve5Importer
from spyless.vulndb.interface import Record, Rule
from spyless.vulndb.loader import import_document
from spyless.vulndb.matcher import Matcher
from spyless.vulndb.store import Store
from spyless.vulndb.versions import version_key
from tests.unit.vulndb.conftest import vulndata
from tests.unit.vulndb.test_cve5_status import CVE_2021_46981

_AT = (Location("fw.bin!squashfs@0x0/lib/modules", "/lib/modules"),)
_KERNEL_CPE = "cpe:2.3:o:linux:linux_kernel:{}:*:*:*:*:*:*:*"


def kernel(version: str) -> Component:
    return Component("linux", version, _AT, cpe=_KERNEL_CPE.format(version))


def matched(store: Store, component: Component) -> dict[str, str]:
    """id -> source of every vulnerability matched for ``component``."""
    (result,) = Matcher(store).match([component])
    return {v.id: v.source for v in result.vulnerabilities}


@lru_cache(maxsize=1)
def kernel_bundle() -> dict[str, Any]:
    data = json.loads(gzip.decompress(vulndata(
        "linux-kernel/linux-cna-condensed.json.gz").read_bytes()))
    assert isinstance(data, dict)
    return data


def kernel_record(cve: str) -> dict[str, Any]:
    return next(r for r in kernel_bundle()["records"] if r["id"] == cve)


def bundle_of(*records: Mapping[str, object]) -> dict[str, object]:
    return {"_source": "test", "records": list(records)}


def covers(rules: tuple[Rule, ...], version: str) -> bool:
    key = version_key(version)
    assert key is not None
    for r in rules:
        if r.exact is not None:
            if r.exact == key:
                return True
            continue
        low = r.start is None or r.start < key or (r.start == key and r.start_incl)
        high = r.end is None or key < r.end or (key == r.end and r.end_incl)
        if low and high:
            return True
    return False


def test_the_test_copy_is_the_shared_record() -> None:
    assert kernel_record("CVE-2021-46981")["affected"] == CVE_2021_46981


def test_versions_take_precedence_over_cpe_applicability() -> None:
    record = kernel_record("CVE-2021-46981")
    (rec,) = Cve5Importer().records(bundle_of(record))
    assert isinstance(rec, Record)
    assert rec.source == "cve5:linux"
    assert rec.authority
    assert {(r.vendor, r.product) for r in rec.rules} == {("linux", "linux_kernel")}
    for version in ("5.10.30", "4.14.150", "5.3.7", "5.4", "5.4.119"):
        assert covers(rec.rules, version), version
    # the NVD-style cpeApplicability ranges of the same record claim all of these
    for version in ("5.10.38", "5.10.176", "5.11.30", "6.6.1", "4.14.140", "5.4.120"):
        assert not covers(rec.rules, version), version
    assert rec.fixed == ("5.4.120", "5.10.38", "5.11.22", "5.12.5", "5.13")


def test_backport_only_record_fixes_are_range_ends() -> None:
    (rec,) = Cve5Importer().records(bundle_of(kernel_record("CVE-2020-36791")))
    assert isinstance(rec, Record)
    assert rec.fixed == ("4.4.218", "4.9.218", "4.14.175", "4.19.114", "5.4.29", "5.5.14")
    assert covers(rec.rules, "4.4.217")
    assert not covers(rec.rules, "4.4.218")
    assert not covers(rec.rules, "5.6")


def test_old_series_without_the_backport_is_unaffected() -> None:
    """CVE-2025-38716: cpeApplicability's open-ended "2.6.27.60 <= v" also claims 2.6.31."""
    (rec,) = Cve5Importer().records(bundle_of(kernel_record("CVE-2025-38716")))
    assert isinstance(rec, Record)
    for version in ("2.6.27.60", "2.6.32.51", "3.1.6", "3.2", "6.6.102", "6.16.1"):
        assert covers(rec.rules, version), version
    for version in ("2.6.27.59", "2.6.28", "2.6.31", "2.6.32.50", "6.6.103", "6.17"):
        assert not covers(rec.rules, version), version


@pytest.mark.slow
def test_every_kernel_record_compiles_to_its_own_statuses() -> None:
    """For all 14,626 records: the stored ranges say what the status algorithm says."""
    probes = ("2.6.12", "2.6.31", "3.18.140", "4.4.302", "4.14.150", "4.19.325", "5.4",
              "5.4.0", "5.10.30", "5.10.176", "5.15.100", "6.1.1", "6.6.1", "6.12.5", "7.1")
    records = kernel_bundle()["records"]
    imported = {r.id: r for r in Cve5Importer().records(bundle_of(*records))}
    assert len(imported) == len(records) == 14626
    mismatches = []
    for raw in records:
        rec = imported[raw["id"]]
        assert isinstance(rec, Record)
        blocks = [b for b in (parse_block(a, "generic") for a in raw["affected"]) if b]
        versions = {e["version"] for a in raw["affected"] for e in a["versions"]
                    if e["version"] != "0"} | {
            e.get("lessThan", "") for a in raw["affected"] for e in a["versions"]} | set(probes)
        mismatches += [(raw["id"], v) for v in versions - {"", "*"}
                       if covers(rec.rules, v) != (status_of(blocks, v) == AFFECTED)]
    assert mismatches == []


def test_full_record_with_git_ranges_only_falls_back_to_cpe_applicability() -> None:
    record = {"dataType": "CVE_RECORD", "dataVersion": "5.1",
              "cveMetadata": {"cveId": "CVE-2099-0100", "state": "PUBLISHED"},
              "containers": {"cna": {
                  "providerMetadata": {"shortName": "Linux"},
                  "affected": [{"product": "Linux", "vendor": "Linux", "defaultStatus":
                                "unaffected", "versions": [
                                    {"version": "1da177e4c3f41524e886b7f1b8a0c1fc7321cac2",
                                     "lessThan": "0123456789abcdef0123456789abcdef01234567",
                                     "status": "affected", "versionType": "git"}]}],
                  "cpeApplicability": [{"nodes": [{"operator": "OR", "negate": False,
                                                   "cpeMatch": [{
                      "vulnerable": True, "criteria": _KERNEL_CPE.format("*"),
                      "versionStartIncluding": "2.6.12", "versionEndExcluding": "6.1.20"}]}]}]}}}
    (rec,) = Cve5Importer().records(record)
    assert isinstance(rec, Record)
    assert rec.source == "cve5:linux"
    assert rec.rules == (Rule("linux", "linux_kernel", start=version_key("2.6.12"),
                              end=version_key("6.1.20")),)


def test_cna_saying_nothing_is_affected_overrides_nvd(empty_store: Store) -> None:
    fixed_everywhere = {"id": "CVE-2099-0200", "title": "t", "affected": [
        {"defaultStatus": "unaffected", "versions": [
            {"version": "0", "lessThan": "*", "status": "unaffected", "versionType": "semver"}]}],
        "cpeApplicability": [{"nodes": [{"operator": "OR", "cpeMatch": [{
            "vulnerable": True, "criteria": _KERNEL_CPE.format("*"),
            "versionEndExcluding": "9.0"}]}]}]}
    nvd = Record("CVE-2099-0200", "nvd", "2020-01-01", rules=(
        Rule("linux", "linux_kernel", end=version_key("9.0")),))
    with empty_store.transaction():
        empty_store.add(nvd, "nvd-test")
    assert matched(empty_store, kernel("5.10.176")) == {"CVE-2099-0200": "nvd"}
    import_document(empty_store, bundle_of(fixed_everywhere))
    assert matched(empty_store, kernel("5.10.176")) == {}
    assert matched(empty_store, kernel("2.6.31")) == {}


def test_kernel_cna_overrides_nvd_ranges(empty_store: Store) -> None:
    nvd = Record("CVE-2021-46981", "nvd", "2021-01-01", rules=(
        Rule("linux", "linux_kernel", start=version_key("5.4"), end=version_key("5.13")),))
    with empty_store.transaction():
        empty_store.add(nvd, "nvd-test")
    import_document(empty_store, bundle_of(kernel_record("CVE-2021-46981")))
    assert matched(empty_store, kernel("5.10.176")) == {}
    assert matched(empty_store, kernel("5.10.30")) == {"CVE-2021-46981": "cve5:linux,nvd"}
    assert matched(empty_store, kernel("4.14.150")) == {"CVE-2021-46981": "cve5:linux"}
    (result,) = Matcher(empty_store).match([kernel("5.10.30")])
    (fact,) = result.vulnerabilities
    assert fact.fixed_versions == ("5.10.38", "5.11.22", "5.12.5")
    (result,) = Matcher(empty_store).match([kernel("4.14.150")])
    (fact,) = result.vulnerabilities
    assert fact.matched_by == "linux:linux_kernel [4.14.149, 4.15) (cve5:linux)"


def test_curl_cna_lists_each_release(empty_store: Store) -> None:
    """curl's CNA names every affected release as a one-version range, no defaultStatus."""
    listed = ("8.3.0", "8.2.1", "8.2.0", "8.1.2")
    record = {"dataType": "CVE_RECORD", "dataVersion": "5.1",
              "cveMetadata": {"cveId": "CVE-2099-0300", "state": "PUBLISHED"},
              "containers": {"cna": {
                  "providerMetadata": {"shortName": "curl"},
                  "affected": [{"vendor": "curl", "product": "curl", "versions": [
                      {"version": v, "lessThanOrEqual": v, "status": "affected",
                       "versionType": "semver"} for v in listed]}]}}}
    import_document(empty_store, record)
    for version in listed:
        assert "CVE-2099-0300" in matched(empty_store, Component("curl", version, _AT))
    for version in ("8.1.1", "8.2.2", "8.4.0"):  # not listed: unknown, never reported
        assert "CVE-2099-0300" not in matched(empty_store, Component("curl", version, _AT))


def test_openssl_cna_branches(snapshot: Store) -> None:
    """Per-branch lessThan (custom letters, semver) and one lessThanOrEqual (CVE-2022-3996)."""
    def has(cve: str, version: str) -> bool:
        return cve in matched(snapshot, Component("openssl", version, _AT))
    assert has("CVE-2022-3996", "3.0.7")
    assert not has("CVE-2022-3996", "3.0.8")
    assert not has("CVE-2022-3996", "1.1.1t")
    assert has("CVE-2021-4044", "3.0.0")
    assert not has("CVE-2021-4044", "3.0.1")
    assert has("CVE-2015-0287", "1.0.1l")
    assert not has("CVE-2015-0287", "1.0.1m")
    assert not has("CVE-2015-0287", "1.1.0")


#: Golden: kernel CVEs the snapshot matches per release, by source (issue 5).
KERNEL_GOLDEN = {
    "5.10.176": {"cve5:linux": 5445, "nvd": 46},
    "2.6.31": {"cve5:linux": 1148, "nvd": 1569},
    "6.6.1": {"cve5:linux": 7067, "nvd": 13},
}


@pytest.mark.parametrize(("version", "expected"), list(KERNEL_GOLDEN.items()))
def test_kernel_golden_counts(snapshot: Store, version: str, expected: dict[str, int]) -> None:
    found = matched(snapshot, kernel(version))
    assert dict(Counter(found.values())) == expected


def test_kernel_cve_2021_46981_in_snapshot(snapshot: Store) -> None:
    assert "CVE-2021-46981" in matched(snapshot, kernel("5.10.30"))
    assert "CVE-2021-46981" in matched(snapshot, kernel("4.14.150"))
    assert "CVE-2021-46981" not in matched(snapshot, kernel("5.10.176"))
    assert "CVE-2021-46981" not in matched(snapshot, kernel("6.6.1"))
