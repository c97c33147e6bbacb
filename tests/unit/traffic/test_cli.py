"""``spyless traffic``: exit codes, the JSON report, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spyless.cli.main import main
from tests.unit.traffic import builders as b

pytest.importorskip("scapy", reason="scapy (test-only dependency) is not installed")
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.l2 import Ether

PACKETS = [
    IP(src="192.168.1.20", dst="198.51.100.7") / TCP(sport=40000, dport=80, flags="S", seq=9),
    IP(src="192.168.1.20", dst="198.51.100.7") / TCP(sport=40000, dport=80, flags="PA", seq=10)
    / b"GET / HTTP/1.1\r\nHost: cloud.vendor.example\r\nAuthorization: Basic dTpwYXNzd29yZA==\r\n\r\n",
    IP(src="192.168.1.20", dst="192.0.2.123") / UDP(sport=123, dport=123) / (b"\x23" + bytes(47)),
]


@pytest.fixture
def pcap(tmp_path: Path) -> Path:
    frames = [(1_700_000_000 + i, bytes(Ether(dst="02:00:00:00:00:01") / p))
              for i, p in enumerate(PACKETS)]
    return b.write_pcap(tmp_path / "device.pcap", frames)


def test_report_and_exit_codes(tmp_path: Path, pcap: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    agreement = tmp_path / "agreement.toml"
    agreement.write_text('[[endpoints]]\nhost = "192.0.2.123"\nports = [123]\n'
                         'purpose = "time"\n', encoding="utf-8")
    out = tmp_path / "r.json"
    assert main(["traffic", str(pcap), "--agreement", str(agreement), "-o", str(out)]) == 1
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["capture"]["packets"] == 3
    assert [(d["name"], d["allowed"], d["bytes_out"]) for d in report["destinations"]] == [
        ("cloud.vendor.example", False, 40 + 40 + 85), ("192.0.2.123", True, 76)]
    assert [f["id"] for f in report["findings"]] == ["SPY520", "SPY523"]
    assert report["findings"][1]["evidence"][0]["excerpt"] == \
        "frame 2: Authorization: Basic dT************=="
    assert "dTpwYXNzd29yZA==" not in out.read_text(encoding="utf-8")
    assert "cloud.vendor.example" in capsys.readouterr().out


def test_no_agreement_judges_only_credentials(pcap: Path) -> None:
    assert main(["traffic", str(pcap), "-q"]) == 1
    clean = pcap.with_name("clean.pcap")
    b.write_pcap(clean, [(1.0, bytes(Ether(dst="02:00:00:00:00:01") / PACKETS[2]))])
    assert main(["traffic", str(clean), "-q"]) == 0


def test_errors_are_one_line_and_exit_2(tmp_path: Path, pcap: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.pcap"
    bad.write_bytes(b"nope")
    assert main(["traffic", str(bad)]) == 2
    assert capsys.readouterr().err == \
        f"spyless: error: {bad}: not a pcap or pcapng capture (starts with 6e6f7065)\n"
    assert main(["traffic", str(pcap), "--device", "not-an-ip"]) == 2
    assert "is not an IP address" in capsys.readouterr().err
