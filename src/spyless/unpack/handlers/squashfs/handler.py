"""The SquashFS handlers: standard magics and vendor magics, sharing one reader.

Owns chunk boundaries (``bytes_used`` from the superblock, not rounded up: vendors pad
to 4 KiB or to the flash erase size, and the padding is reported, not claimed) and the
final verdict: a truncated image, unreadable entries or directory loops end in a
FormatError after everything readable was written.
"""

from __future__ import annotations

from typing import ClassVar

from spyless.errors import FormatError
from spyless.unpack.handlers.squashfs.image import SquashImage
from spyless.unpack.handlers.squashfs.superblock import (
    STANDARD_MAGICS,
    VENDOR_MAGICS,
    read_superblock,
)
from spyless.unpack.handlers.squashfs.walk import TreeWriter
from spyless.unpack.interface import Blob, Category, Chunk, Handler, Magic
from spyless.unpack.sandbox import Sink

_PAD = 4096
_MAX_REPORTED = 5


class SquashfsHandler(Handler):
    """SquashFS with the standard magics (``hsqs`` little-endian, ``sqsh`` big-endian)."""

    name: ClassVar[str] = "squashfs"
    category: ClassVar[Category] = Category.FILESYSTEM
    magics: ClassVar[tuple[Magic, ...]] = tuple(Magic(m) for m in STANDARD_MAGICS)
    description: ClassVar[str] = (
        "SquashFS 2.x, 3.x and 4.x in both byte orders (AVM big-endian v4 included), "
        "gzip/lzma/lzo/xz/lz4/zstd and vendor LZMA framings"
    )
    priority: ClassVar[int] = 30
    _accepted: ClassVar[frozenset[bytes]] = frozenset(STANDARD_MAGICS)

    def parse(self, blob: Blob, start: int) -> Chunk | None:
        if bytes(blob[start : start + 4]) not in self._accepted:
            return None
        sb = read_superblock(blob, start)
        if sb is None:
            return None
        info = sb.info()
        end = start + sb.bytes_used
        if end > len(blob):
            info["truncated"] = f"{end - len(blob)} bytes missing"
            end = len(blob)
        else:
            padded = min(-(-sb.bytes_used // _PAD) * _PAD + start, len(blob))
            if padded > end and not any(blob[end:padded]):
                info["padded_end"] = f"0x{padded:x}"
        return Chunk(start, end, "squashfs", info)

    def extract(self, blob: Blob, chunk: Chunk, sink: Sink) -> int | None:
        sb = read_superblock(blob, chunk.start)
        if sb is None:
            raise FormatError("SquashFS superblock is not valid")
        image = SquashImage(blob, chunk.start, sb)
        writer = TreeWriter(image, sink)
        writer.run()
        problems = list(writer.problems)
        if writer.loops:
            problems.append(f"{writer.loops} directory loop(s) refused")
        if image.truncated:
            missing = chunk.start + sb.bytes_used - len(blob)
            problems.insert(0, f"image truncated: {missing} of {sb.bytes_used} bytes missing")
        if problems:
            shown = "; ".join(problems[:_MAX_REPORTED])
            more = f" (+{len(problems) - _MAX_REPORTED} more)" if len(problems) > _MAX_REPORTED \
                else ""
            raise FormatError(f"SquashFS {sb.major}.{sb.minor} partly extracted: {shown}{more}")
        return None


class VendorSquashfsHandler(SquashfsHandler):
    """SquashFS forks with their own magics (LZMA-patched vendor squashfs-tools)."""

    name: ClassVar[str] = "squashfs_vendor"
    magics: ClassVar[tuple[Magic, ...]] = tuple(Magic(m) for m in VENDOR_MAGICS)
    description: ClassVar[str] = (
        "SquashFS forks with vendor magics (shsq, qshs, hsqt, tqsh, sqlz) and LZMA blocks"
    )
    _accepted: ClassVar[frozenset[bytes]] = frozenset(VENDOR_MAGICS)
