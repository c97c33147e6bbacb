"""Decoding edge cases: VLAN tags, IPv6, fragments, truncation, TCP reassembly, TLS SNI."""

from __future__ import annotations

from pathlib import Path

import pytest

from spyless.traffic import analyze_capture
from tests.unit.traffic import builders as b

pytest.importorskip("scapy", reason="scapy (test-only dependency) is not installed")
from scapy.layers.inet import IP, TCP, UDP, fragment
from scapy.layers.inet6 import IPv6, fragment6
from scapy.layers.inet6 import IPv6ExtHdrFragment as Frag6
from scapy.layers.l2 import Dot1AD, Dot1Q, Ether

T0 = 1_700_000_000.0
DEV, SRV = "192.168.1.20", "203.0.113.5"


def eth(packet: object) -> bytes:
    return bytes(Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / packet)


def capture(tmp_path: Path, packets: list[object], snaplen: int = 262144) -> Path:
    frames = [(T0 + i * 0.01, eth(p)) for i, p in enumerate(packets)]
    return b.write_pcap(tmp_path / "c.pcap", frames, snaplen=snaplen)


def tcp(payload: bytes, seq: int, flags: str = "PA", src: str = DEV, dst: str = SRV,
        sport: int = 40000, dport: int = 443) -> object:
    return IP(src=src, dst=dst) / TCP(sport=sport, dport=dport, seq=seq, ack=1,
                                      flags=flags) / payload


def handshake(sport: int = 40000, dport: int = 443) -> list[object]:
    return [IP(src=DEV, dst=SRV) / TCP(sport=sport, dport=dport, seq=999, flags="S"),
            IP(src=SRV, dst=DEV) / TCP(sport=dport, dport=sport, seq=0, ack=1000, flags="SA"),
            IP(src=DEV, dst=SRV) / TCP(sport=sport, dport=dport, seq=1000, ack=1, flags="A")]


def test_vlan_and_qinq_tags(tmp_path: Path) -> None:
    inner = IP(src=DEV, dst=SRV) / UDP(sport=5000, dport=9000) / (b"v" * 20)
    frames = [(T0, bytes(Ether() / Dot1Q(vlan=10) / inner)),
              (T0 + 1, bytes(Ether() / Dot1AD(vlan=20) / Dot1Q(vlan=30) / inner))]
    report = analyze_capture(b.write_pcap(tmp_path / "c.pcap", frames))
    (flow,) = report.flows
    assert (flow.remote, flow.remote_port, flow.packets_out, flow.bytes_out) == \
        (SRV, 9000, 2, 96)
    assert report.capture.undecoded_packets == 0


def test_client_hello_split_over_two_segments_out_of_order(tmp_path: Path) -> None:
    hello = b.client_hello("telemetry.vendor.example", pad=900)
    first, second = hello[:100], hello[100:]
    packets = [*handshake(), tcp(second, 1100), tcp(first, 1000)]
    report = analyze_capture(capture(tmp_path, packets))
    (flow,) = report.flows
    assert (flow.application, flow.sni, flow.alpn) == ("tls", "telemetry.vendor.example",
                                                       ("h2",))
    assert (flow.packets_out, flow.packets_in, flow.payload_out) == (4, 1, len(hello))
    assert report.destinations[0].name == "telemetry.vendor.example"


def test_client_hello_with_missing_first_segment_gives_no_name(tmp_path: Path) -> None:
    hello = b.client_hello("lost.vendor.example")
    report = analyze_capture(capture(tmp_path, [tcp(hello[60:], 1060), tcp(b"\x17" * 40, 2000)]))
    (flow,) = report.flows
    assert flow.sni is None
    assert report.destinations[0].name == SRV


def test_client_hello_retransmitted_and_overlapping(tmp_path: Path) -> None:
    hello = b.client_hello("api.vendor.example")
    packets = [*handshake(), tcp(hello[:50], 1000), tcp(hello[:50], 1000),
               tcp(hello[30:], 1030)]
    (flow,) = analyze_capture(capture(tmp_path, packets)).flows
    assert flow.sni == "api.vendor.example"


