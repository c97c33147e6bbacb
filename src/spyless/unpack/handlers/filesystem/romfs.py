"""RomFS ("-rom1fs-"): the Linux read-only filesystem of 16-byte aligned, big-endian headers.

Owns the superblock check (size, checksum of the first 512 bytes) and the walk over file
headers: directories, regular files, symlinks, hard links and device nodes.
"""

from __future__ import annotations

import stat
import struct
from collections.abc import Iterable, Iterator

from spyless.errors import FormatError
from spyless.unpack.handlers.filesystem._walk import Stat, emit_tree, raise_problems
from spyless.unpack.interface import Blob, Category, Chunk, Handler, Magic
from spyless.unpack.sandbox import Sink

_MAGIC = b"-rom1fs-"
_TYPES = {
    1: stat.S_IFDIR, 2: stat.S_IFREG, 3: stat.S_IFLNK, 4: stat.S_IFBLK,
    5: stat.S_IFCHR, 6: stat.S_IFSOCK, 7: stat.S_IFIFO,
}
_MAX_NAME = 256


def _checksum(data: bytes) -> int:
    words = struct.unpack(f">{len(data) // 4}I", data[: len(data) // 4 * 4])
    return int(sum(words)) & 0xFFFFFFFF


def _name_end(data: bytes, off: int) -> int:
    """Offset just after the zero-padded name at ``off`` (16-byte aligned)."""
    nul = data.find(b"\x00", off, off + _MAX_NAME)
    if nul < 0:
        raise FormatError(f"unterminated name at 0x{off:x}")
    return (nul + 16) & ~15


class _RomTree:
    def __init__(self, data: bytes, first: int) -> None:
        self.data = data
        self.first = first

    def header(self, off: int) -> tuple[int, int, int, bytes, int]:
        if off < 16 or off + 16 > len(self.data) or off & 15:
            raise FormatError(f"file header offset 0x{off:x} outside the image")
        nxt, spec, size, _ = struct.unpack_from(">4I", self.data, off)
        end = _name_end(self.data, off + 16)
        name = self.data[off + 16 : self.data.index(b"\x00", off + 16)]
        return nxt, spec, size, name, end

    def children(self, ref: int) -> Iterator[tuple[bytes, int]]:
        off = self.first if ref == 0 else self.header(ref)[1] & ~15
        seen: set[int] = set()
        while off:
            if off in seen or len(seen) > len(self.data) // 32:
                raise FormatError("loop in a directory's file list")
            seen.add(off)
            nxt, _, _, name, _ = self.header(off)
            yield name, off
            off = nxt & ~15

    def stat(self, ref: int) -> Stat:
        nxt, spec, _, _, _ = self.header(ref)
        kind = nxt & 7
        if kind == 0:
            return Stat(stat.S_IFREG | 0o644, hardlink_to=spec & ~15)
        perm = 0o755 if kind == 1 or nxt & 8 else 0o644
        fmt = _TYPES[kind]
        rdev = (spec >> 16, spec & 0xFFFF) if fmt in (stat.S_IFBLK, stat.S_IFCHR) else (0, 0)
        return Stat(fmt | perm, ident=ref, rdev=rdev)

    def _body(self, ref: int) -> bytes:
        _, _, size, _, start = self.header(ref)
        body = self.data[start : start + size]
        if len(body) < size:
            raise FormatError(f"file data truncated ({len(body)} of {size} bytes)")
        return body

    def content(self, ref: int) -> Iterable[bytes]:
        return [self._body(ref)]

    def target(self, ref: int) -> bytes:
        return self._body(ref).split(b"\x00", 1)[0]


class RomfsHandler(Handler):
    name = "romfs"
    category = Category.FILESYSTEM
    magics = (Magic(_MAGIC),)
    description = "Linux RomFS read-only filesystem"

    def parse(self, blob: Blob, start: int) -> Chunk | None:
        if blob[start : start + 8] != _MAGIC or start + 32 > len(blob):
            return None
        (size,) = struct.unpack_from(">I", blob, start + 8)
        if size < 32:
            return None
        truncated = start + size > len(blob)
        covered = min(size, 512)
        # a truncated image cannot prove its checksum; the 8-byte magic must do
        if start + covered <= len(blob) and _checksum(bytes(blob[start : start + covered])):
            return None
        end = min(start + size, len(blob))
        info = {"size": str(size)}
        if truncated:
            info["truncated"] = "yes"
        return Chunk(start, end, self.name, info)

    def extract(self, blob: Blob, chunk: Chunk, sink: Sink) -> int | None:
        end = chunk.end if chunk.end is not None else len(blob)
        data = bytes(blob[chunk.start : end])
        tree = _RomTree(data, _name_end(data, 16))
        problems = emit_tree(sink, tree, 0, root_ident=0)
        if chunk.info.get("truncated"):
            problems.append(f"image truncated at {len(data)} of {chunk.info['size']} bytes")
        raise_problems("romfs", problems)
        return None
