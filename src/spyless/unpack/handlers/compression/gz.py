"""gzip (RFC 1952), single- and multi-member, carved at any offset.

Consecutive members form one output, as ``gunzip`` does, named after the first member's
FNAME field (base name only) or ``gzip.out``. zlib itself checks each member's CRC-32 and
length trailer; the chunk ends where the last member's trailer ends.
"""

from __future__ import annotations

import struct
import zlib
from typing import ClassVar

from spyless.errors import FormatError
from spyless.unpack.handlers.compression._common import header_name, output, pump_zlib
from spyless.unpack.interface import Blob, Category, Chunk, Handler, Magic
from spyless.unpack.sandbox import Sink

_MAGIC = b"\x1f\x8b\x08"
_FHCRC, _FEXTRA, _FNAME, _FCOMMENT = 0x02, 0x04, 0x08, 0x10
_RESERVED = 0xE0
_MAX_FIELD = 1 << 16
DEFAULT_NAME = "gzip.out"


def _header(blob: Blob, start: int) -> tuple[int, bytes | None] | None:
    """(offset of the deflate data, raw FNAME) of a plausible member header, else None."""
    if len(blob) - start < 18 or blob[start : start + 3] != _MAGIC:
        return None
    flags = blob[start + 3]
    if flags & _RESERVED:
        return None
    pos = start + 10
    name: bytes | None = None
    if flags & _FEXTRA:
        if pos + 2 > len(blob):
            return None
        (xlen,) = struct.unpack_from("<H", blob, pos)
        pos += 2 + xlen
    for bit in (_FNAME, _FCOMMENT):
        if flags & bit:
            nul = bytes(blob[pos : pos + _MAX_FIELD]).find(b"\x00")
            if nul < 0:
                return None
            if bit == _FNAME:
                name = bytes(blob[pos : pos + nul])
            pos += nul + 1
    if flags & _FHCRC:
        if pos + 2 > len(blob):
            return None
        (stored,) = struct.unpack_from("<H", blob, pos)
        if zlib.crc32(blob[start:pos]) & 0xFFFF != stored:
            return None
        pos += 2
    if pos >= len(blob):
        return None
    return pos, name


def _deflate_starts_well(blob: Blob, pos: int) -> bool:
    try:
        zlib.decompressobj(-15).decompress(blob[pos : pos + 1024], 4096)
    except zlib.error:
        return False
    return True


class GzipHandler(Handler):
    name: ClassVar[str] = "gzip"
    category: ClassVar[Category] = Category.COMPRESSION
    magics: ClassVar[tuple[Magic, ...]] = (Magic(_MAGIC),)
    description: ClassVar[str] = "gzip streams, including multi-member files"

    def parse(self, blob: Blob, start: int) -> Chunk | None:
        found = _header(blob, start)
        if found is None or not _deflate_starts_well(blob, found[0]):
            return None
        raw = found[1]
        info = {"name": raw.decode("utf-8", "replace")} if raw is not None else {}
        return Chunk(start, None, self.name, info)

    def extract(self, blob: Blob, chunk: Chunk, sink: Sink) -> int | None:
        found = _header(blob, chunk.start)
        if found is None:
            raise FormatError("not a gzip header")
        name = header_name(found[1], DEFAULT_NAME) if found[1] is not None else DEFAULT_NAME
        view = memoryview(blob)
        pos = chunk.start
        members = 0
        with output(sink, name) as out:
            while True:
                dec = zlib.decompressobj(wbits=31)
                done = pump_zlib(view, pos, dec, out, sink, "gzip")
                members += 1
                if not done.complete:
                    raise FormatError(
                        f"truncated gzip stream: member {members} has no end "
                        f"(input ends at 0x{done.end:x})"
                    )
                pos = done.end
                if _header(blob, pos) is None:
                    return pos
