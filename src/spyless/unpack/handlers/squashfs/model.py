"""Version-neutral values of a SquashFS image: inode kinds, inodes and directory entries.

The per-layout parsers (:mod:`.layout4`, :mod:`.layout23`) turn on-disk records of any
version and byte order into these, so the walk and the data reader never look at layouts.
"""

from __future__ import annotations

import enum
import stat
from dataclasses import dataclass

from spyless.errors import FormatError


class Kind(enum.IntEnum):
    DIR = 1
    FILE = 2
    SYMLINK = 3
    BLOCKDEV = 4
    CHARDEV = 5
    FIFO = 6
    SOCKET = 7


#: stat type bits of each kind; v2/v3 inodes store only the 12 permission bits.
TYPE_BITS: dict[Kind, int] = {
    Kind.DIR: stat.S_IFDIR,
    Kind.FILE: stat.S_IFREG,
    Kind.SYMLINK: stat.S_IFLNK,
    Kind.BLOCKDEV: stat.S_IFBLK,
    Kind.CHARDEV: stat.S_IFCHR,
    Kind.FIFO: stat.S_IFIFO,
    Kind.SOCKET: stat.S_IFSOCK,
}

#: Metadata blocks (inode, directory, fragment and id tables) never exceed this.
METADATA_SIZE = 8192
#: Inode types up to 7 are basic; 8..14 are the extended forms of 1..7.
EXTENDED_OFFSET = 7
#: A fragment index meaning "this file has no tail fragment".
NO_FRAGMENT = 0xFFFFFFFF
#: Bit of a data block size word meaning "stored uncompressed" (v2..v4).
BLOCK_UNCOMPRESSED = 1 << 24


def kind_of(inode_type: int, max_type: int) -> Kind:
    """The kind of an on-disk inode type number; extended types fold onto basic ones."""
    if not 1 <= inode_type <= max_type:
        raise FormatError(f"unknown inode type {inode_type}")
    return Kind(inode_type - EXTENDED_OFFSET if inode_type > EXTENDED_OFFSET else inode_type)


@dataclass(frozen=True, slots=True)
class Inode:
    """One inode, whatever its version; fields that do not apply to its kind are 0/empty.

    ``mode`` is a full st_mode (type bits from ``kind``). ``uid``/``gid`` are indices into
    the image's id table(s). For files, ``blocks`` are the raw size words of the data
    blocks that start at ``data_start`` (relative to the superblock); for directories,
    ``dir_block``/``dir_offset`` locate the listing in the directory table and
    ``dir_size`` is its length in bytes.
    """

    kind: Kind
    mode: int
    uid: int
    gid: int
    file_size: int = 0
    data_start: int = 0
    blocks: tuple[int, ...] = ()
    fragment: int = NO_FRAGMENT
    frag_offset: int = 0
    dir_block: int = 0
    dir_offset: int = 0
    dir_size: int = 0
    target: bytes = b""
    rdev_major: int = 0
    rdev_minor: int = 0


@dataclass(frozen=True, slots=True)
class DirEntry:
    """A name in a directory listing and the reference of its inode.

    ``ref`` is ``(metadata block offset within the inode table << 16) | offset in block``.
    """

    name: bytes
    ref: int


def full_mode(kind: Kind, perms: int) -> int:
    return TYPE_BITS[kind] | (perms & 0o7777)


def block_count(file_size: int, block_size: int, has_fragment: bool) -> int:
    """How many block size words follow a file inode."""
    if has_fragment:
        return file_size // block_size
    return -(-file_size // block_size)
