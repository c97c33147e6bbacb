"""SquashFS 4.x inodes and directory listings (whole-byte fields, either byte order).

Standard images are little-endian; AVM's big-endian variant uses the same records with
every field byte-swapped.
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

_MAX_TYPE = 14
_DIR_COUNT = 256


def parse_inode(buf: bytes, pos: int, order: str, block_size: int) -> Inode:
    try:
        return _parse(buf, pos, order, block_size)
    except struct.error as e:
        raise FormatError(f"inode at 0x{pos:x} of the inode table is truncated") from e


def _parse(buf: bytes, pos: int, order: str, block_size: int) -> Inode:
    itype, perms, uid, gid = struct.unpack_from(order + "HHHH", buf, pos)
    kind = kind_of(itype, _MAX_TYPE)
    mode = full_mode(kind, perms)
    body = pos + 16
    if itype == 1:
        start, _nlink, size, offset, _parent = struct.unpack_from(order + "IIHHI", buf, body)
        return Inode(kind, mode, uid, gid, dir_block=start, dir_offset=offset,
                     dir_size=max(size - 3, 0))
    if itype == 8:
        _nlink, size, start, _parent, _count, offset, _xattr = struct.unpack_from(
            order + "IIIIHHI", buf, body)
        return Inode(kind, mode, uid, gid, dir_block=start, dir_offset=offset,
                     dir_size=max(size - 3, 0))
    if itype == 2:
        start, frag, frag_off, size = struct.unpack_from(order + "IIII", buf, body)
        blocks_at = body + 16
    elif itype == 9:
        start, size, _sparse, _nlink, frag, frag_off, _xattr = struct.unpack_from(
            order + "QQQIIII", buf, body)
        blocks_at = body + 40
    elif kind is Kind.SYMLINK:
        _nlink, size = struct.unpack_from(order + "II", buf, body)
        target = buf[body + 8 : body + 8 + size]
        if len(target) != size:
            raise FormatError(f"symbolic link target of the inode at 0x{pos:x} is truncated")
        return Inode(kind, mode, uid, gid, target=target)
    elif kind in (Kind.BLOCKDEV, Kind.CHARDEV):
        _nlink, rdev = struct.unpack_from(order + "II", buf, body)
        return Inode(kind, mode, uid, gid, rdev_major=(rdev >> 8) & 0xFFF,
                     rdev_minor=(rdev & 0xFF) | ((rdev >> 12) & 0xFFF00))
    else:
        return Inode(kind, mode, uid, gid)
    count = block_count(size, block_size, frag != NO_FRAGMENT)
    if blocks_at + 4 * count > len(buf):
        raise FormatError(f"file inode at 0x{pos:x} claims {size} bytes in {count} blocks, "
                          "more than its inode table holds")
    blocks = struct.unpack_from(f"{order}{count}I", buf, blocks_at)
    return Inode(kind, mode, uid, gid, file_size=size, data_start=start, blocks=blocks,
                 fragment=frag, frag_offset=frag_off)


def parse_listing(buf: bytes, pos: int, size: int, order: str) -> list[DirEntry]:
    """The entries of one directory listing of ``size`` bytes at ``pos``."""
    end = pos + size
    if end > len(buf):
        raise FormatError(f"directory listing at 0x{pos:x} runs past the directory table")
    entries: list[DirEntry] = []
    header = struct.Struct(order + "III")
    entry = struct.Struct(order + "HhHH")
    while pos + 12 <= end:
        count, start, _inode_number = header.unpack_from(buf, pos)
        pos += 12
        if count >= _DIR_COUNT:
            raise FormatError(f"directory header claims {count + 1} entries (at most 256)")
        for _ in range(count + 1):
            if pos + 8 > end:
                raise FormatError("directory entry runs past its listing")
            offset, _delta, _type, name_size = entry.unpack_from(buf, pos)
            pos += 8
            name = buf[pos : pos + name_size + 1]
            pos += name_size + 1
            if pos > end:
                raise FormatError("directory entry name runs past its listing")
            entries.append(DirEntry(name, (start << 16) | offset))
    return entries
