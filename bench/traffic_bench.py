"""Traffic analysis throughput: MB/s of capture and peak memory, against tshark.

Generates a ~200 MB pcap into /dev/shm from a few template packets (a device resolving a
name, opening TLS or HTTP connections, downloading, acknowledging, syncing time) with
varying addresses and ports, written with ``struct`` because scapy is far too slow for
that volume. Then runs ``spyless.traffic.analyze_capture`` N times, each in a fresh
process so that peak RSS is its own, and ``tshark -q -z conv,ip`` once if present.

    .venv/bin/python bench/traffic_bench.py [--size-mb 200] [--runs 3] [--keep]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import struct
import subprocess
import sys
import time
from pathlib import Path

_ETH = bytes(6) + bytes.fromhex("020000000001") + b"\x08\x00"
_RUNNER = """
import resource, sys, time
from spyless.traffic import analyze_capture
t = time.perf_counter()
r = analyze_capture(sys.argv[1])
elapsed = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(elapsed, rss, r.capture.packets, len(r.flows), len(r.destinations), len(r.findings))
"""


def _ip(src: bytes, dst: bytes, proto: int, payload: bytes) -> bytes:
    return struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0x4000, 64, proto, 0,
                       src, dst) + payload


def _tcp(sport: int, dport: int, seq: int, ack: int, flags: int, data: bytes = b"") -> bytes:
    return struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 0x50, flags, 65535, 0, 0) + data


def _udp(sport: int, dport: int, data: bytes) -> bytes:
    return struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data


def _client_hello(name: bytes) -> bytes:
    sni = struct.pack("!HBH", len(name) + 3, 0, len(name)) + name
    # a padding extension (RFC 7685) stands in for the others a real client sends
    ext = struct.pack("!HH", 0, len(sni)) + sni + struct.pack("!HH", 21, 176) + bytes(176)
    body = b"\x03\x03" + bytes(32) + b"\x00" + b"\x00\x04\x13\x01\x13\x02" + b"\x01\x00" \
        + struct.pack("!H", len(ext)) + ext
    hs = b"\x01" + len(body).to_bytes(3, "big") + body
    return b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs


def _dns(name: bytes, ident: int, answer: bytes | None) -> bytes:
    qname = b"".join(bytes([len(p)]) + p for p in name.split(b".")) + b"\x00"
    head = struct.pack("!HHHHHH", ident, 0x8180 if answer else 0x0100, 1, 1 if answer else 0,
                       0, 0)
    out = head + qname + b"\x00\x01\x00\x01"
    if answer:
        out += b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04" + answer
    return out


def generate(path: Path, size: int) -> int:
    """Write the capture; return its packet count."""
    rec = struct.Struct("<IIII")
    packets = 0
    data_seg = bytes(1448)
    with path.open("wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        written = 24
        t = 1_700_000_000.0
        flow = 0

        def put(frame: bytes) -> None:
            nonlocal written, packets, t
            t += 0.0001
            sec = int(t)
            f.write(rec.pack(sec, int((t - sec) * 1e6), len(frame), len(frame)))
            f.write(frame)
            written += 16 + len(frame)
            packets += 1

        while written < size:
            flow += 1
            dev = bytes([192, 168, 1, 2 + flow % 8])
            srv = bytes([203, 0, (flow // 256) % 64, flow % 256])
            name = b"h%d.vendor.example" % (flow % 500)
            sport = 20000 + flow % 40000
            dport = 443 if flow % 4 else 80
            if flow % 5 == 0:
                resolver = bytes([192, 168, 1, 1])
                put(_ETH + _ip(dev, resolver, 17, _udp(sport, 53, _dns(name, flow, None))))
                put(_ETH + _ip(resolver, dev, 17, _udp(53, sport, _dns(name, flow, srv))))
            if flow % 50 == 0:
                put(_ETH + _ip(dev, srv, 17, _udp(123, 123, b"\x23" + bytes(47))))
            cs, ss = 1000, 5000
            put(_ETH + _ip(dev, srv, 6, _tcp(sport, dport, cs, 0, 0x02)))
            put(_ETH + _ip(srv, dev, 6, _tcp(dport, sport, ss, cs + 1, 0x12)))
            put(_ETH + _ip(dev, srv, 6, _tcp(sport, dport, cs + 1, ss + 1, 0x10)))
            hello = _client_hello(name) if dport == 443 else \
                b"GET /index.html HTTP/1.1\r\nHost: " + name + b"\r\n\r\n"
            put(_ETH + _ip(dev, srv, 6, _tcp(sport, dport, cs + 1, ss + 1, 0x18, hello)))
            cs += 1 + len(hello)
            ss += 1
            for i in range(40):
                put(_ETH + _ip(srv, dev, 6, _tcp(dport, sport, ss, cs, 0x10, data_seg)))
                ss += len(data_seg)
                if i % 2:
                    put(_ETH + _ip(dev, srv, 6, _tcp(sport, dport, cs, ss, 0x10)))
            put(_ETH + _ip(dev, srv, 6, _tcp(sport, dport, cs, ss, 0x18, bytes(600))))
            cs += 600
            put(_ETH + _ip(dev, srv, 6, _tcp(sport, dport, cs, ss, 0x11)))
            put(_ETH + _ip(srv, dev, 6, _tcp(dport, sport, ss, cs + 1, 0x11)))
            put(_ETH + _ip(dev, srv, 6, _tcp(sport, dport, cs + 1, ss + 1, 0x10)))
    return packets


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("/dev/shm/spyless-traffic-bench.pcap"))
    parser.add_argument("--keep", action="store_true", help="Keep the generated capture.")
    args = parser.parse_args()
    started = time.perf_counter()
    packets = generate(args.out, args.size_mb * 1_000_000)
    size = args.out.stat().st_size
    print(f"generated {args.out}: {size / 1e6:.1f} MB, {packets} packets, "
          f"{size / packets:.0f} bytes/packet, in {time.perf_counter() - started:.1f} s")
    times, rss = [], []
    for _ in range(args.runs):
        out = subprocess.run([sys.executable, "-c", _RUNNER, str(args.out)], check=True,
                             capture_output=True, text=True).stdout.split()
        times.append(float(out[0]))
        rss.append(int(out[1]) / 1024)
        print(f"spyless: {float(out[0]):.2f} s, {size / 1e6 / float(out[0]):.1f} MB/s, "
              f"peak RSS {int(out[1]) / 1024:.0f} MB, {out[2]} packets, {out[3]} flows, "
              f"{out[4]} destinations, {out[5]} findings")
    result = {"capture_mb": round(size / 1e6, 1), "packets": packets, "runs": args.runs,
              "median_s": round(statistics.median(times), 3),
              "median_mb_s": round(size / 1e6 / statistics.median(times), 1),
              "median_packets_s": round(packets / statistics.median(times)),
              "peak_rss_mb": round(max(rss), 1)}
    tshark = shutil.which("tshark")
    if tshark:
        t = time.perf_counter()
        subprocess.run([tshark, "-q", "-n", "-z", "conv,ip", "-r", str(args.out)], check=True,
                       capture_output=True)
        elapsed = time.perf_counter() - t
        result["tshark_conv_ip_s"] = round(elapsed, 3)
        result["tshark_mb_s"] = round(size / 1e6 / elapsed, 1)
    print(json.dumps(result, indent=1))
    if not args.keep:
        args.out.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
