"""JFFS2: the journalling flash filesystem, in both byte orders.

Owns the node scanner (header CRC, dirent and inode nodes, erase-block padding), the chunk
end (the last valid node, plus the 0xFF padding that fills its erase block) and the
rebuild of the tree: the highest version of each dirent and inode wins, data fragments are
laid over each other by version, file sizes are bounded by the data actually present.
"""

from __future__ import annotations

import re
import stat
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from spyless.errors import FormatError
from spyless.unpack.handlers.filesystem import _jffs2_data
from spyless.unpack.handlers.filesystem._walk import Stat, emit_tree, raise_problems
from spyless.unpack.interface import Blob, Category, Chunk, Handler, Magic
from spyless.unpack.sandbox import Sink

_MAGIC = 0x1985
_DIRENT = 0xE001
_INODE = 0xE002
_KNOWN = (_DIRENT, _INODE, 0x2003, 0x2004, 0x2006, 0xE008, 0xE009)
_DIRENT_SIZE = 40
_INODE_SIZE = 68
_MAX_DSIZE = 1 << 16
_PADDING = re.compile(rb"[^\xff\x00]")
_PAGE = 4096
_ROOT = 1
_DT_MODES = {1: stat.S_IFIFO, 2: stat.S_IFCHR, 4: stat.S_IFDIR, 6: stat.S_IFBLK,
             8: stat.S_IFREG, 10: stat.S_IFLNK, 12: stat.S_IFSOCK}


def _crc(data: bytes | memoryview) -> int:
    return zlib.crc32(data, 0xFFFFFFFF) ^ 0xFFFFFFFF


def _node_at(blob: Blob, pos: int, end: int, e: str) -> tuple[int, int] | None:
    """(type, totlen) of a valid node header at ``pos``, else None."""
    if pos + 12 > end:
        return None
    magic, ntype, totlen, hcrc = struct.unpack_from(e + "HHII", blob, pos)
    if magic != _MAGIC or totlen < 12 or pos + totlen > end:
        return None
    if _crc(blob[pos : pos + 8]) != hcrc:
        return None
    return ntype, totlen


def _next_node(blob: Blob, pos: int, end: int, e: str) -> int | None:
    """Position of the node following ``pos`` across padding, or None."""
    hit = _PADDING.search(blob, pos, end)
    if hit is None:
        return None
    cand = hit.start() & ~3
    if cand < pos:
        cand += 4
    return cand if _node_at(blob, cand, end, e) is not None else None


