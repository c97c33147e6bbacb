"""Metadata blocks and the tables built from them: inode and directory tables, ids, fragments.

Metadata blocks are at most 8 KiB once decoded, each behind a 16-bit header (bit 15 set:
stored uncompressed; v2/v3 images with the "check" flag add one more byte). The inode and
directory tables are decoded once, front to back, into one contiguous buffer, so records
that straddle blocks need no special handling and no block is decoded twice.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from spyless.errors import FormatError
from spyless.unpack.handlers.squashfs.codec import BlockCodec
from spyless.unpack.handlers.squashfs.model import METADATA_SIZE
from spyless.unpack.handlers.squashfs.superblock import Superblock
from spyless.unpack.interface import Blob

#: v2/v3 gid index meaning "same as the uid".
_GID_IS_UID = 255
_FRAGMENT_CACHE = 16
#: Bound on one decoded table: far above real images, far below a metadata bomb.
_MAX_TABLE = 64 << 20


@dataclass(frozen=True, slots=True)
class MetaTable:
    """A table's decoded bytes; ``starts`` maps a block's offset in the image table to its
    offset in ``data``. ``error`` says why decoding stopped early, if it did."""

    data: bytes
    starts: dict[int, int]
    error: str | None

    def locate(self, block: int, offset: int, what: str) -> int:
        base = self.starts.get(block)
        if base is None or offset >= METADATA_SIZE or base + offset > len(self.data):
            reason = f" ({self.error})" if self.error else ""
            raise FormatError(f"{what} at block 0x{block:x}+0x{offset:x} lies outside its "
                              f"table{reason}")
        return base + offset


class Tables:
    """Reads one image's metadata through its codec; offsets are relative to the superblock."""

    def __init__(self, blob: Blob, base: int, sb: Superblock, codec: BlockCodec) -> None:
        self.blob = blob
        self.base = base
        self.sb = sb
        self.codec = codec
        self.end = min(len(blob), base + sb.bytes_used)
        self._meta_fmt = ">H" if sb.meta_big_endian else "<H"
        self._header = 3 if sb.check_byte else 2
        self._frag_blocks: dict[int, bytes] = {}
        self._ids: tuple[int, ...] | None = None
        self._gids: tuple[int, ...] = ()

    def block(self, rel: int) -> tuple[bytes, int]:
        """The decoded metadata block at ``rel`` and the offset of the one after it."""
        pos = self.base + rel
        if rel < 0 or pos + self._header > self.end:
            raise FormatError(f"metadata block at 0x{rel:x} lies past the end of the image")
        header = struct.unpack_from(self._meta_fmt, self.blob, pos)[0]
        length = header & 0x7FFF
        body = pos + self._header
        if length == 0 or body + length > self.end:
            raise FormatError(f"metadata block at 0x{rel:x} is truncated or empty")
        raw = bytes(self.blob[body : body + length])
        if header & 0x8000:
            if length > METADATA_SIZE:
                raise FormatError(f"metadata block at 0x{rel:x} is larger than 8 KiB")
            data = raw
        else:
            data = self.codec.decompress(raw, METADATA_SIZE, 1)
        return data, rel + self._header + length

    def table(self, start: int, end: int) -> MetaTable:
        """Decode the metadata blocks from ``start`` up to ``end`` (both image-relative)."""
        parts: list[bytes] = []
        starts: dict[int, int] = {}
        size = 0
        pos = start
        error = None
        while pos < end:
            if size > _MAX_TABLE:
                error = "metadata table decodes to more than 64 MiB"
                break
            try:
                data, nxt = self.block(pos)
            except FormatError as e:
                error = str(e)
                break
            starts[pos - start] = size
            parts.append(data)
            size += len(data)
            pos = nxt
        return MetaTable(b"".join(parts), starts, error)

    def inode_table(self) -> MetaTable:
        return self.table(self.sb.inode_table, self.sb.directory_table)

    def directory_table(self) -> MetaTable:
        end = self.sb.table_ends[0] if self.sb.table_ends else self.sb.bytes_used
        return self.table(self.sb.directory_table, end)

    # -- ids ---------------------------------------------------------------------------

    def owner(self, uid_index: int, gid_index: int) -> tuple[int | None, int | None]:
        """The uid and gid of an inode's id indices, None where the table has no entry."""
        if self._ids is None:
            self._load_ids()
        ids = self._ids or ()
        uid = ids[uid_index] if uid_index < len(ids) else None
        if self.sb.major >= 4:
            gid = ids[gid_index] if gid_index < len(ids) else None
        elif gid_index == _GID_IS_UID:
            gid = uid
        else:
            gid = self._gids[gid_index] if gid_index < len(self._gids) else None
        return uid, gid

    def _load_ids(self) -> None:
        self._ids = ()
        try:
            if self.sb.major >= 4:
                self._ids = self._v4_ids()
            else:
                self._ids = self._raw_ids(self.sb.id_table, self.sb.id_count)
                self._gids = self._raw_ids(self.sb.guid_table, self.sb.guid_count)
        except (FormatError, struct.error):
            pass  # owners are a nicety: files still extract without them

    def _raw_ids(self, rel: int, count: int) -> tuple[int, ...]:
        if not count or self.base + rel + 4 * count > self.end:
            return ()
        return struct.unpack_from(f"{self.sb.order}{count}I", self.blob, self.base + rel)

    def _v4_ids(self) -> tuple[int, ...]:
        count = self.sb.id_count
        nblocks = -(-count * 4 // METADATA_SIZE)
        ptr_pos = self.base + self.sb.id_table
        if ptr_pos + 8 * nblocks > self.end:
            return ()
        pointers = struct.unpack_from(f"{self.sb.order}{nblocks}Q", self.blob, ptr_pos)
        data = b"".join(self.block(p)[0] for p in pointers)
        count = min(count, len(data) // 4)
        return struct.unpack_from(f"{self.sb.order}{count}I", data)

    # -- fragments ---------------------------------------------------------------------

    def fragment(self, index: int) -> tuple[int, int]:
        """(start, size word) of fragment block ``index``."""
        sb = self.sb
        if index >= sb.fragments:
            raise FormatError(f"fragment {index} does not exist (image has {sb.fragments})")
        wide = sb.major >= 3
        entry_size, ptr_size = (16, 8) if wide else (8, 4)
        per_block = METADATA_SIZE // entry_size
        blk, slot = divmod(index, per_block)
        data = self._frag_blocks.get(blk)
        if data is None:
            ptr_pos = self.base + sb.fragment_table + blk * ptr_size
            if ptr_pos + ptr_size > self.end:
                raise FormatError("fragment table lies past the end of the image")
            pointer = struct.unpack_from(sb.order + ("Q" if wide else "I"), self.blob,
                                         ptr_pos)[0]
            data = self.block(pointer)[0]
            if len(self._frag_blocks) >= _FRAGMENT_CACHE:
                self._frag_blocks.pop(next(iter(self._frag_blocks)))
            self._frag_blocks[blk] = data
        if (slot + 1) * entry_size > len(data):
            raise FormatError(f"fragment {index} lies outside its table block")
        start, size = struct.unpack_from(sb.order + ("QI" if wide else "II"), data,
                                          slot * entry_size)
        return start, size
