"""CramFS: the compressed ROM filesystem, in both byte orders.

Owns the superblock check and the walk: 12-byte inodes with bit-packed fields (packed from
the low bits on little-endian images, from the high bits on big-endian ones), directories
as runs of inodes, files and symlinks as block-pointer tables of zlib pages, holes,
uncompressed and direct-pointer blocks, device nodes.
"""

from __future__ import annotations

import stat
import struct
import zlib
from collections.abc import Iterator

from spyless.errors import FormatError
from spyless.unpack.handlers.filesystem._walk import Stat, emit_tree, raise_problems
from spyless.unpack.interface import Blob, Category, Chunk, Handler, Magic
from spyless.unpack.sandbox import Sink

_MAGIC = 0x28CD3D45
_SIGNATURE = b"Compressed ROMFS"
_PAGE = 4096
_SUPER = 76
_PAD = 512
_FLAG_EXT_BLOCK_POINTERS = 0x800
_BLK_UNCOMPRESSED = 1 << 31
_BLK_DIRECT = 1 << 30


class _CramTree:
    def __init__(self, data: bytes, endian: str, flags: int) -> None:
        self.data = data
        self.endian = endian
        self.ext_ptrs = bool(flags & _FLAG_EXT_BLOCK_POINTERS)

    def inode(self, off: int) -> tuple[int, int, int, int, int, int]:
        """(mode, uid, size, gid, namelen_bytes, data_offset) of the inode at ``off``."""
        if off < 0 or off + 12 > len(self.data):
            raise FormatError(f"inode offset 0x{off:x} outside the image")
        a, b, c = struct.unpack_from(self.endian + "3I", self.data, off)
        if self.endian == "<":
            mode, uid = a & 0xFFFF, a >> 16
            size, gid = b & 0xFFFFFF, b >> 24
            namelen, offset = c & 0x3F, c >> 6
        else:
            mode, uid = a >> 16, a & 0xFFFF
            size, gid = b >> 8, b & 0xFF
            namelen, offset = c >> 26, c & 0x3FFFFFF
        return mode, uid, size, gid, namelen * 4, offset * 4

    def children(self, ref: int) -> Iterator[tuple[bytes, int]]:
        _, _, size, _, _, offset = self.inode(ref)
        pos, end = offset, offset + size
        if end > len(self.data):
            raise FormatError("directory runs past the image")
        while pos < end:
            _, _, _, _, namelen, _ = self.inode(pos)
            if namelen == 0:
                raise FormatError(f"directory entry without a name at 0x{pos:x}")
            name = self.data[pos + 12 : pos + 12 + namelen].rstrip(b"\x00")
            yield name, pos
            pos += 12 + namelen

    def stat(self, ref: int) -> Stat:
        mode, uid, size, gid, _, _ = self.inode(ref)
        fmt = stat.S_IFMT(mode)
        rdev = (size >> 8, size & 0xFF) if fmt in (stat.S_IFCHR, stat.S_IFBLK) else (0, 0)
        # cramfs has no inode numbers; files share data, never identity
        return Stat(mode, uid, gid, ident=ref if fmt == stat.S_IFDIR else None, rdev=rdev)

    def content(self, ref: int) -> Iterator[bytes]:
        _, _, size, _, _, offset = self.inode(ref)
        if size == 0:
            return
        nblocks = -(-size // _PAGE)
        table_end = offset + 4 * nblocks
        if offset == 0 or table_end > len(self.data):
            raise FormatError("block pointer table outside the image")
        ptrs = struct.unpack_from(f"{self.endian}{nblocks}I", self.data, offset)
        prev = table_end
        remaining = size
        for ptr in ptrs:
            want = min(_PAGE, remaining)
            block, prev = self._block(ptr, prev, want)
            if len(block) != want:
                raise FormatError(f"block decompressed to {len(block)} bytes, expected {want}")
            remaining -= want
            yield block

    def _block(self, ptr: int, prev: int, want: int) -> tuple[bytes, int]:
        if not self.ext_ptrs:
            if ptr == prev:
                return bytes(want), prev
            return self._inflate(prev, ptr, want), ptr
        uncompressed = bool(ptr & _BLK_UNCOMPRESSED)
        if ptr & _BLK_DIRECT:
            start = (ptr & 0x3FFFFFFF) << 2
            if uncompressed:
                return self._raw(start, want), prev
            if start + 2 > len(self.data):
                raise FormatError("direct block pointer outside the image")
            (clen,) = struct.unpack_from(self.endian + "H", self.data, start)
            return self._inflate(start + 2, start + 2 + clen, want), prev
        end = ptr & 0x3FFFFFFF
        if end == prev:
            return bytes(want), prev
        if uncompressed:
            return self._raw(prev, want), end
        return self._inflate(prev, end, want), end

    def _raw(self, start: int, want: int) -> bytes:
        block = self.data[start : start + want]
        if len(block) != want:
            raise FormatError("uncompressed block runs past the image")
        return block

    def _inflate(self, start: int, end: int, want: int) -> bytes:
        if not start <= end <= len(self.data) or end - start > 2 * _PAGE + 64:
            raise FormatError(f"block 0x{start:x}..0x{end:x} outside the image")
        try:
            d = zlib.decompressobj()
            return d.decompress(self.data[start:end], want + 1)
        except zlib.error as e:
            raise FormatError(f"bad zlib block at 0x{start:x}: {e}") from e

    def target(self, ref: int) -> bytes:
        return b"".join(self.content(ref))


class CramfsHandler(Handler):
    name = "cramfs"
    category = Category.FILESYSTEM
    magics = (Magic(struct.pack("<I", _MAGIC)), Magic(struct.pack(">I", _MAGIC)))
    description = "CramFS compressed ROM filesystem (both byte orders)"

    def parse(self, blob: Blob, start: int) -> Chunk | None:
        if start + _SUPER > len(blob) or blob[start + 16 : start + 32] != _SIGNATURE:
            return None
        for endian in "<>":
            magic, size, flags = struct.unpack_from(endian + "3I", blob, start)
            if magic == _MAGIC:
                break
        else:
            return None
        if size < _SUPER or flags & ~0x7FF & ~_FLAG_EXT_BLOCK_POINTERS:
            return None
        root = _CramTree(bytes(blob[start + 64 : start + _SUPER]), endian, 0)
        # mkcramfs -p: 512 bytes (a boot block) precede the superblock and count in offsets
        pad = _PAD if root.inode(0)[5] == _PAD + _SUPER and start >= _PAD else 0
        info = {"endian": "little" if endian == "<" else "big", "flags": f"0x{flags:x}",
                "size": str(size), "pad": str(pad)}
        if start - pad + size > len(blob):
            info["truncated"] = "yes"
        return Chunk(start, min(start - pad + size, len(blob)), self.name, info)

    def extract(self, blob: Blob, chunk: Chunk, sink: Sink) -> int | None:
        end = chunk.end if chunk.end is not None else len(blob)
        pad = int(chunk.info.get("pad", "0"))
        data = bytes(blob[chunk.start - pad : end])
        endian = "<" if chunk.info.get("endian", "little") == "little" else ">"
        tree = _CramTree(data, endian, int(chunk.info.get("flags", "0"), 16))
        problems = emit_tree(sink, tree, pad + 64, root_ident=pad + 64)
        if chunk.info.get("truncated"):
            problems.append(f"image truncated at {len(data)} of {chunk.info['size']} bytes")
        raise_problems("cramfs", problems)
        return None

