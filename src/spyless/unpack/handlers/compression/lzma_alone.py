"""LZMA "alone" streams (.lzma, the 13-byte header of LZMA Utils), as vendors pack kernels.

Header: properties byte ``(pb * 5 + lp) * 9 + lc`` (< 225), dictionary size (u32 LE),
uncompressed size (u64 LE, or all ones when the stream ends with an end marker). These
bytes are weak magic, so ``parse`` validates hard: a dictionary size of the form 2^n or
2^n + 2^(n-1) within [4 KiB, 512 MiB], a size field that is either unknown or below 4 GiB
(its high half must be zero), a first range-coder byte of zero, and a trial decompression
of the first bytes. Output: ``lzma.out``; a known size must be met exactly.
"""

from __future__ import annotations

import lzma
import struct
from typing import ClassVar

from spyless.errors import FormatError
from spyless.unpack.handlers.compression._common import Counted, output, pump_buffered
from spyless.unpack.interface import Blob, Category, Chunk, Handler, Magic
from spyless.unpack.sandbox import Sink

HEADER_SIZE = 13
UNKNOWN_SIZE = 0xFFFF_FFFF_FFFF_FFFF
_MIN_DICT, _MAX_DICT = 1 << 12, 1 << 29
_MAX_SIZE = 1 << 32
#: Decoder memory bound: the largest accepted dictionary plus the coder's own state.
MEMLIMIT = _MAX_DICT + (1 << 26)
DEFAULT_NAME = "lzma.out"

#: Properties seen in the wild: 0x5d is lc=3 lp=0 pb=2 (the default); the others are
#: what vendor toolchains use (e.g. OpenWrt's lzma-loader builds).
_PROPS = (0x5D, 0x6C, 0x6D, 0x6E)
_DICTS = tuple(1 << n for n in range(16, 30))


def _plausible_dict(size: int) -> bool:
    if not _MIN_DICT <= size <= _MAX_DICT:
        return False
    low = size & -size
    return size in (low, low * 3)


def _header(blob: Blob, start: int) -> tuple[int, int] | None:
    """(dictionary size, uncompressed size or -1) of a plausible header, else None."""
    if len(blob) - start < HEADER_SIZE + 5:
        return None
    props, dict_size, size = struct.unpack_from("<BIQ", blob, start)
    if props >= 225 or not _plausible_dict(dict_size) or blob[start + HEADER_SIZE] != 0:
        return None
    if size == UNKNOWN_SIZE:
        return dict_size, -1
    if not 0 < size < _MAX_SIZE:
        return None
    return dict_size, size


class LzmaAloneHandler(Handler):
    name: ClassVar[str] = "lzma"
    category: ClassVar[Category] = Category.COMPRESSION
    magics: ClassVar[tuple[Magic, ...]] = tuple(
        Magic(bytes([p]) + struct.pack("<I", d)) for p in _PROPS for d in _DICTS
    )
    description: ClassVar[str] = "LZMA-alone streams (13-byte header), e.g. vendor kernels"
    priority: ClassVar[int] = 60

    def parse(self, blob: Blob, start: int) -> Chunk | None:
        found = _header(blob, start)
        if found is None:
            return None
        dict_size, size = found
        try:
            dec = lzma.LZMADecompressor(lzma.FORMAT_ALONE, MEMLIMIT)
            first = dec.decompress(blob[start : start + HEADER_SIZE + 4096], 4096)
        except lzma.LZMAError:
            return None
        if not first and not dec.eof:
            return None
        info = {"dictionary": str(dict_size), "size": str(size) if size >= 0 else "unknown"}
        return Chunk(start, None, self.name, info)

    def extract(self, blob: Blob, chunk: Chunk, sink: Sink) -> int | None:
        found = _header(blob, chunk.start)
        if found is None:
            raise FormatError("not an LZMA-alone header")
        size = found[1]
        dec = lzma.LZMADecompressor(lzma.FORMAT_ALONE, MEMLIMIT)
        with output(sink, DEFAULT_NAME) as out:
            counted = Counted(out)
            done = pump_buffered(
                memoryview(blob), chunk.start, dec, counted, sink, (lzma.LZMAError,), "LZMA"
            )
        if not done.complete:
            raise FormatError(
                f"truncated LZMA stream: {counted.size} bytes before 0x{done.end:x}"
                + (f" of {size}" if size >= 0 else "")
            )
        if size >= 0 and counted.size != size:
            raise FormatError(f"LZMA stream gave {counted.size} bytes, header says {size}")
        return done.end

