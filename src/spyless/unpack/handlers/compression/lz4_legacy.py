"""Legacy LZ4 format (``02 21 4c 18``) as used for Linux kernels and initramfs images.

After the magic come blocks of a 4-byte little-endian compressed size and LZ4 block
data; every block but the last decompresses to exactly 8 MiB. The format has no end
marker, so the stream ends after a block shorter than 8 MiB, at the end of the data, or
where a size field is implausible (the kernel appends its own 4-byte length there);
the magic may repeat to start another stream. Output: ``lz4.out``.
"""

from __future__ import annotations

import struct
from typing import ClassVar

import lz4.block

from spyless.errors import FormatError
from spyless.unpack.handlers.compression._common import output
from spyless.unpack.interface import Blob, Category, Chunk, Handler, Magic
from spyless.unpack.sandbox import Sink

_MAGIC = b"\x02\x21\x4c\x18"
BLOCK_SIZE = 8 << 20
#: LZ4_COMPRESSBOUND(8 MiB): no valid block is larger than this.
_MAX_COMPRESSED = BLOCK_SIZE + BLOCK_SIZE // 255 + 16
DEFAULT_NAME = "lz4.out"


def _block_size(blob: Blob, pos: int) -> int | None:
    """The compressed size at ``pos`` when it is plausible and its data is present."""
    if pos + 4 > len(blob):
        return None
    size: int = struct.unpack_from("<I", blob, pos)[0]
    if not 0 < size <= _MAX_COMPRESSED or pos + 4 + size > len(blob):
        return None
    return size


class Lz4LegacyHandler(Handler):
    name: ClassVar[str] = "lz4-legacy"
    category: ClassVar[Category] = Category.COMPRESSION
    magics: ClassVar[tuple[Magic, ...]] = (Magic(_MAGIC),)
    description: ClassVar[str] = "legacy LZ4 streams (Linux kernel and initramfs)"

    def parse(self, blob: Blob, start: int) -> Chunk | None:
        if blob[start : start + 4] != _MAGIC or len(blob) - start < 9:
            return None
        (size,) = struct.unpack_from("<I", blob, start + 4)
        if not 0 < size <= _MAX_COMPRESSED:
            return None
        return Chunk(start, None, self.name)

    def extract(self, blob: Blob, chunk: Chunk, sink: Sink) -> int | None:
        view = memoryview(blob)
        pos = chunk.start + 4
        first = True
        with output(sink, DEFAULT_NAME) as out:
            while True:
                if blob[pos : pos + 4] == _MAGIC and _block_size(blob, pos + 4) is not None:
                    pos += 4
                size = _block_size(blob, pos)
                if size is None:
                    if first:
                        raise FormatError(f"truncated LZ4 legacy stream at 0x{pos:x}")
                    return pos
                sink.check()
                try:
                    data = lz4.block.decompress(
                        view[pos + 4 : pos + 4 + size], uncompressed_size=BLOCK_SIZE
                    )
                except lz4.block.LZ4BlockError as e:
                    if first:
                        raise FormatError(f"corrupt LZ4 legacy block at 0x{pos:x}: {e}") from e
                    return pos
                out.write(data)
                first = False
                pos += 4 + size
                if len(data) < BLOCK_SIZE and blob[pos : pos + 4] != _MAGIC:
                    return pos
