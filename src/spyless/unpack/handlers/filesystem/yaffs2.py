"""YAFFS2 NAND images: pages of data, each followed by its spare area with packed tags.

Owns the geometry guess (page 512/1024/2048/4096/8192 with spare 16..256, byte order, tags
at spare offset 0 or 2 after a bad-block marker), the chunk end (the last page with
plausible tags) and the rebuild: object headers (type, parent, name, mode, ids, size,
symlink alias, hard-link target, device number) and data chunks by object and chunk id,
the highest sequence number winning.
"""

from __future__ import annotations

import stat
import struct
from collections.abc import Iterator
from dataclasses import dataclass

from spyless.errors import FormatError
from spyless.unpack.handlers.filesystem._walk import Stat, emit_tree, raise_problems
from spyless.unpack.interface import Blob, Category, Chunk, Handler, Magic
from spyless.unpack.sandbox import Sink

_GEOMETRIES = ((2048, 64), (512, 16), (4096, 128), (1024, 32), (8192, 256), (4096, 224))
_HEADER_FLAG = 0x80000000
_ID_MASK = 0x0FFFFFFF
_FILE, _SYMLINK, _DIR, _HARDLINK, _SPECIAL = 1, 2, 3, 4, 5
_TYPE_MODES = {_FILE: stat.S_IFREG, _SYMLINK: stat.S_IFLNK, _DIR: stat.S_IFDIR}
_UNLINKED, _DELETED = 3, 4
_ROOT = 1


@dataclass(frozen=True, slots=True)
class Geometry:
    page: int
    spare: int
    endian: str
    tag_offset: int

    @property
    def stride(self) -> int:
        return self.page + self.spare


@dataclass(frozen=True, slots=True)
class _Header:
    type: int
    parent: int
    name: bytes
    mode: int
    uid: int
    gid: int
    size: int
    equiv: int
    alias: bytes
    rdev: int


def _tags(blob: Blob, at: int, g: Geometry) -> tuple[int, int, int, int] | None:
    """(seq, obj, chunk, nbytes) with header flags folded, or None for an erased page."""
    raw = blob[at : at + 16]
    if len(raw) < 16 or raw == b"\xff" * 16:
        return None
    seq, obj, chunk, nbytes = struct.unpack(g.endian + "4I", raw)
    if chunk & _HEADER_FLAG:
        return seq, obj & _ID_MASK, 0, nbytes
    return seq, obj, chunk, nbytes


def _plausible(t: tuple[int, int, int, int], g: Geometry) -> bool:
    _, obj, chunk, nbytes = t
    return 0 < obj < 0x40000 and chunk < 0x100000 and (chunk == 0 or nbytes <= g.page)


def _header(data: bytes, e: str) -> _Header | None:
    if len(data) < 512:
        return None
    otype, parent = struct.unpack_from(e + "II", data, 0)
    if not 1 <= otype <= 5:
        return None
    name = data[10:266].split(b"\x00", 1)[0]
    mode, uid, gid = struct.unpack_from(e + "III", data, 268)
    size_lo, equiv = struct.unpack_from(e + "Ii", data, 292)
    alias = data[300:460].split(b"\x00", 1)[0]
    (rdev,) = struct.unpack_from(e + "I", data, 460)
    (size_hi,) = struct.unpack_from(e + "I", data, 496)
    size = size_lo if size_hi in (0, 0xFFFFFFFF) else size_lo | size_hi << 32
    return _Header(otype, parent, name, mode, uid, gid, size, equiv, alias, rdev)


def guess(blob: Blob, start: int) -> Geometry | None:
    """The geometry under which the first pages hold a header and sane tags."""
    for page, spare in _GEOMETRIES:
        if start + page + spare > len(blob):
            continue
        for e in "<>":
            if _header(bytes(blob[start : start + 512]), e) is None:
                continue
            for tag_offset in (2, 0):
                if tag_offset + 16 > spare:
                    continue
                g = Geometry(page, spare, e, tag_offset)
                t = _tags(blob, start + page + tag_offset, g)
                if t is None or t[2] != 0 or not _plausible(t, g):
                    continue
                nxt = start + g.stride
                t2 = _tags(blob, nxt + page + tag_offset, g)
                if nxt + g.stride > len(blob) or t2 is None or _plausible(t2, g):
                    return g
    return None


def scan_end(blob: Blob, start: int, g: Geometry) -> int:
    pos = start
    last = start
    while pos + g.stride <= len(blob):
        t = _tags(blob, pos + g.page + g.tag_offset, g)
        if t is not None:
            if not _plausible(t, g):
                break
            last = pos + g.stride
        elif blob[pos : pos + g.page].count(b"\xff") != g.page:
            break
        pos += g.stride
    return last