def scan_end(blob: Blob, start: int, e: str) -> int:
    """End of the run of valid nodes starting at ``start`` (padding to 4 KiB included)."""
    end = len(blob)
    pos = start
    last = start
    for _ in range(len(blob) // 12 + 1):
        node = _node_at(blob, pos, end, e)
        if node is None:
            nxt = _next_node(blob, pos, end, e)
            if nxt is None:
                break
            pos = nxt
            continue
        last = min((pos + node[1] + 3) & ~3, end)
        pos = last
    hit = _PADDING.search(blob, last, end)
    pad_end = end if hit is None else hit.start()
    aligned = start + (pad_end - start) // _PAGE * _PAGE
    return max(last, aligned)


@dataclass(frozen=True, slots=True)
class _Frag:
    version: int
    offset: int
    dsize: int
    compr: int
    data_at: int
    csize: int


@dataclass(slots=True)
class _Ino:
    version: int = -1
    mode: int = 0
    uid: int = 0
    gid: int = 0
    isize: int = 0
    frags: list[_Frag] = field(default_factory=list)


class _Jffs2Tree:
    def __init__(self, data: bytes, e: str) -> None:
        self.data = data
        self.e = e
        self.inodes: dict[int, _Ino] = {}
        self.dirents: dict[int, dict[bytes, tuple[int, int, int]]] = {}
        self.problems: list[str] = []
        self.limit = 64 * len(data) + (1 << 20)

    def scan(self) -> None:
        data, e, end = self.data, self.e, len(self.data)
        magic = struct.pack(e + "H", _MAGIC)
        pos = 0
        while True:
            pos = data.find(magic, pos)
            if pos < 0:
                break
            if pos & 3:
                pos = (pos + 3) & ~3
                continue
            node = _node_at(data, pos, end, e)
            if node is None:
                pos += 4
                continue
            ntype, totlen = node
            if ntype == _DIRENT:
                self._dirent(pos, totlen)
            elif ntype == _INODE:
                self._inode(pos, totlen)
            pos = (pos + totlen + 3) & ~3

    def _dirent(self, pos: int, totlen: int) -> None:
        if totlen < _DIRENT_SIZE:
            return
        pino, version, ino, _, nsize, dtype, ncrc, name_crc = struct.unpack_from(
            self.e + "IIIIBB2xII", self.data, pos + 12)
        name = self.data[pos + _DIRENT_SIZE : pos + _DIRENT_SIZE + nsize]
        if _crc(self.data[pos : pos + 32]) != ncrc or len(name) != nsize:
            self.problems.append(f"dirent at 0x{pos:x}: bad CRC")
            return
        if _crc(name) != name_crc:
            self.problems.append(f"dirent at 0x{pos:x}: bad name CRC")
            return
        entries = self.dirents.setdefault(pino, {})
        old = entries.get(name)
        if old is None or version >= old[0]:
            entries[name] = (version, ino, dtype)

    def _inode(self, pos: int, totlen: int) -> None:
        if totlen < _INODE_SIZE:
            return
        (ino, version, mode, uid, gid, isize, _, _, _, offset, csize, dsize, compr, _, _,
         _, ncrc) = struct.unpack_from(self.e + "IIIHHIIIIIIIBBHII", self.data, pos + 12)
        if _crc(self.data[pos : pos + 60]) != ncrc:
            self.problems.append(f"inode at 0x{pos:x}: bad CRC")
            return
        if csize > totlen - _INODE_SIZE or dsize > _MAX_DSIZE:
            self.problems.append(f"inode at 0x{pos:x}: impossible sizes")
            return
        node = self.inodes.setdefault(ino, _Ino())
        if version >= node.version:
            node.version, node.mode, node.uid, node.gid, node.isize = (
                version, mode, uid, gid, isize)
        if dsize:
            node.frags.append(_Frag(version, offset, dsize, compr, pos + _INODE_SIZE, csize))

    # -- the Tree protocol -----------------------------------------------------------

    def children(self, ref: int) -> Iterator[tuple[bytes, int]]:
        for name, (_, ino, _) in sorted(self.dirents.get(ref, {}).items()):
            if ino:  # ino 0 is an unlink
                yield name, ino

    def stat(self, ref: int) -> Stat:
        node = self.inodes.get(ref)
        if node is None and ref == _ROOT:
            return Stat(stat.S_IFDIR | 0o755, ident=_ROOT)  # the root has no inode node
        if node is None:
            raise FormatError(f"no inode node for ino {ref}")
        mode = node.mode
        rdev = (0, 0)
        if stat.S_IFMT(mode) in (stat.S_IFCHR, stat.S_IFBLK) and node.frags:
            # the device number is the node's data; isize stays 0
            frag = max(node.frags, key=lambda f: f.version)
            raw = _jffs2_data.decompress(
                frag.compr, self.data[frag.data_at : frag.data_at + frag.csize], frag.dsize)
            if len(raw) == 2:
                (v,) = struct.unpack(self.e + "H", raw)
                rdev = (v >> 8, v & 0xFF)
            elif len(raw) == 4:
                (v,) = struct.unpack(self.e + "I", raw)
                rdev = ((v & 0xFFF00) >> 8, (v & 0xFF) | ((v >> 12) & 0xFFF00))
        return Stat(mode, node.uid, node.gid, ident=ref, rdev=rdev)

    def _bytes(self, node: _Ino) -> bytes:
        return b"".join(self._pages(node))

    def _pages(self, node: _Ino) -> Iterator[bytes]:
        size = node.isize
        if size > self.limit:
            self.problems.append(f"file claims {size} bytes; cut to {self.limit}")
            size = self.limit
        pages: dict[int, bytearray] = {}
        for frag in sorted(node.frags, key=lambda f: f.version):
            if frag.offset >= size:
                continue
            raw = self.data[frag.data_at : frag.data_at + frag.csize]
            plain = _jffs2_data.decompress(frag.compr, raw, frag.dsize)
            pos = frag.offset
            for i in range(0, len(plain), _PAGE):
                piece = plain[i : i + _PAGE]
                at = pos + i
                first, off = divmod(at, _PAGE)
                head = piece[: _PAGE - off]
                pages.setdefault(first, bytearray(_PAGE))[off : off + len(head)] = head
                rest = piece[len(head):]
                if rest:
                    pages.setdefault(first + 1, bytearray(_PAGE))[: len(rest)] = rest
        for index in range(-(-size // _PAGE)):
            page = pages.get(index)
            chunk = bytes(page) if page is not None else bytes(_PAGE)
            yield chunk[: max(0, min(_PAGE, size - index * _PAGE))]

    def content(self, ref: int) -> Iterator[bytes]:
        node = self.inodes.get(ref)
        if node is None:
            raise FormatError(f"no inode node for ino {ref}")
        return self._pages(node)

    def target(self, ref: int) -> bytes:
        node = self.inodes.get(ref)
        if node is None:
            raise FormatError(f"no inode node for ino {ref}")
        return self._bytes(node)


class Jffs2Handler(Handler):
    name = "jffs2"
    category = Category.FILESYSTEM
    magics = tuple(
        Magic(struct.pack(e + "HH", _MAGIC, t)) for e in "<>" for t in (0x2003, _DIRENT, _INODE)
    )
    description = "JFFS2 flash filesystem (both byte orders; zlib, lzma, lzo, rtime)"

    def parse(self, blob: Blob, start: int) -> Chunk | None:
        for e in "<>":
            node = _node_at(blob, start, len(blob), e)
            if node is not None and node[0] in _KNOWN:
                break
        else:
            return None
        end = scan_end(blob, start, e)
        return Chunk(start, end, self.name, {"endian": "little" if e == "<" else "big"})

    def extract(self, blob: Blob, chunk: Chunk, sink: Sink) -> int | None:
        e = "<" if chunk.info.get("endian", "little") == "little" else ">"
        end = chunk.end if chunk.end is not None else scan_end(blob, chunk.start, e)
        tree = _Jffs2Tree(bytes(blob[chunk.start : end]), e)
        tree.scan()
        if _ROOT not in tree.dirents:
            raise FormatError("jffs2: no directory entries under the root")
        problems = emit_tree(sink, tree, _ROOT, root_ident=_ROOT)
        raise_problems("jffs2", problems + tree.problems)
        return end if chunk.end is None else None
