"""SquashFS superblocks of versions 2, 3 and 4, in both byte orders and vendor magics.

Owns magic recognition, byte-order choice, the two superblock layouts and the sanity
checks that keep garbage that merely starts with ``hsqs`` from being claimed.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from spyless.unpack.handlers.squashfs.model import METADATA_SIZE
from spyless.unpack.interface import Blob

#: Standard magics and the byte order each implies.
STANDARD_MAGICS: dict[bytes, bool] = {b"hsqs": False, b"sqsh": True}
#: Vendor magics (LZMA-patched and other forks): magic -> big-endian.
VENDOR_MAGICS: dict[bytes, bool] = {
    b"shsq": False, b"qshs": True, b"hsqt": False, b"tqsh": True, b"sqlz": True,
}
ALL_MAGICS = {**STANDARD_MAGICS, **VENDOR_MAGICS}

COMPRESSORS = {1: "gzip", 2: "lzma", 3: "lzo", 4: "xz", 5: "lz4", 6: "zstd"}
_UNSET = 0xFFFFFFFFFFFFFFFF
_V4 = struct.Struct("4sIIIIHHHHHHQQQQQQQQ")
_V3 = struct.Struct("4sIIIIIIHHHHBBBIQIIIQQQQQQQ")
V4_SIZE = 96
V3_SIZE = 119
V2_SIZE = 63
#: v2/v3 flag: metadata block headers carry an extra check byte.
_FLAG_CHECK = 0x04
#: v2/v3 minor number that LZMA-patched squashfs-tools write ("L").
_MINOR_LZMA = 0x4C


@dataclass(frozen=True, slots=True)
class Superblock:
    """What the rest of the reader needs; offsets are relative to the superblock."""

    magic: bytes
    big_endian: bool
    major: int
    minor: int
    compression: int  # the v4 compressor id; 0 for v2/v3 (zlib or a vendor LZMA)
    block_size: int
    flags: int
    inode_count: int
    root_inode: int
    bytes_used: int
    inode_table: int
    directory_table: int
    fragment_table: int
    fragments: int
    id_table: int  # v4 id index table; v2/v3 raw uid array
    id_count: int
    guid_table: int  # v2/v3 raw gid array
    guid_count: int
    table_ends: tuple[int, ...]  # starts of the tables after the directory table
    meta_big_endian: bool  # AVM's big-endian v4 keeps little-endian metadata headers
    check_byte: bool

    @property
    def order(self) -> str:
        return ">" if self.big_endian else "<"

    @property
    def lzma_hint(self) -> bool:
        """True when the image says its blocks are (vendor) LZMA rather than zlib."""
        return self.magic in VENDOR_MAGICS or (self.major < 4 and self.minor == _MINOR_LZMA)

    def compression_name(self) -> str:
        if self.major >= 4:
            return COMPRESSORS.get(self.compression, f"unknown-{self.compression}")
        return "lzma" if self.lzma_hint else "zlib"

    def info(self) -> dict[str, str]:
        return {
            "version": f"{self.major}.{self.minor}",
            "compression": self.compression_name(),
            "byteorder": "big" if self.big_endian else "little",
            "magic": self.magic.decode("latin-1"),
            "block_size": str(self.block_size),
            "inodes": str(self.inode_count),
            "bytes_used": str(self.bytes_used),
        }


def read_superblock(blob: Blob, start: int) -> Superblock | None:
    """The superblock at ``start``, or None when the bytes there are not a plausible one."""
    if start < 0 or start + V4_SIZE > len(blob):
        return None
    magic = bytes(blob[start : start + 4])
    if magic not in ALL_MAGICS:
        return None
    preferred = ALL_MAGICS[magic]
    for big in (preferred, not preferred):
        order = ">" if big else "<"
        major, minor = struct.unpack_from(order + "HH", blob, start + 28)
        sb: Superblock | None = None
        if major == 4 and minor <= 1:
            sb = _read_v4(blob, start, big)
        elif major in (2, 3) and start + V3_SIZE <= len(blob):
            sb = _read_v23(blob, start, big)
        if sb is not None:
            return sb
    return None


def _read_v4(blob: Blob, start: int, big: bool) -> Superblock | None:
    order = ">" if big else "<"
    (magic, inodes, _mtime, block_size, fragments, compression, block_log, flags, no_ids,
     major, minor, root, bytes_used, id_table, xattr_table, inode_table, dir_table,
     frag_table, lookup_table) = struct.unpack_from(order + _V4.format, blob, start)
    if not 12 <= block_log <= 20 or block_size != 1 << block_log:
        return None
    if compression not in COMPRESSORS or no_ids == 0 or inodes == 0:
        return None
    if not V4_SIZE <= inode_table < dir_table <= bytes_used or bytes_used > 1 << 44:
        return None
    if not dir_table < id_table < bytes_used:
        return None
    if (root >> 16) >= dir_table - inode_table or (root & 0xFFFF) >= METADATA_SIZE:
        return None
    if fragments and not dir_table <= frag_table < bytes_used:
        return None
    ends = tuple(sorted(t for t in (frag_table, lookup_table, id_table, xattr_table, bytes_used)
                        if t != _UNSET and dir_table < t <= bytes_used))
    meta_big = _meta_order(blob, start, inode_table, dir_table, big)
    if meta_big is None:
        return None
    return Superblock(
        magic=magic, big_endian=big, major=major, minor=minor, compression=compression,
        block_size=block_size, flags=flags, inode_count=inodes, root_inode=root,
        bytes_used=bytes_used, inode_table=inode_table, directory_table=dir_table,
        fragment_table=frag_table if fragments else 0, fragments=fragments, id_table=id_table,
        id_count=no_ids, guid_table=0, guid_count=0, table_ends=ends,
        meta_big_endian=meta_big, check_byte=False,
    )


def _meta_order(blob: Blob, start: int, table: int, table_end: int, big: bool) -> bool | None:
    """Byte order of metadata block headers: the image's own, or (AVM) the other one."""
    pos = start + table
    if pos + 2 > len(blob):
        return big  # truncated: nothing to tell them apart by
    for candidate in (big, not big):
        header = struct.unpack_from(">H" if candidate else "<H", blob, pos)[0]
        length = header & 0x7FFF
        if 0 < length <= METADATA_SIZE and table + 2 + length <= table_end:
            return candidate
    return None


