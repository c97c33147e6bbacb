"""Application protocols and judgement: DNS naming, HTTP, telnet, FTP, NTP, uploads."""

from __future__ import annotations

from pathlib import Path

import pytest

from spyless.traffic import Allowlist, analyze_capture, exit_code
from spyless.traffic.allowlist import allowlist_from
from tests.unit.traffic import builders as b

pytest.importorskip("scapy", reason="scapy (test-only dependency) is not installed")
from scapy.layers.dns import DNS, DNSQR, DNSRR
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Ether

T0 = 1_700_000_000.0
DEV, SRV, RESOLVER = "192.168.1.20", "198.51.100.7", "192.168.1.1"


def capture(tmp_path: Path, packets: list[object]) -> Path:
    frames = [(T0 + i * 0.01, bytes(Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
                                    / p)) for i, p in enumerate(packets)]
    return b.write_pcap(tmp_path / "c.pcap", frames)


def dns_exchange(name: str, answers: list[object], resolver: str = RESOLVER,
                 ident: int = 1) -> list[object]:
    query = IP(src=DEV, dst=resolver) / UDP(sport=33000 + ident, dport=53) / DNS(
        id=ident, rd=1, qd=DNSQR(qname=name))
    reply = IP(src=resolver, dst=DEV) / UDP(sport=53, dport=33000 + ident) / DNS(
        id=ident, qr=1, qd=DNSQR(qname=name), an=answers)
    return [query, reply]


class Conversation:
    """A TCP connection between the device and a server, written segment by segment."""

    def __init__(self, server: str = SRV, port: int = 80, sport: int = 40000,
                 client: str = DEV) -> None:
        self.server_ip, self.port, self.sport, self.client_ip = server, port, sport, client
        self.seq = {True: 1000, False: 5000}
        self.packets: list[object] = []
        self._segment(True, b"", "S")
        self._segment(False, b"", "SA")

    def _segment(self, from_client: bool, data: bytes, flags: str = "PA") -> None:
        src, dst = (self.client_ip, self.server_ip) if from_client \
            else (self.server_ip, self.client_ip)
        sport, dport = (self.sport, self.port) if from_client else (self.port, self.sport)
        self.packets.append(IP(src=src, dst=dst) / TCP(
            sport=sport, dport=dport, seq=self.seq[from_client], ack=self.seq[not from_client],
            flags=flags) / data)
        self.seq[from_client] += len(data) + (1 if "S" in flags else 0)

    def client(self, data: bytes) -> Conversation:
        self._segment(True, data)
        return self

    def server(self, data: bytes) -> Conversation:
        self._segment(False, data)
        return self


def test_dns_cname_chain_names_the_destination(tmp_path: Path) -> None:
    packets = dns_exchange("api.vendor.example", [
        DNSRR(rrname="api.vendor.example", type="CNAME", rdata="edge.cdn.example"),
        DNSRR(rrname="edge.cdn.example", type="A", rdata=SRV)])
    packets += Conversation(port=443).client(b"\x17\x03\x03\x00\x01x").packets
    report = analyze_capture(capture(tmp_path, packets))
    dest = next(d for d in report.destinations if d.addresses == (SRV,))
    assert (dest.name, dest.aliases, dest.ports) == ("api.vendor.example",
                                                     ("edge.cdn.example",), ("tcp/443",))
    (query,) = report.dns
    assert (query.name, query.qtype, query.resolver, query.count, query.answers,
            query.rcode) == ("api.vendor.example", "A", RESOLVER, 1,
                             ("edge.cdn.example", SRV), "NOERROR")


def test_aaaa_answers_name_ipv6_flows(tmp_path: Path) -> None:
    packets = dns_exchange("v6.vendor.example",
                           [DNSRR(rrname="v6.vendor.example", type="AAAA", rdata="2001:db8::7")])
    packets.append(IPv6(src="fd00::20", dst="2001:db8::7") / UDP(sport=1234, dport=4433) /
                   b"hello")
    report = analyze_capture(capture(tmp_path, packets))
    names = {d.name: d.addresses for d in report.destinations}
    assert names == {"v6.vendor.example": ("2001:db8::7",), RESOLVER: (RESOLVER,)}


