"""Small helpers shared by the firmware container handlers: bounded reads and part writes."""

from __future__ import annotations

import math
import struct
import zlib
from collections import Counter
from collections.abc import Iterator
from typing import Any

from spyless.errors import FormatError
from spyless.unpack.interface import Blob
from spyless.unpack.sandbox import Sink

_BLOCK = 1 << 20


def unpack(fmt: str, blob: Blob, offset: int) -> tuple[Any, ...] | None:
    """``struct.unpack_from`` that returns None instead of reading past the end."""
    size = struct.calcsize(fmt)
    if offset < 0 or offset + size > len(blob):
        return None
    return struct.unpack_from(fmt, blob, offset)


def cstr(raw: bytes) -> str:
    """A NUL-terminated fixed-size text field, decoded leniently."""
    return raw.split(b"\x00", 1)[0].decode("latin-1").strip()


def blocks(blob: Blob, start: int, end: int) -> Iterator[bytes]:
    """The bytes of ``blob[start:end]`` in bounded pieces (``blob`` may be an mmap)."""
    end = min(end, len(blob))
    for pos in range(start, end, _BLOCK):
        yield bytes(blob[pos : min(pos + _BLOCK, end)])


def write_part(sink: Sink, name: str, blob: Blob, start: int, end: int) -> None:
    """Write ``blob[start:end]`` as one part; refuse regions that are not inside the blob."""
    if start < 0 or end < start or end > len(blob):
        raise FormatError(
            f"part {name!r} [0x{start:x}, 0x{end:x}) lies outside the data (0x{len(blob):x} bytes)"
        )
    sink.file(name, blocks(blob, start, end))


def crc32(blob: Blob, start: int, end: int, initial: int = 0) -> int:
    """zlib CRC-32 of a region, computed piecewise so an mmap is never copied whole."""
    value = initial
    for piece in blocks(blob, start, end):
        value = zlib.crc32(piece, value)
    return value


def describe_check(expected: int, actual: int) -> str:
    """The chunk.info text for a checksum comparison."""
    if expected == actual:
        return "ok"
    return f"mismatch (stored 0x{expected:08x}, computed 0x{actual:08x})"


#: Magic bytes of the compressed payloads a kernel or loader usually carries.
COMPRESSION_MAGICS: tuple[tuple[str, bytes], ...] = (
    ("gzip", b"\x1f\x8b\x08"),
    ("xz", b"\xfd7zXZ\x00"),
    ("zstd", b"\x28\xb5\x2f\xfd"),
    ("lz4", b"\x02\x21\x4c\x18"),
    ("lzo", b"\x89LZO\x00"),
    ("bzip2", b"BZh"),
    ("lzma", b"\x5d\x00\x00"),
)


def sniff_compression(blob: Blob, start: int, end: int) -> tuple[str, int] | None:
    """The first compression magic found in ``blob[start:end]`` and its offset, if any."""
    best: tuple[str, int] | None = None
    end = min(end, len(blob))
    for name, magic in COMPRESSION_MAGICS:
        pos = blob.find(magic, start, end)
        if pos >= 0 and (best is None or pos < best[1]):
            best = (name, pos)
    return best


#: Starts of parts that are plainly not encrypted: compressed streams, file systems, ELF.
KNOWN_PART_MAGICS: tuple[bytes, ...] = (
    *(magic for _, magic in COMPRESSION_MAGICS),
    b"hsqs", b"sqsh", b"shsq", b"qshs", b"\x85\x19", b"\x19\x85", b"UBI#", b"\x7fELF",
    b"\x45\x3d\xcd\x28", b"\x28\xcd\x3d\x45", b"-rom1fs-", b"\x27\x05\x19\x56",
    b"\xd0\x0d\xfe\xed", b"070701", b"PK\x03\x04",
)


def entropy(data: bytes) -> float:
    """Shannon entropy in bits per byte."""
    if not data:
        return 0.0
    counts = Counter(data)
    total = len(data)
    return -sum(c / total * math.log2(c / total) for c in counts.values())


def looks_encrypted(blob: Blob, start: int, end: int, sample: int = 1 << 16) -> bool:
    """True when a part starts with no known magic and its first bytes look random."""
    head = bytes(blob[start : min(end, start + sample)])
    if len(head) < 1024 or any(head.startswith(m) for m in KNOWN_PART_MAGICS):
        return False
    return entropy(head) > 7.9