def _read_v23(blob: Blob, start: int, big: bool) -> Superblock | None:
    order = ">" if big else "<"
    (magic, inodes, bytes_used2, uid2, guid2, inode2, dir2, major, minor, _bs1, block_log,
     flags, no_uids, no_guids, _mtime, root, block_size, fragments, frag2, bytes_used, uid,
     guid, inode_table, dir_table, frag_table, lookup_table) = struct.unpack_from(
        order + _V3.format, blob, start)
    if major == 2:
        bytes_used, uid, guid, inode_table, dir_table, frag_table = (
            bytes_used2, uid2, guid2, inode2, dir2, frag2)
        lookup_table = _UNSET
        header = V2_SIZE
    else:
        header = V3_SIZE
    if not 9 <= block_log <= 20 or block_size != 1 << block_log:
        return None
    if not header <= inode_table < dir_table <= bytes_used or bytes_used > 1 << 44:
        return None
    if no_uids == 0 or uid + 4 * no_uids > bytes_used or guid + 4 * no_guids > bytes_used:
        return None
    if (root >> 16) >= dir_table - inode_table or (root & 0xFFFF) >= METADATA_SIZE:
        return None
    if fragments and not dir_table <= frag_table < bytes_used:
        return None
    ends = tuple(sorted(t for t in (frag_table, lookup_table, uid, guid, bytes_used)
                        if t != _UNSET and dir_table < t <= bytes_used))
    return Superblock(
        magic=magic, big_endian=big, major=major, minor=minor, compression=0,
        block_size=block_size, flags=flags, inode_count=inodes, root_inode=root,
        bytes_used=bytes_used, inode_table=inode_table, directory_table=dir_table,
        fragment_table=frag_table if fragments else 0, fragments=fragments, id_table=uid,
        id_count=no_uids, guid_table=guid, guid_count=no_guids, table_ends=ends,
        meta_big_endian=big, check_byte=bool(flags & _FLAG_CHECK),
    )
