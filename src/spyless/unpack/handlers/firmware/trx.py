"""Broadcom TRX images ("HDR0"): v1 (three partition offsets) and v2 (four), with the CRC.

The CRC-32 covers the header from ``flag_version`` to ``len`` (zlib's CRC without its final
inversion). Partitions are written as ``partition-1`` ... in offset order; each one runs
to the next partition or to the end of the image.
"""

from __future__ import annotations

import struct

from spyless.errors import FormatError
from spyless.unpack.handlers.firmware._common import crc32, describe_check, unpack, write_part
from spyless.unpack.interface import Blob, Category, Chunk, Handler, Magic
from spyless.unpack.sandbox import Sink

MAGIC = b"HDR0"
CRC_FROM = 12  # offset of flag_version


def _partitions(blob: Blob, start: int, length: int, version: int) -> list[tuple[int, int]]:
    """(start, end) of each partition, relative to the header, in offset order."""
    count = 3 if version == 1 else 4
    raw = unpack(f"<{count}I", blob, start + 16)
    if raw is None:
        raise FormatError("TRX header is truncated")
    header_size = 16 + 4 * count
    offsets = sorted({o for o in raw if o})
    for offset in offsets:
        if not header_size <= offset < length:
            raise FormatError(f"TRX partition offset 0x{offset:x} lies outside the image")
    bounds = [*offsets, length]
    return [(bounds[i], bounds[i + 1]) for i in range(len(offsets))]


class TrxHandler(Handler):
    name = "trx"
    category = Category.FIRMWARE
    magics = (Magic(MAGIC),)
    description = "Broadcom TRX firmware container (v1 and v2) with CRC-32 check"
    priority = 20

    def parse(self, blob: Blob, start: int) -> Chunk | None:
        head = unpack("<4sIII", blob, start)
        if head is None or head[0] != MAGIC:
            return None
        _, length, stored_crc, flag_version = head
        version = flag_version >> 16
        if version not in (1, 2) or length < 28:
            return None
        if start + length > len(blob):
            raise FormatError(
                f"TRX image of {length} bytes runs past the end of the input "
                f"({len(blob) - start} bytes available)"
            )
        parts = _partitions(blob, start, length, version)
        computed = crc32(blob, start + CRC_FROM, start + length) ^ 0xFFFFFFFF
        info = {
            "version": str(version),
            "flags": f"0x{flag_version & 0xFFFF:04x}",
            "length": str(length),
            "crc": describe_check(stored_crc, computed),
            "partitions": ",".join(f"0x{a:x}-0x{b:x}" for a, b in parts),
        }
        return Chunk(start, start + length, self.name, info)

    def extract(self, blob: Blob, chunk: Chunk, sink: Sink) -> int | None:
        if chunk.end is None:
            raise FormatError("TRX chunk without an end")
        version = struct.unpack_from("<I", blob, chunk.start + 12)[0] >> 16
        parts = _partitions(blob, chunk.start, chunk.end - chunk.start, version)
        for index, (first, last) in enumerate(parts, 1):
            write_part(sink, f"partition-{index}", blob, chunk.start + first, chunk.start + last)
        return None
