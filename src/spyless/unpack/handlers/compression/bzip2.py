"""bzip2 streams, including concatenated (multi-stream) files, written to ``bzip2.out``.

A stream is ``BZh`` + block size digit ``1``-``9`` followed by the 48-bit magic of a
block (pi) or of the end of stream (sqrt(pi), an empty stream). libbz2 checks the block
and stream CRCs; following streams are taken as long as they start the same way.
"""

from __future__ import annotations

import bz2
from typing import ClassVar

from spyless.errors import FormatError
from spyless.unpack.handlers.compression._common import output, pump_buffered
from spyless.unpack.interface import Blob, Category, Chunk, Handler, Magic
from spyless.unpack.sandbox import Sink

_BLOCK = b"\x31\x41\x59\x26\x53\x59"
_EOS = b"\x17\x72\x45\x38\x50\x90"
DEFAULT_NAME = "bzip2.out"
# libbz2 reports corrupt data as OSError ("Invalid data stream") and ValueError.
_ERRORS: tuple[type[Exception], ...] = (OSError, ValueError, EOFError)


def _is_stream(blob: Blob, start: int) -> bool:
    head = bytes(blob[start : start + 10])
    return (
        len(head) == 10 and head[:3] == b"BZh" and 0x31 <= head[3] <= 0x39
        and head[4:] in (_BLOCK, _EOS)
    )


class Bzip2Handler(Handler):
    name: ClassVar[str] = "bzip2"
    category: ClassVar[Category] = Category.COMPRESSION
    magics: ClassVar[tuple[Magic, ...]] = tuple(
        Magic(b"BZh" + bytes([digit]) + _BLOCK) for digit in range(0x31, 0x3A)
    )
    description: ClassVar[str] = "bzip2 streams, including multi-stream files"

    def parse(self, blob: Blob, start: int) -> Chunk | None:
        if not _is_stream(blob, start):
            return None
        return Chunk(start, None, self.name, {"block_size": f"{chr(blob[start + 3])}00k"})

    def extract(self, blob: Blob, chunk: Chunk, sink: Sink) -> int | None:
        view = memoryview(blob)
        pos = chunk.start
        with output(sink, DEFAULT_NAME) as out:
            while True:
                done = pump_buffered(view, pos, bz2.BZ2Decompressor(), out, sink, _ERRORS, "bzip2")
                if not done.complete:
                    raise FormatError(f"truncated bzip2 stream: no end before 0x{done.end:x}")
                pos = done.end
                if not _is_stream(blob, pos):
                    return pos
