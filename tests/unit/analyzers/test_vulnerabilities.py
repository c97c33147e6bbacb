"""The vulnerabilities analyzer on Component facts built in code (no unpacking needed)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any, cast

import pytest

from spyless.analyzers.image import ImageView
from spyless.analyzers.interface import Output
from spyless.analyzers.vulnerabilities.matching import VulnerabilityMatching
from spyless.model.facts import Component, Vulnerability
from spyless.model.findings import Confidence, Location, Severity
from spyless.vulndb.snapshot import embedded_snapshot
from spyless.vulndb.store import Store

TODAY = date(2026, 11, 27)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    mp = pytest.MonkeyPatch()
    mp.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "cache"))
    path = embedded_snapshot()
    assert path is not None
    store = Store(path)
    yield store
    store.close()
    mp.undo()


def where(path: str) -> tuple[Location, ...]:
    return (Location(f"fw.bin!squashfs@0x100000{path}", path, offset=0x1234),)


def tplink_components() -> list[Component]:
    """What the components analyzer identifies in TL-WR841N v10 3.16.9 (issue 5, Proof)."""
    return [
        Component("busybox", "1.01", where("/bin/busybox"), "BusyBox v1.01 (2015.03.10-...)",
                  cpe="cpe:2.3:a:busybox:busybox:1.01:*:*:*:*:*:*:*", purl="pkg:generic/busybox@1.01"),
        Component("dropbear", "2012.55", where("/usr/bin/dropbear"), "dropbear_2012.55",
                  cpe="cpe:2.3:a:dropbear_ssh_project:dropbear_ssh:2012.55:*:*:*:*:*:*:*"),
        Component("uclibc", "0.9.30", where("/lib/libuClibc-0.9.30.so"), "libuClibc-0.9.30.so",
                  cpe="cpe:2.3:a:uclibc:uclibc:0.9.30:*:*:*:*:*:*:*"),
        Component("linux", "2.6.31", where("/lib/modules/2.6.31"), "Linux version 2.6.31",
                  cpe="cpe:2.3:o:linux:linux_kernel:2.6.31:*:*:*:*:*:*:*", source="banner"),
        Component("u-boot", "1.1.4", (Location("fw.bin", None, offset=0x40),), "U-Boot 1.1.4",
                  cpe="cpe:2.3:a:denx:u-boot:1.1.4:*:*:*:*:*:*:*", source="banner"),
    ]


def run(store: Store, components: list[Component]) -> Output:
    view = ImageView(result=cast(Any, None), facts=list(components), filesystems=[])
    out = Output("vulnerabilities")
    VulnerabilityMatching(store=store, today=TODAY).analyze(view, out)
    return out


def test_tplink_components_golden(store: Store) -> None:
    out = run(store, tplink_components())
    facts = [f for f in out.facts if isinstance(f, Vulnerability)]
    by_component: dict[str, set[str]] = {}
    for fact in facts:
        by_component.setdefault(fact.component, set()).add(fact.id)
    assert {"CVE-2016-2147", "CVE-2016-2148", "CVE-2017-16544", "CVE-2018-1000517",
            "CVE-2019-5747", "CVE-2011-2716"} <= by_component["busybox"]
    assert len(by_component["busybox"]) == 17
    assert by_component["dropbear"] == {
        "CVE-2013-4421", "CVE-2013-4434", "CVE-2016-3116", "CVE-2016-7406", "CVE-2016-7407",
        "CVE-2016-7408", "CVE-2016-7409", "CVE-2017-2659", "CVE-2017-9078", "CVE-2017-9079",
        "CVE-2018-15599", "CVE-2019-12953", "CVE-2021-36369"}
    assert "CVE-2012-0920" not in by_component["dropbear"]  # fixed in 2012.55
    assert by_component["uclibc"] == {"CVE-2021-43523", "CVE-2022-30295"}
    assert len(by_component["linux"]) == 2717  # 1,569 NVD + 1,148 kernel CNA
    assert {"CVE-2019-25160", "CVE-2009-3547"} <= by_component["linux"]
    # backported into 2.6.27.60+, 2.6.32.51+, ... and mainline 3.2: never into 2.6.31
    assert "CVE-2025-38716" not in by_component["linux"]
    assert "CVE-2019-13103" in by_component["u-boot"]

    spy610 = {f.message.split(":")[0]: f for f in out.findings if f.id == "SPY610"}
    assert set(spy610) == {"busybox 1.01", "dropbear 2012.55", "uclibc 0.9.30", "linux 2.6.31",
                           "u-boot 1.1.4"}
    assert spy610["dropbear 2012.55"].severity is Severity.CRITICAL
    assert spy610["dropbear 2012.55"].confidence is Confidence.HIGH
    assert "13 known vulnerabilities" in spy610["dropbear 2012.55"].message
    assert spy610["linux 2.6.31"].confidence is Confidence.MEDIUM  # build-config dependent
    assert spy610["busybox 1.01"].evidence[0].location.path == "/bin/busybox"
    assert spy610["busybox 1.01"].cwe == 1395

    eol = {f.message.split(":")[0]: f for f in out.findings if f.id == "SPY612"}
    assert set(eol) == {"linux 2.6.31", "uclibc 0.9.30"}
    assert "2016-03-12" in eol["linux 2.6.31"].message
    assert "endoflife.date" in eol["linux 2.6.31"].message
    assert not [f for f in out.findings if f.id == "SPY611"]  # the data carries no KEV flags


def test_openssl_eol_and_clean_component(store: Store) -> None:
    out = run(store, [
        Component("openssl", "1.0.2k", where("/lib/libssl.so.1.0.0"),
                  cpe="cpe:2.3:a:openssl:openssl:1.0.2k:*:*:*:*:*:*:*"),
        Component("dropbear", "2099.99", where("/usr/sbin/dropbear"),
                  cpe="cpe:2.3:a:dropbear_ssh_project:dropbear_ssh:2099.99:*:*:*:*:*:*:*"),
        Component("something-unknown", "1.0", where("/bin/x")),
    ])
    assert [f.message.split(":")[0] for f in out.findings if f.id == "SPY610"] == ["openssl 1.0.2k"]
    (eol,) = [f for f in out.findings if f.id == "SPY612"]
    assert "1.0.2 branch is out of support since 2020-01-01" in eol.message
    assert "openssl/release-metadata" in eol.message


def test_name_only_match_is_medium_confidence(store: Store) -> None:
    out = run(store, [Component("dnsmasq", "2.80", where("/usr/sbin/dnsmasq"))])
    (finding,) = [f for f in out.findings if f.id == "SPY610"]
    assert finding.confidence is Confidence.MEDIUM
    assert "11 known vulnerabilities" in finding.message


def test_known_exploited(tmp_path: Path) -> None:
    from spyless.vulndb.interface import Record, Rule
    from spyless.vulndb.versions import version_key

    db = Store(tmp_path / "k.sqlite", writable=True)
    with db.transaction():
        db.add(Record("CVE-2099-7", "nvd", "2099-01-01", severity="high", score=8.1,
                      known_exploited=True,
                      rules=(Rule("busybox", "busybox", end=version_key("2.0")),)), "t")
    out = run(db, [Component("busybox", "1.36.1", where("/bin/busybox"),
                             cpe="cpe:2.3:a:busybox:busybox:1.36.1:*:*:*:*:*:*:*")])
    (kev,) = [f for f in out.findings if f.id == "SPY611"]
    assert kev.severity is Severity.CRITICAL
    assert "CVE-2099-7" in kev.message


def test_no_components_no_database_needed() -> None:
    view = ImageView(result=cast(Any, None), facts=[], filesystems=[])
    out = Output("vulnerabilities")
    VulnerabilityMatching(store=cast(Any, None)).analyze(view, out)
    assert out.findings == []


def test_matching_speed(store: Store) -> None:
    components = tplink_components()
    run(store, components)  # warm the page cache
    best = min(_timed(store, components) for _ in range(5))
    assert best < 0.25, f"matching took {best * 1000:.0f} ms"  # target 50 ms on an idle machine


def _timed(store: Store, components: list[Component]) -> float:
    start = time.perf_counter()
    run(store, components)
    return time.perf_counter() - start
