"""Streaming readers for pcap and pcapng files.

Formats (facts, not code, from the specifications):
- pcap: https://datatracker.ietf.org/doc/draft-ietf-opsawg-pcap/ (magic a1b2c3d4 for
  microseconds, a1b23c4d for nanoseconds, either byte order; a1b2cd34 is the "modified"
  pcap with 8 more bytes per record header).
- pcapng: https://datatracker.ietf.org/doc/draft-ietf-opsawg-pcapng/ (Section Header,
  Interface Description with if_tsresol/if_tsoffset, Enhanced/Simple/obsolete Packet
  blocks; every other block is skipped by its length).

The file is read in chunks and never held whole; records are handed out as views into the
current chunk (``buf``, ``offset``) so that no packet is copied. A file cut short in its
last record ends the iteration with a warning; a corrupt header stops it the same way.
Only a file that is not a capture at all raises :class:`~spyless.errors.InputError`.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, TypeAlias

from spyless.errors import InputError

_CHUNK = 1 << 20
#: Larger than any real link MTU (Linux allows 256 KiB for USB and D-Bus captures).
_MAX_RECORD = 1 << 20

#: (timestamp, link type, buffer, data offset, captured length, original length, file offset)
Record: TypeAlias = tuple[float, int, bytes, int, int, int, int]

_PCAP_MAGICS = {
    b"\xd4\xc3\xb2\xa1": ("<", 1e-6, 0), b"\xa1\xb2\xc3\xd4": (">", 1e-6, 0),
    b"\x4d\x3c\xb2\xa1": ("<", 1e-9, 0), b"\xa1\xb2\x3c\x4d": (">", 1e-9, 0),
    b"\x34\xcd\xb2\xa1": ("<", 1e-6, 8), b"\xa1\xb2\xcd\x34": (">", 1e-6, 8),
}
_PCAPNG_SHB = b"\x0a\x0d\x0d\x0a"


class CaptureReader:
    """Iterate the packets of one capture; file-level facts are filled in as it goes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._file: BinaryIO = path.open("rb")
            head = self._file.read(24)
        except OSError as e:
            raise InputError(f"{path}: cannot read capture: {e.strerror or e}") from e
        self._hash = hashlib.sha256(head)
        self._head = head
        self.size = 0
        self.link_types: set[int] = set()
        self.warnings: list[str] = []
        if head[:4] in _PCAP_MAGICS:
            if len(head) < 24:
                self._file.close()
                raise InputError(f"{path}: pcap file shorter than its 24-byte header")
            self.format = "pcap-ns" if head[:4] in (b"\x4d\x3c\xb2\xa1",
                                                    b"\xa1\xb2\x3c\x4d") else "pcap"
        elif head[:4] == _PCAPNG_SHB and len(head) >= 12:
            self.format = "pcapng"
        else:
            self._file.close()
            kind = "empty file" if not head else f"starts with {head[:4].hex()}"
            raise InputError(f"{path}: not a pcap or pcapng capture ({kind})")

    def __enter__(self) -> CaptureReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    def drain(self) -> None:
        """Hash the rest of the file when reading stopped early, so sha256 is the file's."""
        while data := self._read(_CHUNK):
            del data

    def _read(self, n: int) -> bytes:
        data = self._file.read(n)
        self._hash.update(data)
        self.size += len(data)
        return data

    def __iter__(self) -> Iterator[Record]:
        self.size = len(self._head)
        if self.format == "pcapng":
            return self._pcapng(self._head)
        return self._pcap()

    def _pcap(self) -> Iterator[Record]:
        head = self._head
        endian, unit, extra = _PCAP_MAGICS[head[:4]]
        link = struct.unpack_from(endian + "I", head, 20)[0] & 0x0FFFFFFF
        self.link_types.add(link)
        rec = struct.Struct(endian + "IIII")
        hlen = 16 + extra
        buf = b""
        pos = 0
        base = 24  # file offset of buf[0]
        while True:
            if len(buf) - pos < hlen:
                buf, pos, base = self._refill(buf, pos, base, hlen)
                if len(buf) - pos < hlen:
                    if len(buf) > pos:
                        self.warnings.append(f"capture ends inside a record header at "
                                             f"offset {base + pos}")
                    return
            sec, frac, caplen, wirelen = rec.unpack_from(buf, pos)
            if caplen > _MAX_RECORD:
                self.warnings.append(f"corrupt record header at offset {base + pos} "
                                     f"(captured length {caplen}); reading stopped there")
                return
            end = pos + hlen + caplen
            if end > len(buf):
                buf, pos, base = self._refill(buf, pos, base, hlen + caplen)
                end = pos + hlen + caplen
                if end > len(buf):
                    self.warnings.append(f"capture ends inside the packet at offset "
                                         f"{base + pos}")
                    return
            yield sec + frac * unit, link, buf, pos + hlen, caplen, wirelen, base + pos
            pos = end

    def _refill(self, buf: bytes, pos: int, base: int, need: int) -> tuple[bytes, int, int]:
        rest = buf[pos:]
        more = self._read(max(_CHUNK, need - len(rest)))
        return rest + more, 0, base + pos

    def _pcapng(self, head: bytes) -> Iterator[Record]:
        buf = head
        pos = 0
        base = 0
        endian = "<"
        # per interface: (link type, seconds per tick, offset seconds, snap length)
        ifaces: list[tuple[int, float, int, int]] = []
        last = 0.0  # Simple Packet Blocks carry no time; they get the one before them
        while True:
            if len(buf) - pos < 12:
                buf, pos, base = self._refill(buf, pos, base, 12)
                if len(buf) - pos < 12:
                    if len(buf) > pos:
                        self.warnings.append(f"capture ends inside a block header at "
                                             f"offset {base + pos}")
                    return
            if buf[pos:pos + 4] == _PCAPNG_SHB:
                bom = buf[pos + 8:pos + 12]
                if bom == b"\x4d\x3c\x2b\x1a":
                    endian = "<"
                elif bom == b"\x1a\x2b\x3c\x4d":
                    endian = ">"
                else:
                    if base + pos == 0:
                        raise InputError(f"{self.path}: pcapng section header with a bad "
                                         f"byte-order magic {bom.hex()}")
                    self.warnings.append(f"bad section header at offset {base + pos}; "
                                         "reading stopped there")
                    return
                ifaces = []
            btype, blen = struct.unpack_from(endian + "II", buf, pos)
            if blen < 12 or blen % 4 or blen > _MAX_RECORD + 64:
                if base + pos == 0:
                    raise InputError(f"{self.path}: pcapng section header has a bad length")
                self.warnings.append(f"corrupt block at offset {base + pos} (length {blen}); "
                                     "reading stopped there")
                return
            if len(buf) - pos < blen:
                buf, pos, base = self._refill(buf, pos, base, blen)
                if len(buf) - pos < blen:
                    self.warnings.append(f"capture ends inside the block at offset {base + pos}")
                    return
            body = pos + 8
            end = pos + blen - 4
            if btype == 6 and blen >= 32:  # Enhanced Packet Block
                iface, hi, lo, caplen, wirelen = struct.unpack_from(endian + "IIIII", buf, body)
                if iface < len(ifaces) and body + 20 + caplen <= end:
                    link, tick, offset, _ = ifaces[iface]
                    last = ((hi << 32) | lo) * tick + offset
                    yield last, link, buf, body + 20, caplen, wirelen, base + pos
                else:
                    self.warnings.append(f"packet block at offset {base + pos} names an "
                                         f"unknown interface or overruns its block")
            elif btype == 3 and blen >= 16 and ifaces:  # Simple Packet Block
                wirelen = struct.unpack_from(endian + "I", buf, body)[0]
                link, _, _, snap = ifaces[0]
                caplen = min(wirelen, end - body - 4, snap or wirelen)
                yield last, link, buf, body + 4, caplen, wirelen, base + pos
            elif btype == 2 and blen >= 32:  # obsolete Packet Block
                iface, _, hi, lo, caplen, wirelen = struct.unpack_from(endian + "HHIIII",
                                                                       buf, body)
                if iface < len(ifaces) and body + 20 + caplen <= end:
                    link, tick, offset, _ = ifaces[iface]
                    last = ((hi << 32) | lo) * tick + offset
                    yield last, link, buf, body + 20, caplen, wirelen, base + pos
            elif btype == 1 and blen >= 20:  # Interface Description Block
                link, _, snap = struct.unpack_from(endian + "HHI", buf, body)
                tick, offset = _interface_options(buf, body + 8, end, endian)
                ifaces.append((link, tick, offset, snap))
                self.link_types.add(link)
            pos += blen


def _interface_options(buf: bytes, pos: int, end: int, endian: str) -> tuple[float, int]:
    """if_tsresol (code 9) and if_tsoffset (code 14); the default resolution is 1 us."""
    tick = 1e-6
    offset = 0
    while pos + 4 <= end:
        code, length = struct.unpack_from(endian + "HH", buf, pos)
        value = pos + 4
        if code == 0 or value + length > end:
            break
        if code == 9 and length >= 1:
            res = buf[value]
            tick = 2.0 ** -(res & 0x7F) if res & 0x80 else 10.0 ** -res
        elif code == 14 and length >= 8:
            offset = struct.unpack_from(endian + "q", buf, value)[0]
        pos = value + ((length + 3) & ~3)
    return tick, offset
