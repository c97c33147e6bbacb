"""SquashFS 2.x and 3.x inodes and directory listings, bit-packed, in both byte orders.

These layouts are C bitfields in packed structs. Little-endian images fill each run of
bitfields from the lowest bit of a little-endian integer upward; big-endian images fill
it from the highest bit of a big-endian integer downward, in declaration order. Whole
byte-aligned fields are then simply integers of the image's byte order.
"""

from __future__ import annotations

import struct

from spyless.errors import FormatError
from spyless.unpack.handlers.squashfs.model import (
    NO_FRAGMENT,
    DirEntry,
    Inode,
    Kind,
    block_count,
    full_mode,
    kind_of,
)

_DIR_COUNT = 256


def _fields(buf: bytes, pos: int, nbytes: int, widths: tuple[int, ...], big: bool) -> list[int]:
    """Split ``nbytes`` bytes at ``pos`` into bitfields of the given widths."""
    raw = buf[pos : pos + nbytes]
    if len(raw) != nbytes:
        raise struct.error("bitfield past the end")
    value = int.from_bytes(raw, "big" if big else "little")
    out: list[int] = []
    if big:
        shift = nbytes * 8
        for width in widths:
            shift -= width
            out.append((value >> shift) & ((1 << width) - 1))
    else:
        for width in widths:
            out.append(value & ((1 << width) - 1))
            value >>= width
    return out


def parse_inode(buf: bytes, pos: int, big: bool, major: int, block_size: int) -> Inode:
    try:
        if major == 2:
            return _parse_v2(buf, pos, big, block_size)
        return _parse_v3(buf, pos, big, block_size)
    except struct.error as e:
        raise FormatError(f"inode at 0x{pos:x} of the inode table is truncated") from e


def _parse_v3(buf: bytes, pos: int, big: bool, block_size: int) -> Inode:
    order = ">" if big else "<"
    itype, perms, uid, gid = _fields(buf, pos, 4, (4, 12, 8, 8), big)
    kind = kind_of(itype, 9)
    mode = full_mode(kind, perms)
    if itype == 1:
        size, offset = _fields(buf, pos + 16, 4, (19, 13), big)
        start = struct.unpack_from(order + "I", buf, pos + 20)[0]
        return _dir(kind, mode, uid, gid, start, offset, size)
    if itype == 8:
        size, offset = _fields(buf, pos + 16, 5, (27, 13), big)
        start = struct.unpack_from(order + "I", buf, pos + 21)[0]
        return _dir(kind, mode, uid, gid, start, offset, size)
    if itype == 2:
        start, frag, frag_off, size = struct.unpack_from(order + "QIII", buf, pos + 12)
        return _file(buf, pos + 32, order, block_size, (kind, mode, uid, gid),
                     start, frag, frag_off, size)
    if itype == 9:
        start, frag, frag_off, size = struct.unpack_from(order + "QIIQ", buf, pos + 16)
        return _file(buf, pos + 40, order, block_size, (kind, mode, uid, gid),
                     start, frag, frag_off, size)
    return _small(buf, pos + 16, order, kind, mode, uid, gid)


def _parse_v2(buf: bytes, pos: int, big: bool, block_size: int) -> Inode:
    order = ">" if big else "<"
    itype, perms, uid, gid = _fields(buf, pos, 4, (4, 12, 8, 8), big)
    kind = kind_of(itype, 8)
    mode = full_mode(kind, perms)
    if itype == 1:
        size, offset = _fields(buf, pos + 4, 4, (19, 13), big)
        (start,) = _fields(buf, pos + 12, 3, (24,), big)
        return _dir(kind, mode, uid, gid, start, offset, size + 3)
    if itype == 8:
        size, offset = _fields(buf, pos + 4, 5, (27, 13), big)
        (start,) = _fields(buf, pos + 13, 3, (24,), big)
        return _dir(kind, mode, uid, gid, start, offset, size + 3)
    if itype == 2:
        start, frag, frag_off, size = struct.unpack_from(order + "IIII", buf, pos + 8)
        return _file(buf, pos + 24, order, block_size, (kind, mode, uid, gid),
                     start, frag, frag_off, size)
    return _small(buf, pos + 4, order, kind, mode, uid, gid)


def _dir(kind: Kind, mode: int, uid: int, gid: int, start: int, offset: int,
         size: int) -> Inode:
    """``size`` counts 3 bytes for "." and ".." that the listing does not hold (v2 sizes
    are exact, so their callers add those 3)."""
    return Inode(kind, mode, uid, gid, dir_block=start, dir_offset=offset,
                 dir_size=max(size - 3, 0))


def _file(buf: bytes, blocks_at: int, order: str, block_size: int,
          base: tuple[Kind, int, int, int], start: int, frag: int, frag_off: int,
          size: int) -> Inode:
    count = block_count(size, block_size, frag != NO_FRAGMENT)
    if blocks_at + 4 * count > len(buf):
        raise FormatError(f"file inode claims {size} bytes in {count} blocks, more than "
                          "its inode table holds")
    blocks = struct.unpack_from(f"{order}{count}I", buf, blocks_at)
    return Inode(*base, file_size=size, data_start=start, blocks=blocks, fragment=frag,
                 frag_offset=frag_off)


def _small(buf: bytes, at: int, order: str, kind: Kind, mode: int, uid: int,
           gid: int) -> Inode:
    """Symlinks, devices and IPC inodes; ``at`` is just past their nlink (v3) or base (v2)."""
    if kind is Kind.SYMLINK:
        size = struct.unpack_from(order + "H", buf, at)[0]
        target = buf[at + 2 : at + 2 + size]
        if len(target) != size:
            raise FormatError("symbolic link target is truncated")
        return Inode(kind, mode, uid, gid, target=target)
    if kind in (Kind.BLOCKDEV, Kind.CHARDEV):
        rdev = struct.unpack_from(order + "H", buf, at)[0]
        return Inode(kind, mode, uid, gid, rdev_major=rdev >> 8, rdev_minor=rdev & 0xFF)
    return Inode(kind, mode, uid, gid)


def parse_listing(buf: bytes, pos: int, size: int, big: bool, major: int) -> list[DirEntry]:
    """The entries of one directory listing of ``size`` bytes at ``pos``."""
    end = pos + size
    if end > len(buf):
        raise FormatError(f"directory listing at 0x{pos:x} runs past the directory table")
    order = ">" if big else "<"
    header_size, entry_size = (9, 5) if major >= 3 else (4, 3)
    entries: list[DirEntry] = []
    while pos + header_size <= end:
        if major >= 3:
            count, start = struct.unpack_from(order + "BI", buf, pos)
        else:
            count, start = _fields(buf, pos, 4, (8, 24), big)
        pos += header_size
        if count >= _DIR_COUNT:
            raise FormatError(f"directory header claims {count + 1} entries (at most 256)")
        for _ in range(count + 1):
            if pos + entry_size > end:
                raise FormatError("directory entry runs past its listing")
            offset, _type, name_size = _fields(buf, pos, 3, (13, 3, 8), big)
            pos += entry_size
            name = buf[pos : pos + name_size + 1]
            pos += name_size + 1
            if pos > end:
                raise FormatError("directory entry name runs past its listing")
            entries.append(DirEntry(name, (start << 16) | offset))
    return entries
