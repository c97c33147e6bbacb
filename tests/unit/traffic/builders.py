"""Write pcap and pcapng files from packet bytes, in every variant the reader must accept."""

from __future__ import annotations

import struct
from collections.abc import Sequence
from pathlib import Path

#: (timestamp in seconds, frame bytes) or (timestamp, frame, original length)
Packet = tuple[float, bytes] | tuple[float, bytes, int]


def _parts(packet: Packet) -> tuple[float, bytes, int]:
    if len(packet) == 3:
        return packet  # type: ignore[return-value]
    return packet[0], packet[1], len(packet[1])


def write_pcap(path: Path, packets: Sequence[Packet], linktype: int = 1, endian: str = "<",
               nano: bool = False, snaplen: int = 262144) -> Path:
    magic = 0xA1B23C4D if nano else 0xA1B2C3D4
    out = [struct.pack(endian + "IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype)]
    for packet in packets:
        ts, frame, wirelen = _parts(packet)
        frame = frame[:snaplen]
        sec = int(ts)
        frac = round((ts - sec) * (1e9 if nano else 1e6))
        out.append(struct.pack(endian + "IIII", sec, frac, len(frame), wirelen) + frame)
    path.write_bytes(b"".join(out))
    return path


def _block(endian: str, btype: int, body: bytes) -> bytes:
    body += b"\x00" * (-len(body) % 4)
    length = len(body) + 12
    return struct.pack(endian + "II", btype, length) + body + struct.pack(endian + "I", length)


def _option(endian: str, code: int, value: bytes) -> bytes:
    return struct.pack(endian + "HH", code, len(value)) + value + b"\x00" * (-len(value) % 4)


def pcapng_section(endian: str = "<") -> bytes:
    body = struct.pack(endian + "IHHq", 0x1A2B3C4D, 1, 0, -1)
    body += _option(endian, 4, b"spyless tests") + struct.pack(endian + "HH", 0, 0)
    return _block(endian, 0x0A0D0D0A, body)


def pcapng_interface(linktype: int, endian: str = "<", tsresol: int | None = None,
                     snaplen: int = 0) -> bytes:
    body = struct.pack(endian + "HHI", linktype, 0, snaplen)
    body += _option(endian, 2, b"eth0")  # if_name: an option to skip
    if tsresol is not None:
        body += _option(endian, 9, bytes([tsresol]))
    body += struct.pack(endian + "HH", 0, 0)
    return _block(endian, 1, body)


def pcapng_epb(iface: int, ts: float, frame: bytes, endian: str = "<", ticks: float = 1e6,
               wirelen: int | None = None) -> bytes:
    t = round(ts * ticks)
    body = struct.pack(endian + "IIIII", iface, t >> 32, t & 0xFFFFFFFF, len(frame),
                       wirelen or len(frame)) + frame + b"\x00" * (-len(frame) % 4)
    body += _option(endian, 1, b"a comment") + struct.pack(endian + "HH", 0, 0)
    return _block(endian, 6, body)


def pcapng_spb(frame: bytes, endian: str = "<") -> bytes:
    return _block(endian, 3, struct.pack(endian + "I", len(frame)) + frame)


def pcapng_legacy(iface: int, ts: float, frame: bytes, endian: str = "<") -> bytes:
    t = round(ts * 1e6)
    return _block(endian, 2, struct.pack(endian + "HHIIII", iface, 0, t >> 32, t & 0xFFFFFFFF,
                                         len(frame), len(frame)) + frame)


def pcapng_other(endian: str = "<") -> bytes:
    """An Interface Statistics Block: something the reader must skip."""
    return _block(endian, 5, struct.pack(endian + "III", 0, 0, 0))


def client_hello(name: str, alpn: tuple[str, ...] = ("h2",), pad: int = 0) -> bytes:
    """A TLS 1.2-style ClientHello record with server_name, ALPN and optional padding."""
    host = name.encode()
    sni = struct.pack("!HBH", len(host) + 3, 0, len(host)) + host
    protocols = b"".join(bytes([len(p)]) + p.encode() for p in alpn)
    ext = struct.pack("!HH", 0, len(sni)) + sni
    ext += struct.pack("!HHH", 16, len(protocols) + 2, len(protocols)) + protocols
    if pad:
        ext += struct.pack("!HH", 21, pad) + bytes(pad)
    body = b"\x03\x03" + bytes(32) + b"\x00" + b"\x00\x02\x13\x01" + b"\x01\x00" \
        + struct.pack("!H", len(ext)) + ext
    handshake = b"\x01" + len(body).to_bytes(3, "big") + body
    return b"\x16\x03\x01" + struct.pack("!H", len(handshake)) + handshake
