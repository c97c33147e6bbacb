"""7-Zip archives: the chunk size comes from the signature header, py7zr decodes.

Password-protected archives raise EncryptedError. The py7zr bridge lives in
``_sevenzip_reader`` and is imported only when an archive is extracted.
"""

from __future__ import annotations

import struct
import zlib
from typing import ClassVar

from spyless.errors import FormatError
from spyless.unpack.interface import Blob, Category, Chunk, Handler, Magic
from spyless.unpack.sandbox import Sink

_MAGIC = b"7z\xbc\xaf\x27\x1c"


class SevenZipHandler(Handler):
    name: ClassVar[str] = "7z"
    category: ClassVar[Category] = Category.ARCHIVE
    magics: ClassVar[tuple[Magic, ...]] = (Magic(_MAGIC),)
    description: ClassVar[str] = "7-Zip archives (LZMA, LZMA2, deflate, bzip2, zstd via py7zr)"
    priority: ClassVar[int] = 50

    def parse(self, blob: Blob, start: int) -> Chunk | None:
        if start < 0 or start + 32 > len(blob) or bytes(blob[start : start + 6]) != _MAGIC:
            return None
        major, _minor, crc, nh_off, nh_size, _nh_crc = struct.unpack_from("<BBLQQL", blob,
                                                                           start + 6)
        if major != 0 or zlib.crc32(bytes(blob[start + 12 : start + 32])) != crc:
            return None
        end = start + 32 + nh_off + nh_size
        if end > len(blob):
            raise FormatError(f"7z archive needs {end - start} bytes, "
                              f"{len(blob) - start} present")
        return Chunk(start, end, self.name)

    def extract(self, blob: Blob, chunk: Chunk, sink: Sink) -> int | None:
        from spyless.unpack.handlers.archive._sevenzip_reader import extract_7z  # noqa: PLC0415 - py7zr is slow to import

        return extract_7z(blob, chunk, sink)
