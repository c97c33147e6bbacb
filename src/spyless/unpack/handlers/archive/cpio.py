"""cpio archives: newc (070701), crc (070702), odc (070707) and old binary in both orders.

Headers are parsed by hand from the blob. The chunk ends after the ``TRAILER!!!`` entry.
Hard links are rebuilt from (dev, inode): newc stores the data only on the last link, so
links seen before the data are deferred and linked once the data arrives. A symbolic
link's target is its data.
"""

from __future__ import annotations

import re
import stat
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

from spyless.errors import FormatError
from spyless.unpack.handlers.archive._common import blocks
from spyless.unpack.interface import Blob, Category, Chunk, Handler, Magic
from spyless.unpack.sandbox import Sink

_TRAILER = b"TRAILER!!!"
_HEX_FIELDS = re.compile(rb"[0-9A-Fa-f]{104}")
_OCT_FIELDS = re.compile(rb"[0-7]{70}")
_NAME_MAX = 4096
_LINK_MAX = 4096
_FILE_TYPES = frozenset({stat.S_IFREG, stat.S_IFDIR, stat.S_IFLNK, stat.S_IFCHR, stat.S_IFBLK,
                         stat.S_IFIFO, stat.S_IFSOCK})


@dataclass(frozen=True, slots=True)
class CpioEntry:
    """One header as stored; ``data`` is the offset of its body, ``next`` of the next header."""

    name: bytes
    mode: int
    uid: int
    gid: int
    nlink: int
    dev: int
    ino: int
    rdev_major: int
    rdev_minor: int
    data: int
    size: int
    next: int


