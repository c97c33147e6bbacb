"""Feed parsing: formats, versions, rejected/withdrawn records, CPE configurations."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from spyless.errors import Error
from spyless.vulndb.cpe import cpe_version, parse_cpe
from spyless.vulndb.import_cve5 import Cve5Importer
from spyless.vulndb.import_nvd1 import Nvd1Importer
from spyless.vulndb.import_nvd2 import Nvd2Importer
from spyless.vulndb.import_osv import OsvImporter, normalise_tag
from spyless.vulndb.interface import FeedFormatError, Record, Skipped, VulnDBError
from spyless.vulndb.loader import detect, import_document, import_path
from spyless.vulndb.store import Store
from spyless.vulndb.versions import version_key
from tests.unit.vulndb.conftest import vulndata


def _records(importer: object, document: object) -> dict[str, Record | Skipped]:
    return {r.id: r for r in importer.records(document)}  # type: ignore[attr-defined]


def test_error_tree() -> None:
    assert issubclass(VulnDBError, Error)
    assert issubclass(FeedFormatError, VulnDBError)


def test_cpe_parsing_and_update_field() -> None:
    cpe = parse_cpe(r"cpe:2.3:a:openbsd:openssh:8.5:p1:*:*:*:*:*:*")
    assert (cpe.vendor, cpe.product, cpe.version, cpe.update) == ("openbsd", "openssh", "8.5", "p1")
    assert cpe_version(cpe) == "8.5p1"
    assert cpe_version(parse_cpe("cpe:2.3:a:openssl:openssl:1.0.2:k:*:*:*:*:*:*")) == "1.0.2k"
    assert cpe_version(parse_cpe("cpe:2.3:a:openssl:openssl:1.0.0:beta2:*:*:*:*:*:*")) == \
        "1.0.0-beta2"
    assert parse_cpe(r"cpe:2.3:a:x:y\:z:1.0:*:*:*:*:*:*:*").product == "y:z"
    with pytest.raises(FeedFormatError):
        parse_cpe("cpe:/a:busybox:busybox:1.0")


def test_nvd2_sample_edge_cases() -> None:
    document = json.loads(vulndata("nvd-2.0/nvd-2.0-embedded-sample.json").read_text())
    assert detect(document).format_name == "nvd-2.0"
    records = _records(Nvd2Importer(), document)
    assert len(records) == 17
    # exact-version CPEs only
    exact = records["CVE-2023-39810"]
    assert isinstance(exact, Record)
    assert {r.exact for r in exact.rules if r.product == "busybox"} == {
        version_key("1.30.1", "busybox"), version_key("1.33.2", "busybox")}
    # AND-configuration: busybox stands alone; the Siemens firmware carries the hardware
    and_rec = records["CVE-2022-30065"]
    assert isinstance(and_rec, Record)
    busybox = [r for r in and_rec.rules if r.product == "busybox"]
    assert len(busybox) == 1
    assert busybox[0].platform == ()
    firmware = [r for r in and_rec.rules if r.vendor == "siemens"]
    assert firmware
    assert firmware[0].platform[0][0].startswith("cpe:2.3:h:siemens:scalance_sc622-2c:")
    # update field carries OpenSSH's p1
    ssh = records["CVE-2024-6387"]
    assert isinstance(ssh, Record)
    assert version_key("8.5p1") in {r.exact for r in ssh.rules}
    assert any(r.exact == version_key("9.8") and not r.any_update for r in ssh.rules)
    # records without configurations keep their text and score but match nothing
    for cve in ("CVE-2023-42363", "CVE-2023-52160", "CVE-2023-4911", "CVE-2025-26519"):
        rec = records[cve]
        assert isinstance(rec, Record)
        assert rec.rules == ()
    glibc = records["CVE-2023-4911"]
    assert isinstance(glibc, Record)
    assert glibc.score == 7.8
    assert glibc.severity == "high"
    dropbear = records["CVE-2021-36369"]
    assert isinstance(dropbear, Record)
    assert dropbear.score == 7.5
    assert dropbear.cwes == ("CWE-287",)


def _nvd2(cve: dict[str, object], version: str = "2.0") -> dict[str, object]:
    return {"format": "NVD_CVE", "version": version, "resultsPerPage": 1, "startIndex": 0,
            "totalResults": 1, "vulnerabilities": [{"cve": cve}]}


def test_nvd2_rejected_and_kev(empty_store: Store) -> None:
    document = _nvd2({"id": "CVE-2099-0001", "vulnStatus": "Rejected", "descriptions": []})
    assert _records(Nvd2Importer(), document) == {
        "CVE-2099-0001": Skipped("CVE-2099-0001", "rejected")}
    kev = _nvd2({"id": "CVE-2099-0002", "vulnStatus": "Analyzed", "descriptions": [],
                 "cisaExploitAdd": "2024-01-01", "lastModified": "2024-01-02T00:00:00.000"})
    rec = _records(Nvd2Importer(), kev)["CVE-2099-0002"]
    assert isinstance(rec, Record)
    assert rec.known_exploited
    with pytest.raises(FeedFormatError, match="version"):
        Nvd2Importer().info(_nvd2({"id": "x"}, version="1.0"))


def _nvd1(items: list[dict[str, object]]) -> dict[str, object]:
    return {"CVE_data_type": "CVE", "CVE_data_format": "MITRE", "CVE_data_version": "4.0",
            "CVE_Items": items}


def _item(cve: str, nodes: list[dict[str, object]], text: str = "x") -> dict[str, object]:
    return {"cve": {"CVE_data_meta": {"ID": cve},
                    "description": {"description_data": [{"lang": "en", "value": text}]}},
            "configurations": {"CVE_data_version": "4.0", "nodes": nodes},
            "impact": {"baseMetricV2": {"cvssV2": {"baseScore": 5.0, "vectorString": "AV:N"}}},
            "lastModifiedDate": "2020-01-01T00:00Z"}


def test_nvd1_and_children_and_reject() -> None:
    linux_app = _item("CVE-2001-0001", [{"operator": "AND", "children": [
        {"operator": "OR", "cpe_match": [
            {"vulnerable": False, "cpe23Uri": "cpe:2.3:o:linux:linux_kernel:*:*:*:*:*:*:*:*"}]},
        {"operator": "OR", "cpe_match": [
            {"vulnerable": True, "cpe23Uri": "cpe:2.3:a:samba:samba:*:*:*:*:*:*:*:*",
             "versionEndIncluding": "2.2.7a"}]}], "cpe_match": []}])
    rejected = _item("CVE-2001-0002", [], "** REJECT ** DO NOT USE THIS CANDIDATE NUMBER.")
    records = _records(Nvd1Importer(), _nvd1([linux_app, rejected]))
    assert records["CVE-2001-0002"] == Skipped("CVE-2001-0002", "rejected")
    rec = records["CVE-2001-0001"]
    assert isinstance(rec, Record)
    assert len(rec.rules) == 1
    rule = rec.rules[0]
    assert (rule.product, rule.end, rule.end_incl) == ("samba", version_key("2.2.7a"), True)
    assert rule.platform == (("cpe:2.3:o:linux:linux_kernel:*:*:*:*:*:*:*:*||||",),)
    assert rec.severity == "medium"
    with pytest.raises(FeedFormatError, match=r"MITRE 4\.0"):
        Nvd1Importer().info({**_nvd1([]), "CVE_data_version": "5.0"})


def test_cve5_openssl_letters() -> None:
    bundle = json.loads(gzip.decompress(vulndata(
        "cve5-openssl/openssl-cna-cve5.json.gz").read_bytes()))
    importer = detect(bundle)
    assert importer.format_name == "cve5"
    assert importer.info(bundle).source == "cve5:openssl"
    records = _records(importer, bundle)
    rec = records["CVE-2015-0287"]
    assert isinstance(rec, Record)
    assert rec.authority
    assert rec.severity == "medium"  # OpenSSL "Moderate"
    starts = {(r.start, r.end) for r in rec.rules}
    assert (version_key("1.0.2"), version_key("1.0.2a")) in starts
    assert (version_key("0.9.8"), version_key("0.9.8zf")) in starts


def _cve5(state: str = "PUBLISHED", version: str = "5.1") -> dict[str, object]:
    return {"dataType": "CVE_RECORD", "dataVersion": version,
            "cveMetadata": {"cveId": "CVE-2099-0003", "state": state},
            "containers": {"cna": {"providerMetadata": {"shortName": "openssl"},
                                   "affected": [{"vendor": "OpenSSL", "product": "OpenSSL",
                                                 "defaultStatus": "unaffected", "versions": [
                                                     {"version": "3.0.0", "lessThan": "3.0.15",
                                                      "status": "affected",
                                                      "versionType": "semver"}]}]}}}


def test_cve5_rejected_and_version_check() -> None:
    assert _records(Cve5Importer(), _cve5("REJECTED")) == {
        "CVE-2099-0003": Skipped("CVE-2099-0003", "rejected")}
    with pytest.raises(FeedFormatError, match="dataVersion"):
        list(Cve5Importer().records(_cve5(version="4.0")))
    rec = _records(Cve5Importer(), _cve5())["CVE-2099-0003"]
    assert isinstance(rec, Record)
    assert rec.fixed == ("3.0.15",)


def test_osv_tags_and_withdrawn() -> None:
    assert normalise_tag("curl-7_68_0", "curl") == "7.68.0"
    assert normalise_tag("v2.86test5", "dnsmasq") == "2.86test5"
    assert normalise_tag("OpenSSL_1_1_1k", "openssl") == "1.1.1k"
    assert normalise_tag("hostap_2_10", "hostap") == "2.10"
    assert normalise_tag("v5.6.0-stable", "wolfssl") == "5.6.0"
    record = {"id": "OSV-2099-1", "modified": "2024-01-01T00:00:00Z", "schema_version": "1.2.0",
              "affected": [{"package": {"name": "dnsmasq", "ecosystem": "OSS-Fuzz"},
                            "versions": ["v2.86", "v2.87rc1"]}]}
    rec = _records(OsvImporter(), record)["OSV-2099-1"]
    assert isinstance(rec, Record)
    assert {r.exact for r in rec.rules} == {version_key("2.86"), version_key("2.87rc1")}
    assert _records(OsvImporter(), {**record, "withdrawn": "2024-02-01T00:00:00Z"}) == {
        "OSV-2099-1": Skipped("OSV-2099-1", "withdrawn")}
    with pytest.raises(FeedFormatError, match="schema_version"):
        list(OsvImporter().records({**record, "schema_version": "2.0.0"}))


def test_osv_shared_records_validate_against_the_official_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(vulndata("schemas/osv-schema.json").read_text())
    bundle = json.loads(gzip.decompress(vulndata(
        "osv-oss-fuzz/oss-fuzz-embedded-osv.json.gz").read_bytes()))
    for record in bundle["records"][:20]:
        jsonschema.validate(record, schema)


def test_unknown_format_and_bad_files(tmp_path: Path, empty_store: Store) -> None:
    with pytest.raises(FeedFormatError, match="not a known"):
        import_document(empty_store, {"hello": 1})
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(FeedFormatError, match="not readable JSON"):
        import_path(empty_store, bad)
    with pytest.raises(VulnDBError, match="no such"):
        import_path(empty_store, tmp_path / "missing.json")


def test_import_folder_and_newer_wins(tmp_path: Path, empty_store: Store) -> None:
    old = _nvd2({"id": "CVE-2099-0004", "vulnStatus": "Analyzed", "lastModified": "2020-01-01",
                 "descriptions": [{"lang": "en", "value": "old"}]})
    new = _nvd2({"id": "CVE-2099-0004", "vulnStatus": "Analyzed", "lastModified": "2021-01-01",
                 "descriptions": [{"lang": "en", "value": "new"}]})
    folder = tmp_path / "feeds"
    folder.mkdir()
    (folder / "a.json").write_text(json.dumps(new))
    (folder / "b.json.gz").write_bytes(gzip.compress(json.dumps(old).encode()))
    stats = import_path(empty_store, folder)
    assert [s.records for s in stats] == [1, 1]
    summary = empty_store.db.execute("SELECT summary FROM vulns").fetchone()[0]
    assert summary == "new"
    assert [(s.name, s.records) for s in empty_store.sources()] == [("nvd-2.0", 1)]
    # a later rejection removes it
    import_document(empty_store, _nvd2({"id": "CVE-2099-0004", "vulnStatus": "Rejected",
                                        "descriptions": []}))
    assert empty_store.db.execute("SELECT count(*) FROM vulns").fetchone()[0] == 0
