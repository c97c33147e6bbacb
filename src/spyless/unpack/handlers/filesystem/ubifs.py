"""UBIFS volume images (superblock node magic 06 10 18 31 at the start of LEB 0).

Owns the superblock and master-node checks and an index walk of our own (explicit stack,
visited set, node CRCs) collecting inode, data and directory-entry nodes, which it then
writes through the sink. Node structures are decoded by ubi-reader; ubi-reader's own walk
and extractor are not used (they recurse without bound and write to disk).
"""

from __future__ import annotations

import functools
import io
import stat
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import zstandard
from lzallright import LZOCompressor, LZOError

from spyless.errors import FormatError
from spyless.unpack.handlers.filesystem._walk import Stat, emit_tree, raise_problems
from spyless.unpack.interface import Blob, Category, Chunk, Handler, Magic
from spyless.unpack.sandbox import Sink


@functools.cache
def _nodes() -> ModuleType:
    """ubi-reader's node classes, imported on first use: it is slow to import."""
    from ubireader.ubifs import nodes  # noqa: PLC0415 - deferred for start-up time

    return nodes

_MAGIC = 0x06101831
_HDR = 24
_INO, _DATA, _DENT, _SB, _MST, _IDX = 0, 1, 2, 6, 7, 9
_BLOCK = 4096
_ROOT = 1
_ITYPE_MODES = {0: stat.S_IFREG, 1: stat.S_IFDIR, 2: stat.S_IFLNK, 3: stat.S_IFBLK,
                4: stat.S_IFCHR, 5: stat.S_IFIFO, 6: stat.S_IFSOCK}
_NODE_ERRORS = (struct.error, ZeroDivisionError, ValueError, IndexError, UnicodeError)


def _node(blob: Blob, pos: int, end: int) -> tuple[int, bytes] | None:
    """(type, body after the common header) of a node with a good CRC at ``pos``."""
    if pos < 0 or pos + _HDR > end:
        return None
    magic, crc, _, length, ntype = struct.unpack_from("<IIQIB", blob, pos)
    if magic != _MAGIC or length < _HDR or pos + length > end:
        return None
    if zlib.crc32(blob[pos + 8 : pos + length]) ^ 0xFFFFFFFF != crc:
        return None
    return ntype, bytes(blob[pos + _HDR : pos + length])


def _geometry(blob: Blob, start: int) -> tuple[int, int] | None:
    """(LEB size, LEB count) from a valid superblock node at ``start``."""
    node = _node(blob, start, min(len(blob), start + 8192))
    if node is None or node[0] != _SB or len(node[1]) < 32:
        return None
    leb_size, leb_cnt = struct.unpack_from("<II", node[1], 12)
    if not 512 <= leb_size <= 1 << 22 or leb_size & 7 or leb_cnt < 4:
        return None
    return leb_size, leb_cnt


def _decompress(ctype: int, data: bytes, size: int) -> bytes:
    try:
        if ctype == 0:
            return data[:size]
        if ctype == 1:
            return bytes(LZOCompressor.decompress(data, output_size_hint=size)[:size])
        if ctype == 2:
            return zlib.decompressobj(-15).decompress(data, size)
        if ctype == 3:
            reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data))
            return bytes(reader.read(size))
    except (zlib.error, LZOError, zstandard.ZstdError, ValueError) as e:
        raise FormatError(f"bad compressed block: {e}") from e
    raise FormatError(f"unknown compression type {ctype}")


@dataclass(slots=True)
class _Inode:
    ino: Any = None
    ino_sqnum: int = -1
    data: dict[int, tuple[int, Any]] = field(default_factory=dict)
    dents: dict[bytes, tuple[int, int]] = field(default_factory=dict)


