"""TrendChip / EcoNet "tclinux" images (magic "2RDH"): header, kernel, rootfs and romfile.

The big-endian header gives its own length, the total length, a CRC-32 and the kernel,
rootfs and romfile lengths; the parts follow the header back to back.
"""

from __future__ import annotations

from spyless.errors import FormatError
from spyless.unpack.handlers.firmware._common import (
    crc32,
    cstr,
    describe_check,
    sniff_compression,
    unpack,
    write_part,
)
from spyless.unpack.interface import Blob, Category, Chunk, Handler, Magic
from spyless.unpack.sandbox import Sink

MAGIC = b"2RDH"
MIN_HEADER, MAX_HEADER = 0x80, 0x1000


def _parts(blob: Blob, start: int) -> tuple[int, int, list[tuple[str, int, int]]] | None:
    """(header length, total length, [(name, start, end)]) or None if not a TrendChip header."""
    head = unpack(">4sIII", blob, start)
    sizes = unpack(">III", blob, start + 0x50)
    if head is None or sizes is None or head[0] != MAGIC:
        return None
    _, header_len, total, _ = head
    if not MIN_HEADER <= header_len <= MAX_HEADER or total < header_len:
        return None
    kernel_len, rootfs_len, romfile_len = sizes
    if header_len + kernel_len + rootfs_len + romfile_len > total:
        return None
    parts: list[tuple[str, int, int]] = []
    pos = start + header_len
    for role, length in (("kernel", kernel_len), ("rootfs", rootfs_len),
                         ("romfile", romfile_len)):
        if length:
            parts.append((role, pos, pos + length))
        pos += length
    return header_len, total, parts


class TrendChipHandler(Handler):
    name = "trendchip"
    category = Category.FIRMWARE
    magics = (Magic(MAGIC),)
    description = "TrendChip/EcoNet tclinux image (2RDH header): kernel, rootfs, romfile"
    priority = 20

    def parse(self, blob: Blob, start: int) -> Chunk | None:
        found = _parts(blob, start)
        if found is None:
            return None
        header_len, total, parts = found
        if start + total > len(blob):
            raise FormatError(
                f"TrendChip image of {total} bytes runs past the end of the input "
                f"({len(blob) - start} bytes available)"
            )
        stored = int.from_bytes(blob[start + 12 : start + 16], "big")
        computed = crc32(blob, start + header_len, start + total)
        crc = describe_check(stored, computed)
        if crc != "ok" and stored == computed ^ 0xFFFFFFFF:
            crc = "ok (uninverted)"
        info = {
            "version": cstr(bytes(blob[start + 0x10 : start + 0x30])),
            "customer_version": cstr(bytes(blob[start + 0x30 : start + 0x50])),
            "model": cstr(bytes(blob[start + 0x5C : start + 0x7C])),
            "header_length": str(header_len),
            "length": str(total),
            "crc": crc,
        }
        for role, first, last in parts:
            info[f"{role}_length"] = str(last - first)
            if role == "kernel":
                sniffed = sniff_compression(blob, first, min(first + 16, last))
                if sniffed is not None and sniffed[1] == first:
                    info["kernel_compression"] = sniffed[0]
        return Chunk(start, start + total, self.name, info)

    def extract(self, blob: Blob, chunk: Chunk, sink: Sink) -> int | None:
        found = _parts(blob, chunk.start)
        if found is None:
            raise FormatError("TrendChip header vanished between parse and extract")
        for role, first, last in found[2]:
            write_part(sink, role, blob, first, last)
        return None