def test_ipv4_fragments_are_reassembled_and_counted(tmp_path: Path) -> None:
    datagram = IP(src=DEV, dst=SRV, id=77) / UDP(sport=5000, dport=9000) / (b"f" * 3000)
    pieces = fragment(datagram, fragsize=1200)
    assert len(pieces) == 3
    report = analyze_capture(capture(tmp_path, [pieces[2], pieces[0], pieces[1]]))
    (flow,) = report.flows
    assert (flow.remote_port, flow.packets_out, flow.payload_out) == (9000, 3, 3000)
    assert flow.bytes_out == sum(len(bytes(p)) for p in pieces)
    assert (report.capture.fragments, report.capture.fragments_unassembled) == (3, 0)


def test_lost_fragment_still_attributed_by_the_first(tmp_path: Path) -> None:
    datagram = IP(src=DEV, dst=SRV, id=78) / UDP(sport=5000, dport=9000) / (b"f" * 3000)
    pieces = fragment(datagram, fragsize=1200)
    report = analyze_capture(capture(tmp_path, [pieces[0], pieces[2]]))
    (flow,) = report.flows
    assert (flow.remote_port, flow.packets_out) == (9000, 2)
    assert flow.bytes_out == len(bytes(pieces[0])) + len(bytes(pieces[2]))
    assert (report.capture.fragments, report.capture.fragments_unassembled) == (2, 2)


def test_ipv6_fragments(tmp_path: Path) -> None:
    datagram = IPv6(src="fd00::20", dst="2001:db8::5") / Frag6(id=9) / \
        UDP(sport=5000, dport=9000) / (b"6" * 2500)
    pieces = fragment6(datagram, 1280)
    report = analyze_capture(capture(tmp_path, list(pieces)))
    (flow,) = report.flows
    assert (flow.remote, flow.remote_port, flow.packets_out, flow.payload_out) == \
        ("2001:db8::5", 9000, len(pieces), 2500)
    assert report.capture.fragments == len(pieces) == 3


def test_truncated_packets_never_crash_and_count_wire_bytes(tmp_path: Path) -> None:
    request = b"GET /x HTTP/1.1\r\nHost: h.example\r\nAuthorization: Basic YTpi\r\n\r\n"
    packets = [*handshake(dport=80), tcp(request, 1000, dport=80),
               IPv6(src="fd00::20", dst="2001:db8::5") / UDP(sport=1, dport=2) / bytes(300)]
    for snap in (14, 20, 40, 54, 60, 70):
        report = analyze_capture(capture(tmp_path, packets, snaplen=snap))
        assert report.capture.packets == 5
        assert report.capture.truncated_packets >= 2
        assert not report.findings, snap
    report = analyze_capture(capture(tmp_path, packets, snaplen=60))
    http = next(f for f in report.flows if f.remote_port == 80)
    assert (http.packets_out, http.bytes_out, http.payload_out) == (3, 40 * 3 + len(request),
                                                                    len(request))
    assert http.http == ()


def test_garbage_after_headers_is_undecoded_not_a_crash(tmp_path: Path) -> None:
    mac = bytes(12)
    frames = [(T0, mac + b"\x08\x00\x4f" + bytes(30)),  # header length beyond the packet
              (T0, mac + b"\x86\xdd\x60" + bytes(10)),  # IPv6 shorter than its header
              (T0, mac + b"\x08\x06" + bytes(28)),  # ARP
              (T0, eth(IP(src=DEV, dst=SRV, ihl=15) / b"abc")),  # options longer than it
              (T0, mac[:10])]
    report = analyze_capture(b.write_pcap(tmp_path / "c.pcap", frames))
    assert report.capture.packets == 5
    assert report.capture.undecoded_packets == 5


def test_mutated_captures_never_crash(tmp_path: Path) -> None:
    import random

    hello = b.client_hello("fuzz.vendor.example")
    packets = [*handshake(), tcp(hello, 1000),
               tcp(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n", 1000, sport=40001, dport=80),
               IP(src=DEV, dst=SRV, id=5, flags="MF") / UDP(sport=53, dport=53) / bytes(40),
               IPv6(src="fd00::1", dst="2001:db8::1") / UDP(sport=5353, dport=53) / bytes(30)]
    original = capture(tmp_path, packets).read_bytes()
    rng = random.Random(4)
    path = tmp_path / "m.pcap"
    for _ in range(300):
        data = bytearray(original)
        for _ in range(rng.randint(1, 12)):
            data[rng.randrange(24, len(data))] = rng.randrange(256)
        path.write_bytes(bytes(data))
        report = analyze_capture(path)  # the file header is never mutated: no InputError
        assert report.capture.packets <= len(packets)
