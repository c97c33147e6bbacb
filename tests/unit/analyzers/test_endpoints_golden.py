"""Golden tests of the endpoints analyzer on whole images through the real engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from spyless.analyzers.endpoints.analyzer import Endpoints
from spyless.audit import Auditor
from spyless.report.model import Report
from tests.analyzers_helpers import scan_tree
from tests.conftest import ROOT, corpus_file

DEMO = ROOT / "examples" / "demo-router.bin"
TPLINK = "firmware/tplink_tl-wr841n_v10_en_3.16.9_build150310.bin"
DEBIAN = ROOT / "build" / "images" / "cache" / "unpacked"
CALL_HOME = "http://telemetry.vendor-cloud.example/upload"


def _scan(image: Path, tmp_path: Path) -> Report:
    return Auditor(jobs=1, file_analyzers=[], image_analyzers=[Endpoints()]).scan(
        image, tmp_path / "work")


def test_demo_call_home(tmp_path: Path) -> None:
    report = _scan(DEMO, tmp_path)
    [url] = [e for e in report.endpoints if e.value == CALL_HOME]
    assert url.kind == "url"
    assert url.scheme == "http"
    assert url.confidence == "high"
    assert url.used_at_boot
    assert url.category == "telemetry"
    assert sorted((loc.path, loc.line) for loc in url.locations) == [
        ("/etc/config/telemetry", 3), ("/usr/sbin/callhome.sh", 6)]
    assert "command wget" in url.context
    assert "key telemetry.url" in url.context
    ntp = next(e for e in report.endpoints if e.value == "pool.ntp.vendor-cloud.example")
    assert ntp.category == "ntp"
    assert ntp.confidence == "medium"
    by_id = {(f.id, f.location.path) for f in report.findings if f.id != "SPY505"}
    assert by_id == {("SPY501", "/usr/sbin/callhome.sh"), ("SPY502", "/usr/sbin/callhome.sh"),
                     ("SPY504", "/usr/sbin/callhome.sh"), ("SPY504", "/etc/config/system")}
    plain = next(f for f in report.findings if f.id == "SPY501")
    assert CALL_HOME in plain.message
    assert plain.severity.value == "medium"
    # One fact per value, however many places hold it.
    values = [(e.kind, e.value) for e in report.endpoints]
    assert len(values) == len(set(values))
    assert "analyzer:endpoints" in report.timings


def test_tplink_ddns_and_vendor_endpoints(tmp_path: Path) -> None:
    report = _scan(corpus_file(TPLINK), tmp_path)
    by_value = {e.value: e for e in report.endpoints}
    ddns = {v for v, e in by_value.items()
            if e.category == "ddns" and any(loc.path == "/usr/bin/httpd" for loc in e.locations)}
    assert ddns == {"members.dyndns.org", "dynupdate.no-ip.com", "dns.comexe.cn",
                    "hphwebservice.oray.net", "phservice2.oray.net"}
    for value in ddns:
        endpoint = by_value[value]
        assert endpoint.confidence == "high"
        assert endpoint.used_at_boot
        assert "boot: run from /etc/rc.d/rcS" in endpoint.context
    assert by_value["phservice2.oray.net"].context.startswith("/usr/bin/httpd: binary: key Host")
    assert by_value["tplinkwifi.net"].category == "vendor"
    assert by_value["www.tp-link.com"].category == "vendor"
    # The built-in NTP server list and a dhcp+ default server, compiled into httpd.
    public = {v for v, e in by_value.items() if e.kind == "ipv4" and e.ip_class == "public"
              and e.confidence != "low" and any(loc.path == "/usr/bin/httpd" for loc in e.locations)}
    assert {"133.100.9.2", "128.138.140.44", "192.43.244.18", "218.29.0.227"} <= public
    assert by_value["1.0.0.19"].confidence == "low"  # a version number next to dns_server=
    assert by_value["255.255.255.0"].ip_class == "netmask"
    ids = {(f.id, f.severity.value, f.tags) for f in report.findings if f.id != "SPY505"}
    assert ("SPY504", "info", ("ddns",)) in ids
    assert ("SPY503", "low", ()) in ids
    assert not any(f.id in ("SPY501", "SPY502") for f in report.findings)
    # No finding rests on the web UI's help pages.
    assert all(not (ev.location.path or "").startswith("/web/")
               for f in report.findings for ev in f.evidence)
    assert report.timings["analyzer:endpoints"] < 1.0


def _debian_tree() -> dict[str, bytes | str]:
    roots = sorted(DEBIAN.glob("*_mipsel")) if DEBIAN.is_dir() else []
    if len(roots) < 2:
        pytest.skip(f"Debian packages not unpacked under {DEBIAN} (scripts/build_images.py)")
    files: dict[str, bytes | str] = {}
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.is_symlink():
                files["/" + str(path.relative_to(root))] = path.read_bytes()
    return files


def test_clean_debian_tree_has_no_false_confident_endpoints(tmp_path: Path) -> None:
    """busybox-static and dropbear-bin (Debian 12, mipsel) as shipped, docs included."""
    report = scan_tree(tmp_path, _debian_tree(), file_analyzers=[],
                       image_analyzers=[Endpoints()])
    confident = [e for e in report.endpoints if e.confidence != "low"]
    docs = ("/usr/share/doc/", "/usr/share/man/")
    outside_docs = {(e.kind, e.value) for e in confident
                    if any(not (loc.path or "").startswith(docs) for loc in e.locations)}
    # Each of these is really an endpoint, compiled into a binary as written:
    assert outside_docs == {
        ("url", "https://github.com/gavinhoward/bc"),  # busybox bc's help text
        ("url", "http://www.debian.org/Bugs/"),  # busybox's bug-report banner
        ("email", "keld@dkuug.dk"),  # author address of busybox's locale code
        ("url", "https://matt.ucc.asn.au/dropbear/dropbear.html"),  # dropbear's home page
    }
    # The rest come from copyright files, changelogs and man pages (authors, bug links,
    # upstream sites): real addresses, in documentation, so facts without findings.
    in_docs = {(e.kind, e.value) for e in confident} - outside_docs
    assert len(in_docs) > 40
    assert {"url", "email", "domain", "ipv4"} >= {kind for kind, _ in in_docs}
    assert {("email", "torvalds@transmeta.com"), ("url", "ftp://ftp.busybox.net/busybox"),
            ("ipv4", "129.219.13.81"),  # the sample DNS server of udhcpd.conf's example
            ("domain", "host.example.com")} <= in_docs  # dbclient(1)'s example host
    # Only the e-mail addresses compiled into a binary make (info) findings.
    assert {(f.id, f.severity.value) for f in report.findings} == {("SPY505", "info")}
    assert {f.message for f in report.findings} == {"E-mail address keld@dkuug.dk"}