class _YaffsTree:
    def __init__(self, data: bytes, g: Geometry) -> None:
        self.data = data
        self.g = g
        self.headers: dict[int, _Header] = {}
        self.chunks: dict[int, dict[int, tuple[int, int]]] = {}  # obj -> chunk -> (page, n)
        self.kids: dict[int, list[int]] = {}
        self.limit = 64 * len(data) + (1 << 20)

    def scan(self) -> None:
        g, data = self.g, self.data
        best: dict[tuple[int, int], tuple[int, int, int]] = {}
        for index, pos in enumerate(range(0, len(data) - g.stride + 1, g.stride)):
            t = _tags(data, pos + g.page + g.tag_offset, g)
            if t is None or not _plausible(t, g):
                continue
            seq, obj, chunk, nbytes = t
            key = (obj, chunk)
            old = best.get(key)
            if old is None or (seq, index) >= (old[0], old[1]):
                best[key] = (seq, index, nbytes)
        for (obj, chunk), (_, index, nbytes) in best.items():
            pos = index * g.stride
            if chunk == 0:
                hdr = _header(data[pos : pos + g.page], g.endian)
                if hdr is not None:
                    self.headers[obj] = hdr
            else:
                self.chunks.setdefault(obj, {})[chunk] = (pos, min(nbytes, g.page))
        for obj, hdr in self.headers.items():
            if obj != _ROOT and hdr.parent not in (_UNLINKED, _DELETED):
                self.kids.setdefault(hdr.parent, []).append(obj)

    def children(self, ref: int) -> Iterator[tuple[bytes, int]]:
        for obj in sorted(self.kids.get(ref, [])):
            yield self.headers[obj].name, obj

    def stat(self, ref: int) -> Stat:
        hdr = self.headers[ref]
        perm = stat.S_IMODE(hdr.mode)
        if hdr.type == _HARDLINK:
            return Stat(stat.S_IFREG | perm, hardlink_to=hdr.equiv)
        fmt = _TYPE_MODES.get(hdr.type) or stat.S_IFMT(hdr.mode)
        r = hdr.rdev
        rdev = ((r >> 8) & 0xFFF, (r & 0xFF) | ((r >> 12) & 0xFFF00))
        return Stat(fmt | perm, hdr.uid, hdr.gid, ident=ref, rdev=rdev)

    def content(self, ref: int) -> Iterator[bytes]:
        size = self.headers[ref].size
        if size > self.limit:
            raise FormatError(f"object {ref} claims {size} bytes")
        chunks = self.chunks.get(ref, {})
        page = self.g.page
        missing = 0
        for n in range(1, -(-size // page) + 1):
            want = min(page, size - (n - 1) * page)
            found = chunks.get(n)
            if found is None:
                missing += 1
                yield bytes(want)
                continue
            pos, nbytes = found
            block = self.data[pos : pos + min(nbytes, want)]
            yield block + bytes(want - len(block))
        if missing:
            raise FormatError(f"object {ref}: {missing} data chunks missing (zero-filled)")

    def target(self, ref: int) -> bytes:
        return self.headers[ref].alias


class Yaffs2Handler(Handler):
    name = "yaffs2"
    category = Category.FILESYSTEM
    magics = tuple(
        Magic(struct.pack(e + "II", t, 1) + b"\xff\xff") for e in "<>" for t in (_FILE, _DIR)
    )
    description = "YAFFS2 NAND flash image with spare areas (both byte orders)"

    def parse(self, blob: Blob, start: int) -> Chunk | None:
        g = guess(blob, start)
        if g is None:
            return None
        end = scan_end(blob, start, g)
        info = {"page": str(g.page), "spare": str(g.spare), "tag_offset": str(g.tag_offset),
                "endian": "little" if g.endian == "<" else "big"}
        return Chunk(start, end, self.name, info)

    def extract(self, blob: Blob, chunk: Chunk, sink: Sink) -> int | None:
        try:
            g = Geometry(int(chunk.info["page"]), int(chunk.info["spare"]),
                         "<" if chunk.info["endian"] == "little" else ">",
                         int(chunk.info["tag_offset"]))
        except (KeyError, ValueError):
            found = guess(blob, chunk.start)
            if found is None:
                raise FormatError("yaffs2: geometry not recognised") from None
            g = found
        end = chunk.end if chunk.end is not None else scan_end(blob, chunk.start, g)
        tree = _YaffsTree(bytes(blob[chunk.start : end]), g)
        tree.scan()
        if not tree.headers:
            raise FormatError("yaffs2: no object headers")
        problems = emit_tree(sink, tree, _ROOT, root_ident=_ROOT)
        raise_problems("yaffs2", problems)
        return end if chunk.end is None else None
