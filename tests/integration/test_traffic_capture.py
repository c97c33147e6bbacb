"""A real capture: curl and dig talk to servers this test starts on loopback, tcpdump (or
tshark) records it, and ``spyless traffic`` must find what really crossed the wire.

Servers: plain HTTP and TLS (self-signed certificate made with ``cryptography``) on
127.0.0.1, a tiny DNS responder on [::1]:53. Traffic never leaves loopback. Expected
byte counts come from scapy reading the same file, an independent decoder.
"""

from __future__ import annotations

import datetime
import http.server
import json
import shutil
import socket
import ssl
import struct
import subprocess
import threading
import time
from pathlib import Path

import pytest

from spyless.cli import main as cli_main
from spyless.traffic import analyze_capture, exit_code, load_allowlist

pytestmark = pytest.mark.tools


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        body = b"ok\n" * 10
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def _serve(server: http.server.HTTPServer) -> None:
    threading.Thread(target=server.serve_forever, daemon=True).start()


def _certificate(tmp: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "device-cloud.test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1)
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("device-cloud.test")]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def _dns_responder(sock: socket.socket) -> None:
    """Answer every A query with 127.0.0.1 (RFC 1035 layout, name by pointer to 0x0c)."""
    while True:
        try:
            query, peer = sock.recvfrom(512)
        except OSError:
            return
        end = query.index(b"\x00", 12) + 5
        answer = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + socket.inet_aton("127.0.0.1")
        sock.sendto(query[:2] + b"\x81\x80" + query[4:6] + b"\x00\x01\x00\x00\x00\x00"
                    + query[12:end] + answer, peer)


