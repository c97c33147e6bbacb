"""Matching: the SOURCES.md oracle on the embedded snapshot, precedence, AND-platforms."""

from __future__ import annotations

import json

import pytest

from spyless.model.facts import Component
from spyless.model.findings import Location
from spyless.vulndb.interface import Record, Rule
from spyless.vulndb.matcher import Matcher, identify
from spyless.vulndb.store import Store
from spyless.vulndb.versions import version_key
from tests.unit.vulndb.conftest import vulndata

_AT = (Location("fw.bin!squashfs@0x0/bin/x", "/bin/x"),)


def comp(name: str, version: str, cpe: str | None = None) -> Component:
    return Component(name, version, _AT, cpe=cpe)


def ids(store: Store, component: Component, *others: Component) -> set[str]:
    result = Matcher(store).match([component, *others])[0]
    return {v.id for v in result.vulnerabilities}


CVE_ORACLE = {
    ("busybox", "1.30.1"): {"CVE-2018-1000500", "CVE-2021-28831", "CVE-2021-42386",
                            "CVE-2022-28391", "CVE-2022-48174", "CVE-2023-39810"},
    ("dnsmasq", "2.80"): {"CVE-2019-14834", *(f"CVE-2020-{n}" for n in range(25681, 25688)),
                          "CVE-2021-3448", "CVE-2022-0934", "CVE-2023-28450"},
    ("dropbear", "2019.78"): {"CVE-2021-36369"},
    ("lighttpd", "1.4.55"): {"CVE-2022-22707"},
    ("uclibc", "0.9.33.2"): {"CVE-2017-9728", "CVE-2017-9729", "CVE-2021-43523",
                             "CVE-2022-30295"},
}


@pytest.mark.parametrize(("product", "expected"), list(CVE_ORACLE.items()))
def test_sources_md_oracle(snapshot: Store, product: tuple[str, str], expected: set[str]) -> None:
    found = {i for i in ids(snapshot, comp(*product)) if i.startswith("CVE-")}
    assert found == expected


def test_curl_by_curls_own_table(snapshot: Store) -> None:
    table = json.loads(vulndata("curl/curl-vulns.json").read_text())["vulnerabilities"]
    found = ids(snapshot, comp("curl", "7.68.0"))
    expected = {v["cve"] for v in table
                if version_key(v["first_vulnerable"]) <= version_key("7.68.0")  # type: ignore[operator]
                <= version_key(v["last_vulnerable"])}
    assert len(expected) == 62
    assert {i for i in found if i.startswith("CVE-")} == expected  # curl's table overrides NVD


def test_openssh_update_field(snapshot: Store) -> None:
    assert "CVE-2024-6387" in ids(snapshot, comp("openssh", "8.5p1"))
    assert "CVE-2024-6387" in ids(snapshot, comp("openssh", "9.7p1"))
    assert "CVE-2024-6387" not in ids(snapshot, comp("openssh", "9.8p1"))
    assert "CVE-2024-6387" not in ids(snapshot, comp("openssh", "4.4p1"))
    assert "CVE-2024-6387" in ids(snapshot, comp("openssh", "4.3p2"))


def test_openssl_cna_letters(snapshot: Store) -> None:
    # CVE-2015-0287: 1.0.2 < 1.0.2a, 0.9.8 < 0.9.8zf (OpenSSL CNA record)
    assert "CVE-2015-0287" in ids(snapshot, comp("openssl", "1.0.2"))
    assert "CVE-2015-0287" not in ids(snapshot, comp("openssl", "1.0.2a"))
    assert "CVE-2015-0287" in ids(snapshot, comp("openssl", "0.9.8ze"))
    assert "CVE-2015-0287" not in ids(snapshot, comp("openssl", "0.9.8zf"))


def test_exact_cpe_versions(snapshot: Store) -> None:
    assert "CVE-2023-39810" in ids(snapshot, comp("busybox", "1.33.2"))
    assert "CVE-2023-39810" not in ids(snapshot, comp("busybox", "1.33.1"))
    assert "CVE-2022-30065" in ids(snapshot, comp("busybox", "1.35.0"))
    assert "CVE-2022-30065" not in ids(snapshot, comp("busybox", "1.36.0"))


def test_uclibc_and_uclibc_ng_are_distinct(snapshot: Store) -> None:
    # CVE-2021-43523: uClibc <= 0.9.33.2, uClibc-ng < 1.0.39
    assert "CVE-2021-43523" in ids(snapshot, comp("uclibc-ng", "1.0.38"))
    assert "CVE-2021-43523" not in ids(snapshot, comp("uclibc-ng", "1.0.39"))
    assert identify(comp("uclibc", "0.9.30")).pairs == (("uclibc", "uclibc"),)  # type: ignore[union-attr]