def test_undeclared_resolver_is_flagged(tmp_path: Path) -> None:
    packets = dns_exchange("a.example", [DNSRR(rrname="a.example", rdata="192.0.2.1")]) + \
        dns_exchange("b.example", [], resolver="8.8.8.8", ident=2)
    allow = allowlist_from({"network": {"dns_resolvers": [RESOLVER]}})
    report = analyze_capture(capture(tmp_path, packets), allowed=allow)
    assert [(f.id, f.message) for f in report.findings] == [
        ("SPY522", "DNS queries to 8.8.8.8, which is not a declared resolver")]
    assert [(q.resolver, q.declared_resolver) for q in report.dns] == [
        (RESOLVER, True), ("8.8.8.8", False)]
    assert exit_code(report) == 1


def test_http_keep_alive_requests_and_basic_auth(tmp_path: Path) -> None:
    body = b"k=v&x=1"
    conv = Conversation().client(
        b"POST /api/v1/telemetry HTTP/1.1\r\nHost: t.vendor.example\r\nContent-Length: 7\r\n"
        b"User-Agent: fw/1.0\r\n\r\n" + body[:3]).client(body[3:]) \
        .server(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n") \
        .client(b"GET /index.html HTTP/1.1\r\nHost: t.vendor.example\r\n"
                b"Authorization: Basic YWRtaW46czNjcmV0\r\n\r\n")
    report = analyze_capture(capture(tmp_path, conv.packets))
    (flow,) = report.flows
    assert [(r.method, r.host, r.target, r.user_agent) for r in flow.http] == [
        ("POST", "t.vendor.example", "/api/v1/telemetry", "fw/1.0"),
        ("GET", "t.vendor.example", "/index.html", None)]
    assert [(f.id, f.evidence[0].excerpt, f.evidence[0].secret) for f in report.findings] == [
        ("SPY523", "frame 6: Authorization: Basic YWRtaW46czNjcmV0", "YWRtaW46czNjcmV0"),
        ("SPY527", "frame 3: POST http://t.vendor.example/api/v1/telemetry", None)]
    assert "user 'admin'" in report.findings[0].message
    assert "s3cret" not in report.findings[0].message
    assert exit_code(report) == 1


def test_telnet_login_character_at_a_time(tmp_path: Path) -> None:
    conv = Conversation(port=23).server(b"\xff\xfd\x18\xff\xfb\x01").server(b"router login: ")
    for char in b"root\r\n":
        conv.client(bytes([char]))
    conv.server(b"root\r\nPassword: ").client(b"\xff\xfc\x01t00r").client(b"\x7fr\r\n")
    report = analyze_capture(capture(tmp_path, conv.packets))
    (finding,) = report.findings
    assert finding.id == "SPY524"
    assert finding.evidence[0].secret == "t00r"
    assert finding.evidence[0].excerpt.endswith("login: root / Password: t00r")
    assert report.flows[0].application == "telnet"


def test_ftp_login_on_any_port(tmp_path: Path) -> None:
    conv = Conversation(port=2121).server(b"220 ready\r\n").client(b"USER bob\r\n") \
        .server(b"331 password\r\n").client(b"PASS hunter2\r\n")
    report = analyze_capture(capture(tmp_path, conv.packets))
    (finding,) = report.findings
    assert (finding.id, finding.severity.value, finding.evidence[0].secret) == \
        ("SPY525", "high", "hunter2")
    assert "user 'bob'" in finding.message


def test_anonymous_ftp_is_low_and_does_not_fail(tmp_path: Path) -> None:
    conv = Conversation(port=21).server(b"220 ready\r\n").client(b"USER anonymous\r\n") \
        .client(b"PASS guest@\r\n")
    report = analyze_capture(capture(tmp_path, conv.packets))
    assert [(f.id, f.severity.value) for f in report.findings] == [("SPY525", "low")]
    assert exit_code(report) == 0


def test_ftp_with_auth_tls_has_no_finding(tmp_path: Path) -> None:
    conv = Conversation(port=21).server(b"220 ready\r\n").client(b"AUTH TLS\r\n") \
        .client(b"\x16\x03\x01whatever")
    assert analyze_capture(capture(tmp_path, conv.packets)).findings == ()


def test_ntp_client_packets(tmp_path: Path) -> None:
    packets = dns_exchange("pool.ntp.example", [DNSRR(rrname="pool.ntp.example",
                                                      rdata="192.0.2.123")])
    packets.append(IP(src=DEV, dst="192.0.2.123") / UDP(sport=123, dport=123) /
                   (b"\x23" + bytes(47)))
    report = analyze_capture(capture(tmp_path, packets))
    ntp = next(f for f in report.flows if f.remote_port == 123)
    assert (ntp.application, ntp.name, ntp.local) == ("ntp", "pool.ntp.example", DEV)


