"""Container-level normalisation: header fields that record when or over what a container
was made (times, checksums), and the segments (chunks and the gaps between them) a
container file is compared by.

Offsets of header fields follow each format's public layout: U-Boot ``image.h``
(``image_header_t``), RFC 1952 (gzip ``MTIME``), the SquashFS 4.0 superblock
(``mkfs_time`` at byte 8), Broadcom TRX v1 (CRC32 at byte 8), TP-Link v1/v2 headers (MD5 at
0x4C / 0x40, also in the inner header of a "boot" image at 0x20200), POSIX ustar
(``mtime`` at 136, ``chksum`` at 148 of each 512-byte header).
"""

from __future__ import annotations

from dataclasses import dataclass

from spyless.diff.interface import Rule
from spyless.diff.normalise import Span
from spyless.diff.pairing import ChunkInfo

_TPLINK_V1 = b"\x01\x00\x00\x00TP-LINK Technologies"
_TPLINK_V2 = (b"\x02\x00\x00\x00ver. ", b"\x03\x00\x00\x00ver. ")
#: A "boot" image's inner header: after the outer header and the 128 KiB bootloader area.
_TPLINK_INNER = 0x200 + 0x20000


@dataclass(frozen=True, slots=True)
class HeaderField:
    start: int  # absolute offset in the container file
    length: int
    rule: Rule
    label: str

    @property
    def end(self) -> int:
        return self.start + self.length


def header_fields(fmt: str, data: bytes, at: int) -> list[HeaderField]:
    """The benign header fields of a chunk of format ``fmt`` starting at ``at``."""
    head = data[at:at + 64]
    if fmt == "uimage" and head[:4] == b"\x27\x05\x19\x56":
        return [HeaderField(at + 4, 4, Rule.CHECKSUM, "uImage ih_hcrc"),
                HeaderField(at + 8, 4, Rule.TIMESTAMP, "uImage ih_time"),
                HeaderField(at + 24, 4, Rule.CHECKSUM, "uImage ih_dcrc")]
    if fmt == "gzip" and head[:2] == b"\x1f\x8b":
        return [HeaderField(at + 4, 4, Rule.TIMESTAMP, "gzip MTIME")]
    if fmt in ("squashfs", "squashfs_vendor") and len(head) >= 30:
        little = head[:4] == b"hsqs"
        major = int.from_bytes(head[28:30], "little" if little else "big")
        if major == 4:
            return [HeaderField(at + 8, 4, Rule.TIMESTAMP, "SquashFS mkfs_time")]
    if fmt == "trx" and head[:4] == b"HDR0":
        return [HeaderField(at + 8, 4, Rule.CHECKSUM, "TRX CRC32")]
    if fmt == "tplink":
        return _tplink(data, at) + _tplink(data, at + _TPLINK_INNER)
    return []


def _tplink(data: bytes, at: int) -> list[HeaderField]:
    head = data[at:at + 0x20]
    if head.startswith(_TPLINK_V1):
        return [HeaderField(at + 0x4C, 16, Rule.CHECKSUM, "TP-Link header MD5")]
    if head[:9] in _TPLINK_V2:
        return [HeaderField(at + 0x40, 16, Rule.CHECKSUM, "TP-Link header MD5")]
    return []


def tar_field(data: bytes, chunk_start: int, position: int) -> HeaderField | None:
    """The ustar header field holding ``position`` (mtime or checksum), if any."""
    block = chunk_start + (position - chunk_start) // 512 * 512
    if data[block + 257:block + 262] != b"ustar":
        return None
    if block + 136 <= position < block + 148:
        return HeaderField(block + 136, 12, Rule.TIMESTAMP, "tar mtime")
    if block + 148 <= position < block + 156:
        return HeaderField(block + 148, 8, Rule.CHECKSUM, "tar chksum")
    return None


def covered(span: Span, fields: list[HeaderField]) -> list[HeaderField] | None:
    """The fields that together cover every byte of ``span``; None when some byte is not."""
    used: list[HeaderField] = []
    position = span.start
    while position < span.end:
        field = next((f for f in fields if f.start <= position < f.end), None)
        if field is None:
            return None
        used.append(field)
        position = field.end
    return used


@dataclass(frozen=True, slots=True)
class Segment:
    """A piece of a container file: a chunk, or the bytes between chunks (a gap)."""

    start: int
    end: int
    chunk: ChunkInfo | None  # None for a gap

    @property
    def length(self) -> int:
        return self.end - self.start


def segments(chunks: tuple[ChunkInfo, ...], size: int) -> list[Segment]:
    """Gaps and chunks in file order: gap, chunk, gap, …, gap (gaps may be empty)."""
    out: list[Segment] = []
    cursor = 0
    for n, chunk in enumerate(chunks):
        start = min(max(chunk.offset, cursor), size)
        following = chunks[n + 1].offset if n + 1 < len(chunks) else size
        end = chunk.offset + chunk.size if chunk.size is not None else following
        end = min(max(end, start), size)
        out.append(Segment(cursor, start, None))
        out.append(Segment(start, end, chunk))
        cursor = end
    out.append(Segment(cursor, size, None))
    return out


def same_layout(a: tuple[ChunkInfo, ...], b: tuple[ChunkInfo, ...]) -> bool:
    return [(c.format, c.ordinal) for c in a] == [(c.format, c.ordinal) for c in b]
