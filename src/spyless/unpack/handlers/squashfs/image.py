"""One opened SquashFS image: inodes by reference, directory listings and file contents.

Ties the superblock, the codec and the decoded tables together behind a version-neutral
interface. File contents are planned as a list of parts (blocks, holes, a fragment tail)
that :mod:`.pipeline` decodes one block at a time, so a file that claims gigabytes never
costs more memory than a few blocks.
"""

from __future__ import annotations

from dataclasses import dataclass

from spyless.errors import FormatError
from spyless.unpack.handlers.squashfs import layout4, layout23
from spyless.unpack.handlers.squashfs.codec import BlockCodec, candidates
from spyless.unpack.handlers.squashfs.model import (
    BLOCK_UNCOMPRESSED,
    NO_FRAGMENT,
    DirEntry,
    Inode,
)
from spyless.unpack.handlers.squashfs.superblock import Superblock
from spyless.unpack.handlers.squashfs.tables import Tables
from spyless.unpack.interface import Blob

_SIZE_MASK = 0xFFFFFFFF & ~BLOCK_UNCOMPRESSED

HOLE, STORED, COMPRESSED, FRAGMENT = range(4)


@dataclass(frozen=True, slots=True)
class Part:
    """One piece of a file: a hole of ``want`` zero bytes, a data block of ``length``
    bytes at blob offset ``pos``, or (FRAGMENT) ``want`` bytes at offset ``length`` of
    fragment block number ``pos``."""

    kind: int
    pos: int
    length: int
    want: int


class SquashImage:
    def __init__(self, blob: Blob, base: int, sb: Superblock) -> None:
        self.blob = blob
        self.base = base
        self.sb = sb
        self.codec = BlockCodec(candidates(sb.compression, sb.lzma_hint))
        self.tables = Tables(blob, base, sb, self.codec)
        self.end = self.tables.end
        self.truncated = base + sb.bytes_used > len(blob)
        self.inodes = self.tables.inode_table()
        self.dirs = self.tables.directory_table()

    def inode(self, ref: int) -> Inode:
        pos = self.inodes.locate(ref >> 16, ref & 0xFFFF, "inode")
        sb = self.sb
        if sb.major >= 4:
            return layout4.parse_inode(self.inodes.data, pos, sb.order, sb.block_size)
        return layout23.parse_inode(self.inodes.data, pos, sb.big_endian, sb.major,
                                    sb.block_size)

    def listing(self, node: Inode) -> list[DirEntry]:
        if node.dir_size == 0:
            return []
        pos = self.dirs.locate(node.dir_block, node.dir_offset, "directory listing")
        sb = self.sb
        if sb.major >= 4:
            return layout4.parse_listing(self.dirs.data, pos, node.dir_size, sb.order)
        return layout23.parse_listing(self.dirs.data, pos, node.dir_size, sb.big_endian,
                                      sb.major)

    def owner(self, node: Inode) -> tuple[int | None, int | None]:
        return self.tables.owner(node.uid, node.gid)

    def plan(self, node: Inode) -> tuple[Part, ...]:
        """The pieces a file's bytes are made of, in order (checked, not yet decoded)."""
        block_size = self.sb.block_size
        remaining = node.file_size
        pos = self.base + node.data_start
        parts: list[Part] = []
        for word in node.blocks:
            want = min(block_size, remaining)
            remaining -= want
            length = word & _SIZE_MASK
            if length == 0:
                parts.append(Part(HOLE, 0, 0, want))  # a hole of a sparse file
                continue
            self._check_block(pos, length)
            parts.append(Part(COMPRESSED if not word & BLOCK_UNCOMPRESSED else STORED,
                              pos, length, want))
            pos += length
        if remaining > 0:
            if node.fragment == NO_FRAGMENT:
                raise FormatError("file is longer than its blocks and has no fragment")
            parts.append(Part(FRAGMENT, node.fragment, node.frag_offset, remaining))
        return tuple(parts)

    def decode(self, part: Part) -> bytes:
        """A data block's bytes (COMPRESSED or STORED parts); safe on worker threads."""
        raw = bytes(self.blob[part.pos : part.pos + part.length])
        if part.kind == STORED:
            data = raw
        else:
            data = self.codec.decompress(raw, self.sb.block_size, part.want)
        if len(data) < part.want:
            raise FormatError(f"data block at 0x{part.pos - self.base:x} holds {len(data)} "
                              f"bytes, the file needs {part.want}")
        return data[: part.want] if part.want and len(data) > part.want else data

    def fragment_block(self, index: int) -> Part:
        """The data block holding fragment ``index``, as a part to :meth:`decode` whole."""
        start, word = self.tables.fragment(index)
        length = word & _SIZE_MASK
        if length == 0:
            raise FormatError(f"fragment {index} is empty")
        pos = self.base + start
        self._check_block(pos, length)
        kind = COMPRESSED if not word & BLOCK_UNCOMPRESSED else STORED
        return Part(kind, pos, length, 0)

    def _check_block(self, pos: int, length: int) -> None:
        block_size = self.sb.block_size
        if length > block_size:
            raise FormatError(f"data block at 0x{pos - self.base:x} claims {length} bytes, "
                              f"more than the block size {block_size}")
        if pos < self.base or pos + length > self.end:
            raise FormatError(f"data block at 0x{pos - self.base:x} lies past the end of "
                              "the image")