def _pad(n: int, align: int) -> int:
    return -(-n // align) * align


def _read_name(blob: Blob, pos: int, namesize: int) -> bytes | None:
    if namesize < 1 or namesize > _NAME_MAX or pos + namesize > len(blob):
        return None
    raw = bytes(blob[pos : pos + namesize])
    if raw[-1] != 0 or b"\x00" in raw[:-1]:
        return None
    return raw[:-1]


def _newc(blob: Blob, pos: int) -> CpioEntry | None:
    raw = bytes(blob[pos + 6 : pos + 110])
    if not _HEX_FIELDS.fullmatch(raw):
        return None
    f = [int(raw[i : i + 8], 16) for i in range(0, 104, 8)]
    ino, mode, uid, gid, nlink, _mtime, size, dmaj, dmin, rmaj, rmin, namesize, _check = f
    name = _read_name(blob, pos + 110, namesize)
    if name is None:
        return None
    data = pos + _pad(110 + namesize, 4)
    return CpioEntry(name, mode, uid, gid, nlink, (dmaj << 32) | dmin, ino, rmaj, rmin, data,
                     size, data + _pad(size, 4))


def _odc(blob: Blob, pos: int) -> CpioEntry | None:
    raw = bytes(blob[pos + 6 : pos + 76])
    if not _OCT_FIELDS.fullmatch(raw):
        return None
    spans = ((0, 6), (6, 12), (12, 18), (18, 24), (24, 30), (30, 36), (36, 42), (42, 53),
             (53, 59), (59, 70))
    dev, ino, mode, uid, gid, nlink, rdev, _mtime, namesize, size = (
        int(raw[a:b], 8) for a, b in spans)
    name = _read_name(blob, pos + 76, namesize)
    if name is None:
        return None
    data = pos + 76 + namesize
    return CpioEntry(name, mode, uid, gid, nlink, dev, ino, rdev >> 8, rdev & 0xFF, data, size,
                     data + size)


def _binary(blob: Blob, pos: int, order: str) -> CpioEntry | None:
    if pos + 26 > len(blob):
        return None
    (_magic, dev, ino, mode, uid, gid, nlink, rdev, _mt_hi, _mt_lo, namesize, size_hi,
     size_lo) = struct.unpack_from(order + "13H", blob, pos)
    name = _read_name(blob, pos + 26, namesize)
    if name is None:
        return None
    size = (size_hi << 16) | size_lo
    data = pos + _pad(26 + namesize, 2)
    return CpioEntry(name, mode, uid, gid, nlink, dev, ino, rdev >> 8, rdev & 0xFF, data, size,
                     data + _pad(size, 2))


def read_entry(blob: Blob, pos: int) -> CpioEntry | None:
    """The header at ``pos``, or None when there is none of any cpio flavour."""
    head = bytes(blob[pos : pos + 6])
    if head in (b"070701", b"070702"):
        entry = _newc(blob, pos)
    elif head == b"070707":
        entry = _odc(blob, pos)
    elif head[:2] == b"\xc7\x71":
        entry = _binary(blob, pos, "<")
    elif head[:2] == b"\x71\xc7":
        entry = _binary(blob, pos, ">")
    else:
        return None
    if entry is None:
        return None
    if entry.name != _TRAILER and stat.S_IFMT(entry.mode) not in _FILE_TYPES:
        return None
    return entry


@dataclass(slots=True)
class _Walk:
    end: int
    truncated: bool = False
    trailer: bool = False


def walk(blob: Blob, start: int, state: _Walk) -> Iterator[CpioEntry]:
    """Yield entries from ``start`` up to the trailer; ``state`` says where it ended."""
    pos = start
    magic = bytes(blob[start : start + 2])
    while True:
        if bytes(blob[pos : pos + 2]) != magic:
            break  # a different flavour mid-archive is not this archive any more
        entry = read_entry(blob, pos)
        if entry is None:
            state.truncated = pos + 6 > len(blob) or pos != start
            break
        if entry.name == _TRAILER:
            state.trailer = True
            pos = min(entry.next, len(blob))
            break
        yield entry
        if entry.next > len(blob):
            state.truncated = True
            pos = len(blob)
            break
        pos = entry.next
    state.end = pos


class CpioHandler(Handler):
    name: ClassVar[str] = "cpio"
    category: ClassVar[Category] = Category.ARCHIVE
    magics: ClassVar[tuple[Magic, ...]] = (
        Magic(b"070701"), Magic(b"070702"), Magic(b"070707"), Magic(b"\xc7\x71"),
        Magic(b"\x71\xc7"),
    )
    description: ClassVar[str] = "cpio archives: newc, crc, odc and old binary"
    priority: ClassVar[int] = 50

    def parse(self, blob: Blob, start: int) -> Chunk | None:
        if start < 0 or read_entry(blob, start) is None:
            return None
        state = _Walk(start)
        count = sum(1 for _ in walk(blob, start, state))
        if not state.trailer and count < 2:
            return None  # one lone header without a trailer is too weak to claim
        info = {"members": str(count)}
        if not state.trailer:
            info["truncated"] = "yes"
        return Chunk(start, state.end, self.name, info)

    def extract(self, blob: Blob, chunk: Chunk, sink: Sink) -> int | None:
        state = _Walk(chunk.start)
        links = _Links()
        for entry in walk(blob, chunk.start, state):
            sink.check()
            _write(blob, entry, sink, links)
        links.flush(sink)
        if not state.trailer:
            raise FormatError(f"cpio archive without a trailer, cut at 0x{state.end:x}")
        return state.end


class _Links:
    """Hard-link groups by (dev, inode): the path holding the data, and links waiting for it."""

    def __init__(self) -> None:
        self.written: dict[tuple[int, int], CpioEntry] = {}
        self.waiting: dict[tuple[int, int], list[CpioEntry]] = {}

    def flush(self, sink: Sink) -> None:
        for group in self.waiting.values():
            first, *rest = group
            _file(sink, first, b"")
            for entry in rest:
                sink.hardlink(entry.name, first.name, entry.mode & 0o7777, entry.uid, entry.gid)
        self.waiting.clear()


def _file(sink: Sink, e: CpioEntry, data: bytes | Iterator[bytes]) -> bool:
    return sink.file(e.name, data, e.mode & 0o7777, e.uid, e.gid)


def _write(blob: Blob, e: CpioEntry, sink: Sink, links: _Links) -> None:
    kind = stat.S_IFMT(e.mode)
    perm = e.mode & 0o7777
    end = min(e.data + e.size, len(blob))
    if kind == stat.S_IFREG:
        key = (e.dev, e.ino)
        first = links.written.get(key) if e.nlink > 1 else None
        if first is not None and e.size in (0, first.size):
            # newc stores the data once, odc and binary on every link: either way, a link.
            sink.hardlink(e.name, first.name, perm, e.uid, e.gid)
        elif e.nlink > 1 and e.size == 0:
            links.waiting.setdefault(key, []).append(e)
        else:
            _file(sink, e, blocks(blob, e.data, end))
            if e.nlink > 1:
                links.written[key] = e
                for other in links.waiting.pop(key, []):
                    sink.hardlink(other.name, e.name, other.mode & 0o7777, other.uid, other.gid)
    elif kind == stat.S_IFDIR:
        sink.directory(e.name, perm, e.uid, e.gid)
    elif kind == stat.S_IFLNK:
        target = bytes(blob[e.data : min(end, e.data + _LINK_MAX)]).rstrip(b"\x00")
        sink.symlink(e.name, target, perm, e.uid, e.gid)
    elif kind in (stat.S_IFCHR, stat.S_IFBLK):
        what = "chardev" if kind == stat.S_IFCHR else "blockdev"
        sink.special(e.name, f"{what} {e.rdev_major}:{e.rdev_minor}", perm, e.uid, e.gid)
    else:
        sink.special(e.name, "fifo" if kind == stat.S_IFIFO else "socket", perm, e.uid, e.gid)