def test_identity_by_cpe_pulls_in_aliases() -> None:
    ident = identify(comp("bb", "1.0", "cpe:2.3:a:busybox:busybox:1.01:*:*:*:*:*:*:*"))
    assert ident is not None
    assert ("rob_landley", "busybox") in ident.pairs
    version_from_cpe = identify(Component("x", None, _AT,
                                          cpe="cpe:2.3:a:openbsd:openssh:7.4:p1:*:*:*:*:*:*"))
    assert version_from_cpe is not None
    assert version_from_cpe.version == "7.4p1"
    assert identify(comp("no-such-product", "1.0")) is None


def _store_with(store: Store, *records: Record) -> Store:
    with store.transaction():
        for record in records:
            store.add(record, "test")
    return store


def test_cna_overrides_nvd(empty_store: Store) -> None:
    nvd = Record("CVE-2099-1", "nvd", "2020-01-01", rules=(
        Rule("openssl", "openssl", end=version_key("1.0.2z")),))
    cna = Record("CVE-2099-1", "cve5:openssl", "2020-01-01", authority=True, rules=(
        Rule("openssl", "openssl", start=version_key("1.0.2"), end=version_key("1.0.2k")),))
    other = Record("CVE-2099-2", "nvd", "2020-01-01", rules=(
        Rule("openssl", "openssl", end=version_key("1.0.2z")),))
    store = _store_with(empty_store, nvd, cna, other)
    assert ids(store, comp("openssl", "1.0.2m")) == {"CVE-2099-2"}
    assert ids(store, comp("openssl", "1.0.2j")) == {"CVE-2099-1", "CVE-2099-2"}


def test_and_platform_rule(empty_store: Store) -> None:
    """The documented rule: present -> match, absent unknown -> match (medium), refuted -> no."""
    on_linux = (("cpe:2.3:o:linux:linux_kernel:*:*:*:*:*:*:*:*|||3.0|",),)
    on_windows = (("cpe:2.3:o:microsoft:windows:*:*:*:*:*:*:*:*||||",),)
    on_hw = (("cpe:2.3:h:acme:router:-:*:*:*:*:*:*:*||||",),)
    store = _store_with(empty_store, *(
        Record(f"CVE-2099-{i}", "nvd", "2020-01-01", rules=(
            Rule("samba", "samba", end=version_key("3.0"), platform=p),))
        for i, p in ((10, on_linux), (11, on_windows), (12, on_hw))))
    samba = comp("samba", "2.2.7")
    old_kernel = comp("linux", "2.6.31", "cpe:2.3:o:linux:linux_kernel:2.6.31:*:*:*:*:*:*:*")
    new_kernel = comp("linux", "4.4", "cpe:2.3:o:linux:linux_kernel:4.4:*:*:*:*:*:*:*")
    result = Matcher(store).match([samba, old_kernel])[0]
    assert {v.id for v in result.vulnerabilities} == {"CVE-2099-10", "CVE-2099-12"}
    assert result.platform_unknown == {"CVE-2099-12"}  # hardware cannot be seen
    assert ids(store, samba, new_kernel) == {"CVE-2099-12"}  # kernel outside the range
    alone = Matcher(store).match([samba])[0]  # no OS identified: every platform unknown
    assert {v.id for v in alone.vulnerabilities} == {"CVE-2099-10", "CVE-2099-11", "CVE-2099-12"}
    assert alone.platform_unknown == {"CVE-2099-10", "CVE-2099-11", "CVE-2099-12"}


def test_fact_fields(snapshot: Store) -> None:
    result = Matcher(snapshot).match([comp("dropbear", "2019.78")])[0]
    (fact,) = result.vulnerabilities
    assert fact.id == "CVE-2021-36369"
    assert (fact.severity, fact.cvss_score) == ("high", 7.5)
    assert fact.cvss_vector == "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N"
    assert fact.cwes == ("CWE-287",)
    assert fact.source == "nvd"
    assert fact.matched_by == "dropbear_ssh_project:dropbear_ssh (*, 2020.81] (nvd)"
    assert fact.component == "dropbear"
    assert fact.version == "2019.78"
    dnsmasq = Matcher(snapshot).match([comp("dnsmasq", "2.80")])[0]
    by_id = {v.id: v for v in dnsmasq.vulnerabilities}
    assert by_id["CVE-2023-28450"].fixed_versions == ("2.90",)


def test_unknown_versions_are_not_matched(snapshot: Store) -> None:
    assert Matcher(snapshot).match([Component("busybox", None, _AT)]) == []
    result = Matcher(snapshot).match([comp("busybox", "weird")])
    assert result[0].vulnerabilities == ()
