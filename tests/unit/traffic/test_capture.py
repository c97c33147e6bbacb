"""Reading captures: pcap in both byte orders and time units, pcapng blocks, link types."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from spyless.errors import InputError
from spyless.traffic import analyze_capture
from tests.unit.traffic import builders as b

pytest.importorskip("scapy", reason="scapy (test-only dependency) is not installed")
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Ether

T0 = 1_700_000_000.0
SYN = IP(src="192.168.1.20", dst="203.0.113.5") / TCP(sport=40000, dport=443, flags="S")
UDP4 = IP(src="192.168.1.20", dst="198.51.100.9") / UDP(sport=5000, dport=9999) / (b"x" * 100)
UDP6 = IPv6(src="fd00::20", dst="2001:db8::9") / UDP(sport=5001, dport=9999) / (b"y" * 50)


def eth(packet: object) -> bytes:
    return bytes(Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / packet)


def flows(report: object) -> dict[tuple[str, int], tuple[int, int, int]]:
    return {(f.remote, f.remote_port): (f.packets_out, f.bytes_out, f.packets_in)
            for f in report.flows}  # type: ignore[attr-defined]


@pytest.mark.parametrize(("endian", "nano"), [("<", False), (">", False), ("<", True),
                                              (">", True)])
def test_pcap_byte_orders_and_time_units(tmp_path: Path, endian: str, nano: bool) -> None:
    path = b.write_pcap(tmp_path / "c.pcap", [(T0 + 0.25, eth(SYN)),
                                              (T0 + 1.000125, eth(UDP4))],
                        endian=endian, nano=nano)
    report = analyze_capture(path)
    assert report.capture.format == ("pcap-ns" if nano else "pcap")
    assert report.capture.packets == 2
    assert report.capture.bytes == 54 + 14 + 128
    assert report.capture.first_seen == pytest.approx(T0 + 0.25, abs=1e-6)
    assert report.capture.duration == pytest.approx(0.750125, abs=1e-6)
    assert flows(report) == {("203.0.113.5", 443): (1, 40, 0),
                             ("198.51.100.9", 9999): (1, 128, 0)}
    assert report.capture.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_pcapng_interfaces_with_different_link_types(tmp_path: Path) -> None:
    sll2 = (b"\x08\x00" + bytes(2) + (1).to_bytes(4, "big") + b"\x00\x01\x00\x06"
            + bytes(8) + bytes(UDP4))
    data = (b.pcapng_section() + b.pcapng_interface(1, tsresol=9)
            + b.pcapng_interface(101) + b.pcapng_other() + b.pcapng_interface(276)
            + b.pcapng_epb(0, T0 + 1, eth(SYN), ticks=1e9)
            + b.pcapng_epb(1, T0 + 2, bytes(UDP6))
            + b.pcapng_epb(2, T0 + 3, sll2)
            + b.pcapng_legacy(1, T0 + 4, bytes(UDP4))
            + b.pcapng_spb(eth(SYN)))
    path = tmp_path / "c.pcapng"
    path.write_bytes(data)
    report = analyze_capture(path)
    assert report.capture.format == "pcapng"
    assert report.capture.link_types == (1, 101, 276)
    assert report.capture.packets == 5
    assert report.capture.first_seen == pytest.approx(T0 + 1)
    assert report.capture.last_seen == pytest.approx(T0 + 4)
    assert report.capture.undecoded_packets == 0
    assert flows(report) == {("203.0.113.5", 443): (2, 80, 0),
                             ("2001:db8::9", 9999): (1, 98, 0),
                             ("198.51.100.9", 9999): (2, 256, 0)}


def test_pcapng_big_endian_and_second_section(tmp_path: Path) -> None:
    data = (b.pcapng_section(">") + b.pcapng_interface(101, ">")
            + b.pcapng_epb(0, T0, bytes(UDP4), ">")
            + b.pcapng_section("<") + b.pcapng_interface(1)
            + b.pcapng_epb(0, T0 + 1, eth(UDP4)))
    path = tmp_path / "c.pcapng"
    path.write_bytes(data)
    report = analyze_capture(path)
    assert report.capture.packets == 2
    assert flows(report) == {("198.51.100.9", 9999): (2, 256, 0)}


@pytest.mark.parametrize(("link", "header"), [
    (0, (2).to_bytes(4, "little")),  # BSD loopback, written on a little-endian host
    (108, (2).to_bytes(4, "big")),  # OpenBSD loopback
    (113, b"\x00\x04\x00\x01\x00\x06" + bytes(8) + b"\x08\x00"),  # Linux cooked (SLL)
    (228, b""),  # raw IPv4
])
def test_link_types(tmp_path: Path, link: int, header: bytes) -> None:
    path = b.write_pcap(tmp_path / "c.pcap", [(T0, header + bytes(UDP4))], linktype=link)
    assert flows(analyze_capture(path)) == {("198.51.100.9", 9999): (1, 128, 0)}


def test_null_link_type_with_ipv6(tmp_path: Path) -> None:
    path = b.write_pcap(tmp_path / "c.pcap", [(T0, (30).to_bytes(4, "little") + bytes(UDP6))],
                        linktype=0)
    assert flows(analyze_capture(path)) == {("2001:db8::9", 9999): (1, 98, 0)}


def test_capture_cut_inside_a_record_keeps_what_came_before(tmp_path: Path) -> None:
    path = b.write_pcap(tmp_path / "c.pcap", [(T0, eth(SYN)), (T0 + 1, eth(UDP4))])
    path.write_bytes(path.read_bytes()[:-30])
    report = analyze_capture(path)
    assert report.capture.packets == 1
    assert report.capture.warnings == ("capture ends inside the packet at offset 94",)


def test_corrupt_record_length_stops_reading_with_a_warning(tmp_path: Path) -> None:
    path = b.write_pcap(tmp_path / "c.pcap", [(T0, eth(SYN))])
    path.write_bytes(path.read_bytes() + b"\x00" * 8 + b"\xff\xff\xff\x7f" + b"\x00" * 40)
    report = analyze_capture(path)
    assert report.capture.packets == 1
    assert "corrupt record header at offset 94" in report.capture.warnings[0]


@pytest.mark.parametrize(("content", "message"), [
    (b"", "not a pcap or pcapng capture (empty file)"),
    (b"hello world, not a capture", "not a pcap or pcapng capture (starts with 68656c6c)"),
    (b"\xd4\xc3\xb2\xa1\x02\x00", "pcap file shorter than its 24-byte header"),
])
def test_not_a_capture_is_one_input_error(tmp_path: Path, content: bytes,
                                          message: str) -> None:
    path = tmp_path / "bad.pcap"
    path.write_bytes(content)
    with pytest.raises(InputError, match="^" + str(path).replace(".", r"\.") + ": ") as info:
        analyze_capture(path)
    assert info.value.diagnostics().endswith(message)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read capture"):
        analyze_capture(tmp_path / "absent.pcap")
    with pytest.raises(InputError, match="is a directory"):
        analyze_capture(tmp_path)
