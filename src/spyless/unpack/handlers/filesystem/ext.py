"""ext2/ext3/ext4: a compact, bounded, read-only reader of our own.

Owns the superblock validation (block size, inode size, group counts against the data
present), group descriptors (32- and 64-byte), inodes, block maps (direct, single, double,
triple indirect) and extent trees (depth-bounded, uninitialised extents as zeros), inline
data, directories read linearly (hashed-tree blocks look like empty entries), fast and slow
symlinks and hard links (same inode under two names).
"""

from __future__ import annotations

import stat
import struct
from collections.abc import Iterator

from spyless.errors import FormatError
from spyless.unpack.handlers.filesystem._walk import Stat, emit_tree, raise_problems
from spyless.unpack.interface import Blob, Category, Chunk, Handler, Magic
from spyless.unpack.sandbox import Sink

_SB = 1024
_INCOMPAT_64BIT = 0x80
_INCOMPAT_FILETYPE = 0x2
_EXTENTS_FL = 0x80000
_INLINE_DATA_FL = 0x10000000
_EXTENT_MAGIC = 0xF30A
_ROOT_INO = 2
_MAX_EXTENT_DEPTH = 5


class _Ext:
    def __init__(self, data: bytes) -> None:
        self.data = data
        sb = data[_SB : _SB + 1024]
        if len(sb) < 1024:
            raise FormatError("superblock truncated")
        (self.inodes_count, blocks_lo, _, _, _, self.first_data_block, log_bs, _,
         self.blocks_per_group, _, self.inodes_per_group) = struct.unpack_from("<11I", sb, 0)
        self.block_size = 1024 << log_bs
        (rev,) = struct.unpack_from("<I", sb, 76)
        self.inode_size = struct.unpack_from("<H", sb, 88)[0] if rev >= 1 else 128
        self.incompat = struct.unpack_from("<I", sb, 96)[0]
        self.desc_size = 32
        blocks_hi = 0
        if self.incompat & _INCOMPAT_64BIT:
            self.desc_size = struct.unpack_from("<H", sb, 0xFE)[0] or 64
            blocks_hi = struct.unpack_from("<I", sb, 0x150)[0]
        self.blocks_count = blocks_lo | blocks_hi << 32
        self.groups = -(-(self.blocks_count - self.first_data_block) // max(self.blocks_per_group, 1))
        self.limit = 64 * len(data) + (1 << 20)

    def block(self, n: int) -> bytes:
        if n <= 0 or n >= self.blocks_count:
            raise FormatError(f"block {n} outside the filesystem")
        at = n * self.block_size
        out = self.data[at : at + self.block_size]
        if len(out) != self.block_size:
            raise FormatError(f"block {n} beyond the end of the image (truncated)")
        return out

    def inode(self, ino: int) -> bytes:
        if not 1 <= ino <= self.inodes_count:
            raise FormatError(f"inode {ino} out of range")
        group, index = divmod(ino - 1, self.inodes_per_group)
        desc_at = (self.first_data_block + 1) * self.block_size + group * self.desc_size
        if desc_at + self.desc_size > len(self.data):
            raise FormatError("group descriptor beyond the image")
        (table,) = struct.unpack_from("<I", self.data, desc_at + 8)
        if self.desc_size >= 64:
            table |= struct.unpack_from("<I", self.data, desc_at + 0x28)[0] << 32
        at = table * self.block_size + index * self.inode_size
        raw = self.data[at : at + self.inode_size]
        if len(raw) < 128 or table == 0:
            raise FormatError(f"inode {ino} beyond the image")
        return raw

    # -- file data -------------------------------------------------------------------

    def size(self, raw: bytes) -> int:
        (lo,) = struct.unpack_from("<I", raw, 4)
        (hi,) = struct.unpack_from("<I", raw, 108)
        return int(lo | hi << 32)

    def runs(self, raw: bytes) -> Iterator[tuple[int, int, int]]:
        """(logical block, physical block or 0 for zeros, count) of a file's data."""
        (flags,) = struct.unpack_from("<I", raw, 32)
        iblock = raw[40:100]
        if flags & _EXTENTS_FL:
            yield from self._extents(iblock, 0, set())
            return
        ptrs = struct.unpack("<15I", iblock)
        nblocks = -(-self.size(raw) // self.block_size)
        for i in range(min(12, nblocks)):
            yield i, ptrs[i], 1
        per = self.block_size // 4
        logical = 12
        for level, top in ((1, ptrs[12]), (2, ptrs[13]), (3, ptrs[14])):
            if logical >= nblocks:
                return
            span = per**level
            if top:
                yield from self._indirect(top, level, logical, nblocks)
            logical += span

    def _indirect(self, blk: int, level: int, logical: int, nblocks: int) -> Iterator[
            tuple[int, int, int]]:
        per = self.block_size // 4
        ptrs = struct.unpack(f"<{per}I", self.block(blk))
        span = per ** (level - 1)
        for i, p in enumerate(ptrs):
            at = logical + i * span
            if at >= nblocks:
                return
            if not p:
                continue
            if level == 1:
                yield at, p, 1
            else:
                yield from self._indirect(p, level - 1, at, nblocks)

    def _extents(self, node: bytes, depth: int, seen: set[int]) -> Iterator[
            tuple[int, int, int]]:
        if depth > _MAX_EXTENT_DEPTH:
            raise FormatError("extent tree too deep")
        magic, entries, _, tree_depth = struct.unpack_from("<4H", node, 0)
        if magic != _EXTENT_MAGIC or 12 + 12 * entries > len(node):
            raise FormatError("bad extent header")
        for i in range(entries):
            at = 12 + 12 * i
            if tree_depth == 0:
                lblock, length, hi, lo = struct.unpack_from("<IHHI", node, at)
                zero = length > 32768
                yield lblock, 0 if zero else (hi << 32 | lo), length - 32768 if zero else length
            else:
                _, leaf_lo, leaf_hi = struct.unpack_from("<IIH", node, at)
                leaf = leaf_hi << 32 | leaf_lo
                if leaf in seen:
                    raise FormatError("extent tree visits a block twice")
                seen.add(leaf)
                yield from self._extents(self.block(leaf), depth + 1, seen)

    def read(self, raw: bytes) -> Iterator[bytes]:
        size = self.size(raw)
        if size > self.limit:
            raise FormatError(f"file claims {size} bytes")
        (flags,) = struct.unpack_from("<I", raw, 32)
        if flags & _INLINE_DATA_FL:
            yield raw[40 : 40 + min(size, 60)]
            return
        bs = self.block_size
        pos = 0
        for logical, phys, count in sorted(self.runs(raw)):
            for k in range(count):
                at = (logical + k) * bs
                if at >= size:
                    break
                if at > pos:
                    yield from _zeros(at - pos)
                    pos = at
                if at < pos:
                    continue
                piece = self.block(phys + k)[: size - at] if phys else bytes(min(bs, size - at))
                yield piece
                pos += len(piece)
        if pos < size:
            yield from _zeros(size - pos)


def _zeros(n: int) -> Iterator[bytes]:
    while n > 0:
        step = min(n, 1 << 20)
        yield bytes(step)
        n -= step


class _ExtTree:
    def __init__(self, fs: _Ext) -> None:
        self.fs = fs

    def children(self, ref: int) -> Iterator[tuple[bytes, int]]:
        fs = self.fs
        raw = fs.inode(ref)
        data = b"".join(fs.read(raw))
        pos = 0
        while pos + 8 <= len(data):
            ino, rec_len, name_len = struct.unpack_from("<IHB", data, pos)
            if rec_len < 8 or rec_len & 3:
                raise FormatError(f"directory {ref}: bad entry length {rec_len}")
            if ino and pos + 8 + name_len <= len(data):
                yield data[pos + 8 : pos + 8 + name_len], ino
            pos += rec_len

    def stat(self, ref: int) -> Stat:
        raw = self.fs.inode(ref)
        mode, uid, _, _, _, _, gid = struct.unpack_from("<HHIIIIH", raw, 0)
        uid |= struct.unpack_from("<H", raw, 120)[0] << 16
        gid |= struct.unpack_from("<H", raw, 122)[0] << 16
        rdev = (0, 0)
        if stat.S_IFMT(mode) in (stat.S_IFCHR, stat.S_IFBLK):
            old, new = struct.unpack_from("<II", raw, 40)
            if old:
                rdev = ((old >> 8) & 0xFF, old & 0xFF)
            else:
                rdev = ((new & 0xFFF00) >> 8, (new & 0xFF) | ((new >> 12) & 0xFFF00))
        return Stat(mode, uid, gid, ident=ref, rdev=rdev)

    def content(self, ref: int) -> Iterator[bytes]:
        return self.fs.read(self.fs.inode(ref))

    def target(self, ref: int) -> bytes:
        raw = self.fs.inode(ref)
        size = self.fs.size(raw)
        flags, blocks = struct.unpack_from("<I", raw, 32)[0], struct.unpack_from("<I", raw, 28)[0]
        if size < 60 and (flags & _INLINE_DATA_FL or (blocks == 0 and not flags & _EXTENTS_FL)):
            return raw[40 : 40 + size]
        if size > 4096:
            raise FormatError("symbolic link target longer than 4096")
        return b"".join(self.fs.read(raw))


def _check(blob: Blob, start: int) -> tuple[int, int] | None:
    """(claimed size, block size) when the superblock at start+1024 is sane."""
    if start + _SB + 264 > len(blob):
        return None
    (inodes, blocks, _, _, _, first, log_bs, _, bpg, _, ipg) = struct.unpack_from(
        "<11I", blob, start + _SB)
    magic, = struct.unpack_from("<H", blob, start + _SB + 56)
    rev, = struct.unpack_from("<I", blob, start + _SB + 76)
    isize, = struct.unpack_from("<H", blob, start + _SB + 88)
    if magic != 0xEF53 or log_bs > 6 or rev > 1 or not blocks or not inodes:
        return None
    bs = 1024 << log_bs
    if first != (1 if bs == 1024 else 0) or not 8 <= bpg <= 8 * bs or not 1 <= ipg <= 8 * bs:
        return None
    if rev == 1 and (isize < 128 or isize > bs or isize & (isize - 1)):
        return None
    groups = -(-(blocks - first) // bpg)
    if groups * ipg < inodes or (groups - 1) * ipg >= inodes + ipg:
        return None
    return blocks * bs, bs


class ExtHandler(Handler):
    name = "ext"
    category = Category.FILESYSTEM
    magics = (Magic(b"\x53\xef", _SB + 56),)
    description = "ext2/ext3/ext4 filesystem image"

    def parse(self, blob: Blob, start: int) -> Chunk | None:
        found = _check(blob, start)
        if found is None:
            return None
        size, bs = found
        info = {"size": str(size), "block_size": str(bs)}
        if start + size > len(blob):
            info["truncated"] = "yes"
        return Chunk(start, min(start + size, len(blob)), self.name, info)

    def extract(self, blob: Blob, chunk: Chunk, sink: Sink) -> int | None:
        end = chunk.end if chunk.end is not None else len(blob)
        fs = _Ext(bytes(blob[chunk.start : end]))
        problems = emit_tree(sink, _ExtTree(fs), _ROOT_INO, root_ident=_ROOT_INO)
        if chunk.info.get("truncated"):
            problems.append(f"image truncated at {end - chunk.start} of {chunk.info['size']} bytes")
        raise_problems("ext", problems)
        return None