class _UbifsTree:
    def __init__(self, data: bytes, leb_size: int) -> None:
        self.data = data
        self.leb = leb_size
        self.inodes: dict[int, _Inode] = {}
        self.problems: list[str] = []
        self.limit = 64 * len(data) + (1 << 20)

    def _at(self, lnum: int, offs: int) -> int:
        return lnum * self.leb + offs

    def master(self) -> tuple[int, int]:
        best: tuple[int, int, int] | None = None
        for lnum in (1, 2):
            pos, stop = self._at(lnum, 0), min(self._at(lnum + 1, 0), len(self.data))
            while pos < stop:
                node = _node(self.data, pos, stop)
                if node is None:
                    break
                (length,) = struct.unpack_from("<I", self.data, pos + 16)
                if node[0] == _MST:
                    try:
                        mst = _nodes().mst_node(node[1][: struct.calcsize(
                            _nodes().UBIFS_MST_NODE_FORMAT)])
                    except _NODE_ERRORS:
                        break
                    if best is None or mst.cmt_no > best[0]:
                        best = (mst.cmt_no, mst.root_lnum, mst.root_offs)
                pos += (length + 7) & ~7
        if best is None:
            raise FormatError("ubifs: no valid master node")
        return best[1], best[2]

    def walk_index(self, lnum: int, offs: int) -> None:
        stack = [(lnum, offs)]
        seen: set[tuple[int, int]] = set()
        while stack:
            where = stack.pop()
            if where in seen:
                continue
            seen.add(where)
            pos = self._at(*where)
            node = _node(self.data, pos, len(self.data))
            if node is None:
                self.problems.append(f"no valid node at LEB {where[0]}:{where[1]}")
                continue
            try:
                self._take(node[0], node[1], pos, stack)
            except _NODE_ERRORS as e:
                self.problems.append(f"bad node at LEB {where[0]}:{where[1]}: {e}")

    def _take(self, ntype: int, body: bytes, pos: int, stack: list[tuple[int, int]]) -> None:
        (sqnum,) = struct.unpack_from("<Q", self.data, pos + 8)
        if ntype == _IDX:
            (count,) = struct.unpack_from("<H", body, 0)
            if count and 4 + 12 * count <= len(body):
                idx = _nodes().idx_node(body)
                stack.extend((b.lnum, b.offs) for b in reversed(idx.branches))
        elif ntype == _INO:
            ino = _nodes().ino_node(body)
            node = self.inodes.setdefault(ino.key["ino_num"], _Inode())
            if sqnum >= node.ino_sqnum:
                node.ino, node.ino_sqnum = ino, sqnum
        elif ntype == _DATA:
            dn = _nodes().data_node(body, pos + _HDR + _nodes().UBIFS_DATA_NODE_SZ)
            block = dn.key["khash"] & 0x1FFFFFFF
            blocks = self.inodes.setdefault(dn.key["ino_num"], _Inode()).data
            if block not in blocks or sqnum >= blocks[block][0]:
                blocks[block] = (sqnum, dn)
        elif ntype == _DENT:
            dent = _nodes().dent_node(body)
            at = _nodes().UBIFS_DENT_NODE_SZ
            name = body[at : at + dent.nlen]
            dents = self.inodes.setdefault(dent.key["ino_num"], _Inode()).dents
            if name not in dents or sqnum >= dents[name][0]:
                dents[name] = (sqnum, dent.inum)

    def scan_all(self) -> None:
        """Without a usable index: read every node of every LEB, newest sequence wins."""
        stack: list[tuple[int, int]] = []
        for base in range(0, len(self.data), self.leb):
            pos, stop = base, min(base + self.leb, len(self.data))
            magic = struct.pack("<I", _MAGIC)
            while pos < stop:
                pos = self.data.find(magic, pos, stop)
                if pos < 0:
                    break
                node = _node(self.data, pos, stop) if pos % 8 == 0 else None
                if node is None:
                    pos += 1
                    continue
                if node[0] in (_INO, _DATA, _DENT):
                    try:
                        self._take(node[0], node[1], pos, stack)
                    except _NODE_ERRORS as e:
                        self.problems.append(f"bad node at 0x{pos:x}: {e}")
                pos += (_HDR + len(node[1]) + 7) & ~7

    # -- the Tree protocol -----------------------------------------------------------

    def _ino(self, ref: int) -> Any:
        node = self.inodes.get(ref)
        if node is None or node.ino is None:
            raise FormatError(f"no inode node for inode {ref}")
        return node.ino

    def children(self, ref: int) -> Iterator[tuple[bytes, int]]:
        node = self.inodes.get(ref)
        if node is not None:
            for name, (_, inum) in sorted(node.dents.items()):
                if inum:  # inode 0 marks a deleted entry
                    yield name, inum

    def stat(self, ref: int) -> Stat:
        ino = self._ino(ref)
        rdev = (0, 0)
        if stat.S_IFMT(ino.mode) in (stat.S_IFCHR, stat.S_IFBLK) and len(ino.data) >= 4:
            (v,) = struct.unpack_from("<I", ino.data, 0)
            rdev = ((v & 0xFFF00) >> 8, (v & 0xFF) | ((v >> 12) & 0xFFF00))
        return Stat(ino.mode, ino.uid, ino.gid, ident=ref, rdev=rdev)

    def content(self, ref: int) -> Iterator[bytes]:
        size = self._ino(ref).size
        if size > self.limit:
            raise FormatError(f"inode {ref} claims {size} bytes")
        blocks = self.inodes[ref].data
        for n in range(-(-size // _BLOCK)):
            want = min(_BLOCK, size - n * _BLOCK)
            found = blocks.get(n)
            if found is None:
                yield bytes(want)
                continue
            dn = found[1]
            raw = self.data[dn.offset : dn.offset + dn.compr_len]
            plain = _decompress(dn.compr_type, raw, min(dn.size, _BLOCK))[:want]
            yield plain + bytes(want - len(plain))

    def target(self, ref: int) -> bytes:
        ino = self._ino(ref)
        return bytes(ino.data[: ino.data_len])


class UbifsHandler(Handler):
    name = "ubifs"
    category = Category.FILESYSTEM
    magics = (Magic(struct.pack("<I", _MAGIC)),)
    description = "UBIFS volume image"

    def parse(self, blob: Blob, start: int) -> Chunk | None:
        geo = _geometry(blob, start)
        if geo is None:
            return None
        size = geo[0] * geo[1]
        info = {"leb_size": str(geo[0]), "size": str(size)}
        if start + size > len(blob):
            info["truncated"] = "yes"
        return Chunk(start, min(start + size, len(blob)), self.name, info)

    def extract(self, blob: Blob, chunk: Chunk, sink: Sink) -> int | None:
        end = chunk.end if chunk.end is not None else len(blob)
        geo = _geometry(blob, chunk.start)
        if geo is None:
            raise FormatError("ubifs: bad superblock")
        tree = _UbifsTree(bytes(blob[chunk.start : end]), geo[0])
        try:
            tree.walk_index(*tree.master())
        except FormatError as e:
            tree.problems.append(str(e))
        if _ROOT not in tree.inodes or tree.problems:
            tree.problems.append("index unusable; every node scanned instead")
            tree.scan_all()
        if _ROOT not in tree.inodes:
            raise FormatError("ubifs: root inode not found; " + "; ".join(tree.problems[:3]))
        problems = emit_tree(sink, tree, _ROOT, root_ident=_ROOT)
        if chunk.info.get("truncated"):
            problems.append(f"image truncated at {end - chunk.start} of {chunk.info['size']} bytes")
        raise_problems("ubifs", problems + tree.problems)
        return None
