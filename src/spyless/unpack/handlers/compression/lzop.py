"""lzop files (``89 4c 5a 4f 00 0d 0a 1a 0a``): LZO1X blocks with checksums.

Header (big-endian): versions, method, level, flags, optional filter, mode, mtime, a
name and an Adler-32 (or CRC-32) over all of it, then an optional extra field. Blocks:
uncompressed size (0 ends the file), compressed size, Adler-32/CRC-32 of the
uncompressed and (when compressed) of the compressed data, then the data; a block is
stored when both sizes are equal. Output: the header's name (base name) or ``lzop.out``.

lzop writes 256 KiB blocks; blocks above :data:`MAX_BLOCK` are refused because LZO1X
can expand ~255x and lzallright sizes its output buffer from the data, not from us.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from typing import ClassVar

import lzallright

from spyless.errors import FormatError
from spyless.unpack.handlers.compression._common import header_name, output
from spyless.unpack.interface import Blob, Category, Chunk, Handler, Magic
from spyless.unpack.sandbox import Sink

_MAGIC = b"\x89LZO\x00\r\n\x1a\n"
F_ADLER32_D, F_ADLER32_C, F_H_EXTRA_FIELD = 0x1, 0x2, 0x40
F_CRC32_D, F_CRC32_C, F_H_FILTER, F_H_CRC32 = 0x100, 0x200, 0x800, 0x1000
_F_RESERVED = 0x000F_C000
_LZO1X_METHODS = (1, 2, 3)
MAX_BLOCK = 1 << 20
DEFAULT_NAME = "lzop.out"


@dataclass(frozen=True, slots=True)
class _Header:
    flags: int
    method: int
    name: bytes
    data_start: int


def _checksum(flags: int, data: bytes | memoryview) -> int:
    return zlib.crc32(data) if flags & F_H_CRC32 else zlib.adler32(data)


def _header(blob: Blob, start: int) -> _Header | None:
    n = len(blob)
    if n - start < 40 or blob[start : start + 9] != _MAGIC:
        return None
    pos = start + 9
    version, _lib, needed = struct.unpack_from(">HHH", blob, pos)
    if not 0x0900 <= version < 0x2000:
        return None
    pos += 6 if version >= 0x0940 else 4
    method = blob[pos]
    pos += 2 if version >= 0x0940 else 1
    (flags,) = struct.unpack_from(">I", blob, pos)
    pos += 4
    if flags & _F_RESERVED or (version >= 0x0940 and needed > version):
        return None
    if flags & F_H_FILTER:
        return None
    pos += 8 + (4 if version >= 0x0940 else 0)  # mode, mtime (low, high)
    if pos + 1 > n:
        return None
    name_len = blob[pos]
    name = bytes(blob[pos + 1 : pos + 1 + name_len])
    pos += 1 + name_len
    if pos + 4 > n:
        return None
    (stored,) = struct.unpack_from(">I", blob, pos)
    if _checksum(flags, blob[start + 9 : pos]) != stored:
        return None
    pos += 4
    if flags & F_H_EXTRA_FIELD:
        if pos + 4 > n:
            return None
        (extra,) = struct.unpack_from(">I", blob, pos)
        pos += 4 + extra + 4
    return _Header(flags, method, name, pos)


def _verify(flags: int, adler_bit: int, crc_bit: int, sums: list[int], data: bytes) -> None:
    """Pop and compare the checksums the flags announce, Adler-32 first."""
    if flags & adler_bit and sums.pop(0) != zlib.adler32(data):
        raise FormatError("lzop block Adler-32 mismatch")
    if flags & crc_bit and sums.pop(0) != zlib.crc32(data):
        raise FormatError("lzop block CRC-32 mismatch")


class LzopHandler(Handler):
    name: ClassVar[str] = "lzop"
    category: ClassVar[Category] = Category.COMPRESSION
    magics: ClassVar[tuple[Magic, ...]] = (Magic(_MAGIC),)
    description: ClassVar[str] = "lzop files (LZO1X)"

    def parse(self, blob: Blob, start: int) -> Chunk | None:
        head = _header(blob, start)
        if head is None:
            return None
        return Chunk(start, None, self.name, {"name": head.name.decode("utf-8", "replace")})

    def extract(self, blob: Blob, chunk: Chunk, sink: Sink) -> int | None:
        head = _header(blob, chunk.start)
        if head is None:
            raise FormatError("not an lzop header")
        if head.method not in _LZO1X_METHODS:
            raise FormatError(f"lzop method {head.method} is not LZO1X")
        flags = head.flags
        n_sums_d = bool(flags & F_ADLER32_D) + bool(flags & F_CRC32_D)
        n_sums_c = bool(flags & F_ADLER32_C) + bool(flags & F_CRC32_C)
        name = header_name(head.name, DEFAULT_NAME)
        view = memoryview(blob)
        pos = head.data_start
        with output(sink, name) as out:
            while True:
                sink.check()
                if pos + 4 > len(blob):
                    raise FormatError(f"truncated lzop file: no end marker before 0x{pos:x}")
                (usize,) = struct.unpack_from(">I", blob, pos)
                if usize == 0:
                    return pos + 4
                if pos + 8 > len(blob):
                    raise FormatError(f"truncated lzop block at 0x{pos:x}")
                (csize,) = struct.unpack_from(">I", blob, pos + 4)
                if usize > MAX_BLOCK or csize > usize:
                    raise FormatError(f"lzop block at 0x{pos:x}: sizes {csize}/{usize}")
                packed = csize < usize
                n_sums = n_sums_d + (n_sums_c if packed else 0)
                data_at = pos + 8 + 4 * n_sums
                if data_at + csize > len(blob):
                    raise FormatError(f"truncated lzop block at 0x{pos:x}")
                sums = list(struct.unpack_from(f">{n_sums}I", blob, pos + 8))
                raw = bytes(view[data_at : data_at + csize])
                if packed:
                    _verify(flags, F_ADLER32_C, F_CRC32_C, sums[n_sums_d:], raw)
                    raw = _lzo1x(raw, usize, pos)
                _verify(flags, F_ADLER32_D, F_CRC32_D, sums[:n_sums_d], raw)
                out.write(raw)
                pos = data_at + csize


def _lzo1x(data: bytes, usize: int, pos: int) -> bytes:
    try:
        out = lzallright.LZOCompressor.decompress(data, usize)
    except lzallright.LZOError as e:
        raise FormatError(f"corrupt lzop block at 0x{pos:x}: {e.args[0]}") from e
    if len(out) != usize:
        raise FormatError(f"lzop block at 0x{pos:x} gave {len(out)} bytes, expected {usize}")
    return out
