"""xz streams (.xz container with blocks, index and footer), carved at any offset.

liblzma checks the block checks (CRC-32/CRC-64/SHA-256) and the index; on top of that
the stream footer is checked here: its CRC-32, the 'YZ' magic and flags equal to the
header's. Concatenated streams (with 4-byte-aligned null stream padding between them)
form one output, ``xz.out``, as ``xz -d`` does.
"""

from __future__ import annotations

import lzma
import struct
import zlib
from typing import ClassVar

from spyless.errors import FormatError
from spyless.unpack.handlers.compression._common import output, pump_buffered
from spyless.unpack.interface import Blob, Category, Chunk, Handler, Magic
from spyless.unpack.sandbox import Sink

_MAGIC = b"\xfd7zXZ\x00"
_FOOTER_MAGIC = b"YZ"
_HEADER_SIZE = _FOOTER_SIZE = 12
#: Largest stream padding looked through for a following stream.
_MAX_PADDING = 1 << 16
#: Decoder memory bound: enough for any preset (xz -9e needs 65 MiB).
MEMLIMIT = 1 << 29
DEFAULT_NAME = "xz.out"


def _flags(blob: Blob, start: int) -> bytes | None:
    """The stream flags of a valid stream header at ``start``."""
    if len(blob) - start < _HEADER_SIZE + _FOOTER_SIZE or blob[start : start + 6] != _MAGIC:
        return None
    flags = bytes(blob[start + 6 : start + 8])
    (crc,) = struct.unpack_from("<I", blob, start + 8)
    if flags[0] != 0 or flags[1] & 0xF0 or zlib.crc32(flags) != crc:
        return None
    return flags


def _check_footer(blob: Blob, end: int, flags: bytes) -> None:
    foot = bytes(blob[end - _FOOTER_SIZE : end])
    (crc,) = struct.unpack_from("<I", foot, 0)
    if foot[10:] != _FOOTER_MAGIC or foot[8:10] != flags or zlib.crc32(foot[4:10]) != crc:
        raise FormatError(f"xz stream footer at 0x{end - _FOOTER_SIZE:x} is corrupt")


def _next_stream(blob: Blob, end: int) -> int | None:
    """Offset of a stream following ``end`` after null padding, if there is one."""
    window = bytes(blob[end : end + _MAX_PADDING])
    pad = len(window) - len(window.lstrip(b"\x00"))
    pad -= pad % 4
    return end + pad if _flags(blob, end + pad) is not None else None


class XzHandler(Handler):
    name: ClassVar[str] = "xz"
    category: ClassVar[Category] = Category.COMPRESSION
    magics: ClassVar[tuple[Magic, ...]] = (Magic(_MAGIC),)
    description: ClassVar[str] = "xz streams (LZMA2 with block checks and index)"

    def parse(self, blob: Blob, start: int) -> Chunk | None:
        flags = _flags(blob, start)
        if flags is None:
            return None
        try:
            lzma.LZMADecompressor(lzma.FORMAT_XZ, MEMLIMIT).decompress(
                blob[start : start + 4096], 4096
            )
        except lzma.LZMAError:
            return None
        return Chunk(start, None, self.name, {"check": str(flags[1])})

    def extract(self, blob: Blob, chunk: Chunk, sink: Sink) -> int | None:
        view = memoryview(blob)
        pos: int | None = chunk.start
        end = chunk.start
        with output(sink, DEFAULT_NAME) as out:
            while pos is not None:
                flags = _flags(blob, pos)
                if flags is None:
                    raise FormatError(f"no xz stream header at 0x{pos:x}")
                dec = lzma.LZMADecompressor(lzma.FORMAT_XZ, MEMLIMIT)
                done = pump_buffered(view, pos, dec, out, sink, (lzma.LZMAError,), "xz")
                if not done.complete:
                    raise FormatError(f"truncated xz stream: no end before 0x{done.end:x}")
                end = done.end
                _check_footer(blob, end, flags)
                pos = _next_stream(blob, end)
        return end