def test_large_upload_counts_payload_not_acks(tmp_path: Path) -> None:
    chunk = bytes(60000)
    up = Conversation(port=8443)
    down = Conversation(server="198.51.100.8", port=8443, sport=40001)
    for _ in range(20):
        up.client(chunk)
        down.server(chunk)
        for _ in range(30):  # many ACKs: 1.2 MB of IP bytes the other way, no payload
            down.client(b"")
    report = analyze_capture(capture(tmp_path, up.packets + down.packets))
    assert [(f.id, f.message) for f in report.findings] == [
        ("SPY526", "1200000 bytes of payload sent to an unjudged destination 198.51.100.7 "
                   "(threshold 1000000)")]
    assert analyze_capture(capture(tmp_path, up.packets), upload_threshold=2_000_000) \
        .findings == ()


AGREEMENT = {
    "endpoints": [
        {"host": "api.vendor.example", "ports": [443], "purpose": "cloud"},
        {"host": "*.ntp.example", "purpose": "time"},
        {"host": "192.0.2.0/24", "ports": [53], "purpose": "dns"},
    ],
    "network": {"dns_resolvers": [RESOLVER]},
    "waivers": {"anything": "else"},
}


def test_agreement_judges_every_destination(tmp_path: Path) -> None:
    packets = dns_exchange("api.vendor.example", [DNSRR(rrname="api.vendor.example",
                                                        rdata=SRV)])
    packets += dns_exchange("a.b.ntp.example", [DNSRR(rrname="a.b.ntp.example",
                                                      rdata="203.0.113.123")], ident=2)
    packets += Conversation(port=443).client(b.client_hello("api.vendor.example")).packets
    packets.append(IP(src=DEV, dst="203.0.113.123") / UDP(sport=123, dport=123) /
                   (b"\x23" + bytes(47)))
    allow = allowlist_from(AGREEMENT, "agreement.toml")
    report = analyze_capture(capture(tmp_path, packets), allowed=allow)
    verdicts = {d.name: (d.allowed, d.rule) for d in report.destinations}
    assert verdicts == {"api.vendor.example": (True, "api.vendor.example:443 (cloud)"),
                        "a.b.ntp.example": (True, "*.ntp.example (time)"),
                        RESOLVER: (True, "declared DNS resolver")}
    assert report.findings == ()
    assert exit_code(report) == 0
    # the same name on another port is not allowed
    packets += Conversation(port=80, sport=40002).client(
        b"GET / HTTP/1.1\r\nHost: api.vendor.example\r\n\r\n").packets
    report = analyze_capture(capture(tmp_path, packets), allowed=allow)
    (finding,) = report.findings
    assert (finding.id, finding.severity.value) == ("SPY520", "high")
    assert finding.message.startswith("api.vendor.example (198.51.100.7) on tcp/80: ")
    assert exit_code(report) == 1


def test_undeclared_private_multicast_and_inbound(tmp_path: Path) -> None:
    packets = [IP(src=DEV, dst="192.168.1.50") / UDP(sport=5000, dport=6000) / b"x",
               IP(src=DEV, dst="239.255.255.250") / UDP(sport=1900, dport=1900) / b"M-SEARCH",
               *Conversation(server="192.168.1.99", port=22, sport=50000,
                             client=DEV).packets]
    report = analyze_capture(capture(tmp_path, packets), allowed=Allowlist(),
                             device="192.168.1.99")
    assert [(f.id, f.severity.value, f.tags) for f in report.findings] == [
        ("SPY521", "low", ("private",))]
    report = analyze_capture(capture(tmp_path, packets), allowed=Allowlist())
    assert sorted((f.id, f.severity.value, f.tags) for f in report.findings) == [
        ("SPY520", "medium", ("private",)), ("SPY520", "medium", ("private",)),
        ("SPY521", "low", ("multicast",))]


def test_device_option_orients_flows(tmp_path: Path) -> None:
    packets = [IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=7000, dport=7001) / b"abc"]
    (flow,) = analyze_capture(capture(tmp_path, packets), device="10.0.0.2").flows
    assert (flow.local, flow.remote, flow.packets_in, flow.packets_out) == \
        ("10.0.0.2", "10.0.0.1", 1, 0)