def _recorder(path: Path, bpf: str) -> list[str]:
    if shutil.which("tcpdump"):
        return ["tcpdump", "-i", "lo", "-U", "-s", "0", "-w", str(path), bpf]
    if shutil.which("tshark"):
        return ["tshark", "-i", "lo", "-F", "pcapng", "-w", str(path), "-f", bpf]
    pytest.skip("neither tcpdump nor tshark is installed (Debian packages tcpdump, tshark)")


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    for tool in ("curl", "dig"):
        if not shutil.which(tool):
            pytest.skip(f"{tool} is not installed (Debian packages curl, dnsutils)")
    tmp = tmp_path_factory.mktemp("traffic")
    dns = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    try:
        dns.bind(("::1", 53))
    except OSError as e:
        pytest.skip(f"cannot run a DNS responder on [::1]:53: {e}")
    threading.Thread(target=_dns_responder, args=(dns,), daemon=True).start()
    plain = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    tls = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*_certificate(tmp))
    tls.socket = context.wrap_socket(tls.socket, server_side=True)
    _serve(plain)
    _serve(tls)
    hport, tport = plain.server_address[1], tls.server_address[1]
    pcap = tmp / "device.pcap"
    bpf = f"port 53 or port {hport} or port {tport}"
    recorder = subprocess.Popen(_recorder(pcap, bpf), stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
    try:
        assert recorder.stderr is not None
        line = recorder.stderr.readline().decode(errors="replace")  # "listening on lo, ..."
        if recorder.poll() is not None:
            pytest.skip(f"cannot capture on lo: {line.strip()}")
        time.sleep(0.5)
        subprocess.run(["dig", "@::1", "api.vendor.test", "A", "+tries=1", "+time=3"],
                       check=True, capture_output=True, timeout=30)
        subprocess.run(["curl", "-s", "-u", "fwuser:Upd4te!", "--resolve",
                        f"api.vendor.test:{hport}:127.0.0.1",
                        f"http://api.vendor.test:{hport}/firmware/check?v=1",
                        f"http://api.vendor.test:{hport}/index.html"],
                       check=True, capture_output=True, timeout=30)
        subprocess.run(["curl", "-s", "-k", "--resolve", f"device-cloud.test:{tport}:127.0.0.1",
                        f"https://device-cloud.test:{tport}/"],
                       check=True, capture_output=True, timeout=30)
        time.sleep(1.0)
    finally:
        recorder.terminate()
        recorder.wait(timeout=10)
        plain.shutdown()
        tls.shutdown()
        dns.close()
    return {"pcap": pcap, "http": hport, "tls": tport, "tmp": tmp}


def _expected(pcap: Path) -> dict[tuple[str, int, str, int], tuple[int, int]]:
    """(src, sport, dst, dport) -> (packets, IP bytes), read by scapy."""
    from scapy.layers.inet import IP, TCP, UDP
    from scapy.layers.inet6 import IPv6
    from scapy.utils import rdpcap

    sums: dict[tuple[str, int, str, int], tuple[int, int]] = {}
    for packet in rdpcap(str(pcap)):
        ip = packet[IP] if IP in packet else packet[IPv6]
        l4 = packet[TCP] if TCP in packet else packet[UDP]
        size = ip.len if IP in packet else 40 + ip.plen
        key = (ip.src, l4.sport, ip.dst, l4.dport)
        n, total = sums.get(key, (0, 0))
        sums[key] = (n + 1, total + size)
    return sums


def test_flows_match_an_independent_decoder(recorded: dict[str, object]) -> None:
    pytest.importorskip("scapy", reason="scapy (test-only dependency) is not installed")
    pcap = recorded["pcap"]
    assert isinstance(pcap, Path)
    report = analyze_capture(pcap)
    expected = _expected(pcap)
    for flow in report.flows:
        out = expected.get((flow.local, flow.local_port, flow.remote, flow.remote_port), (0, 0))
        back = expected.get((flow.remote, flow.remote_port, flow.local, flow.local_port), (0, 0))
        assert (flow.packets_out, flow.bytes_out, flow.packets_in, flow.bytes_in) == \
            (*out, *back), flow
    assert sum(f.packets_out + f.packets_in for f in report.flows) == report.capture.packets
    assert report.capture.undecoded_packets == 0


def test_destinations_names_and_findings(recorded: dict[str, object]) -> None:
    pcap, hport, tport, tmp = (recorded[k] for k in ("pcap", "http", "tls", "tmp"))
    assert isinstance(pcap, Path)
    assert isinstance(tmp, Path)
    report = analyze_capture(pcap)
    dests = {d.name: (d.addresses, d.ports, d.protocols, d.flows) for d in report.destinations}
    assert dests == {
        "api.vendor.test": (("127.0.0.1",), (f"tcp/{hport}",), ("http",), 1),
        "device-cloud.test": (("127.0.0.1",), (f"tcp/{tport}",), ("tls",), 1),
        "::1": (("::1",), ("udp/53",), ("dns",), 1),
    }
    (query,) = report.dns
    assert (query.name, query.qtype, query.resolver, query.count, query.answers) == \
        ("api.vendor.test", "A", "::1", 1, ("127.0.0.1",))
    (http_flow,) = (f for f in report.flows if f.application == "http")
    assert [(r.method, r.host, r.target) for r in http_flow.http] == [
        ("GET", f"api.vendor.test:{hport}", "/firmware/check?v=1"),
        ("GET", f"api.vendor.test:{hport}", "/index.html")]
    assert [(f.id, f.evidence[0].secret) for f in report.findings] == [
        ("SPY523", "Znd1c2VyOlVwZDR0ZSE="), ("SPY527", None)]
    agreement = tmp / "agreement.toml"
    agreement.write_text(f'[[endpoints]]\nhost = "device-cloud.test"\nports = [{tport}]\n'
                         'purpose = "cloud"\n[network]\ndns_resolvers = ["::1"]\n',
                         encoding="utf-8")
    judged = analyze_capture(pcap, allowed=load_allowlist(agreement))
    assert {d.name: d.allowed for d in judged.destinations} == {
        "api.vendor.test": False, "device-cloud.test": True, "::1": True}
    assert [(f.id, f.severity.value) for f in judged.findings] == [
        ("SPY523", "high"), ("SPY520", "medium"), ("SPY527", "medium")]
    assert exit_code(judged) == 1


def test_cli_on_the_capture(recorded: dict[str, object],
                            capsys: pytest.CaptureFixture[str]) -> None:
    pcap = recorded["pcap"]
    assert cli_main.main(["traffic", str(pcap), "-o", "-"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["capture"]["file"] == "device.pcap"
    assert sorted(d["name"] for d in report["destinations"]) == [
        "::1", "api.vendor.test", "device-cloud.test"]
    assert "Upd4te!" not in json.dumps(report)
