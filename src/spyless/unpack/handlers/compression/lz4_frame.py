"""LZ4 frame format (``04 22 4d 18``), with following skippable frames, to ``lz4.out``.

The frame is walked here (descriptor with its header checksum, block sizes bounded by the
declared block maximum, optional checksums), so the chunk end is known at parse time;
lz4's frame decompressor then runs in bounded steps and checks the checksums.
"""

from __future__ import annotations

import struct
from typing import ClassVar

import lz4.frame

from spyless.errors import FormatError
from spyless.unpack.handlers.compression._common import output, pump_buffered
from spyless.unpack.interface import Blob, Category, Chunk, Handler, Magic
from spyless.unpack.sandbox import Sink

_MAGIC = b"\x04\x22\x4d\x18"
_SKIPPABLE_HIGH = 0x184D2A5
_BLOCK_MAX = {4: 1 << 16, 5: 1 << 18, 6: 1 << 20, 7: 1 << 22}
_UNCOMPRESSED = 0x8000_0000
DEFAULT_NAME = "lz4.out"
# python-lz4 reports corrupt frames as RuntimeError.
_ERRORS: tuple[type[Exception], ...] = (RuntimeError, ValueError)


def _frame_end(blob: Blob, start: int) -> int | None:
    """End of the frame at ``start``; -1 when it runs past the data; None if not a frame."""
    n = len(blob)
    if n - start < 7 or blob[start : start + 4] != _MAGIC:
        return None
    flg, bd = blob[start + 4], blob[start + 5]
    if flg >> 6 != 1 or flg & 0x02 or bd & 0x8F or (bd >> 4) not in _BLOCK_MAX:
        return None
    block_max = _BLOCK_MAX[bd >> 4]
    block_sum = 4 if flg & 0x10 else 0
    pos = start + 6 + (8 if flg & 0x08 else 0) + (4 if flg & 0x01 else 0) + 1
    while True:
        if pos + 4 > n:
            return -1
        (word,) = struct.unpack_from("<I", blob, pos)
        pos += 4
        if word == 0:
            break
        size = word & ~_UNCOMPRESSED
        if size > block_max:
            return None
        pos += size + block_sum
    pos += 4 if flg & 0x04 else 0
    return pos if pos <= n else -1


def _skippable_end(blob: Blob, start: int) -> int | None:
    if len(blob) - start < 8:
        return None
    magic, size = struct.unpack_from("<II", blob, start)
    end = start + 8 + size
    return end if magic >> 4 == _SKIPPABLE_HIGH and end <= len(blob) else None


class Lz4FrameHandler(Handler):
    name: ClassVar[str] = "lz4"
    category: ClassVar[Category] = Category.COMPRESSION
    magics: ClassVar[tuple[Magic, ...]] = (Magic(_MAGIC),)
    description: ClassVar[str] = "LZ4 frame format streams"

    def parse(self, blob: Blob, start: int) -> Chunk | None:
        end = _frame_end(blob, start)
        if end is None:
            return None
        if end < 0:
            return Chunk(start, None, self.name)
        while (nxt := _skippable_end(blob, end)) is not None:
            end = nxt
        return Chunk(start, end, self.name)

    def extract(self, blob: Blob, chunk: Chunk, sink: Sink) -> int | None:
        frame_end = _frame_end(blob, chunk.start)
        if frame_end is None:
            raise FormatError("not an LZ4 frame")
        dec = lz4.frame.LZ4FrameDecompressor()
        stop = None if frame_end < 0 else frame_end
        with output(sink, DEFAULT_NAME) as out:
            done = pump_buffered(
                memoryview(blob), chunk.start, dec, out, sink, _ERRORS, "LZ4 frame", stop
            )
        if not done.complete:
            raise FormatError(f"truncated LZ4 frame: no end before 0x{done.end:x}")
        return chunk.end if chunk.end is not None else done.end
