"""Raw zlib streams (RFC 1950) such as ``78 9c ...``, written to ``zlib.out``.

Two-byte zlib headers occur by chance all over binary data, so this handler sets
``carve_anywhere = False``: the engine tries it only at offset 0 of a file (a layer that
is itself a zlib stream, e.g. a vendor section), never at every ``78 xx`` inside one.
Even there the header check bits, a preset-dictionary flag of 0 and a trial inflate of
the first bytes must pass; zlib checks the Adler-32 trailer.
"""

from __future__ import annotations

import zlib
from typing import ClassVar

from spyless.errors import FormatError
from spyless.unpack.handlers.compression._common import output, pump_zlib
from spyless.unpack.interface import Blob, Category, Chunk, Handler, Magic
from spyless.unpack.sandbox import Sink

DEFAULT_NAME = "zlib.out"
_FDICT = 0x20


def _plausible(blob: Blob, start: int) -> bool:
    if len(blob) - start < 8:
        return False
    cmf, flg = blob[start], blob[start + 1]
    if cmf & 0x0F != 8 or cmf >> 4 > 7 or flg & _FDICT or (cmf * 256 + flg) % 31:
        return False
    try:
        zlib.decompressobj().decompress(blob[start : start + 1024], 4096)
    except zlib.error:
        return False
    return True


class ZlibHandler(Handler):
    name: ClassVar[str] = "zlib"
    category: ClassVar[Category] = Category.COMPRESSION
    magics: ClassVar[tuple[Magic, ...]] = (
        Magic(b"\x78\x01"), Magic(b"\x78\x5e"), Magic(b"\x78\x9c"), Magic(b"\x78\xda"),
    )
    description: ClassVar[str] = "raw zlib streams (only at the start of a file)"
    #: Ask the engine to try this handler only at offset 0 of a file (see module doc).
    carve_anywhere: ClassVar[bool] = False
    priority: ClassVar[int] = 80

    def parse(self, blob: Blob, start: int) -> Chunk | None:
        if not _plausible(blob, start):
            return None
        return Chunk(start, None, self.name)

    def extract(self, blob: Blob, chunk: Chunk, sink: Sink) -> int | None:
        with output(sink, DEFAULT_NAME) as out:
            done = pump_zlib(memoryview(blob), chunk.start, zlib.decompressobj(), out, sink, "zlib")
        if not done.complete:
            raise FormatError(f"truncated zlib stream: no end before 0x{done.end:x}")
        return done.end
