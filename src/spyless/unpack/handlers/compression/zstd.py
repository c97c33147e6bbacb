"""Zstandard frames (RFC 8878), with skippable frames, written to ``zstd.out``.

The frame layout is walked here (header, 3-byte block headers, optional checksum), so
the chunk end is known at parse time without decompressing. Consecutive frames and
skippable frames form one chunk and one output, as ``zstd -d`` does. Decompression runs
through a stream reader in bounded reads; the library checks the content checksum.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import ClassVar

import zstandard

from spyless.errors import FormatError
from spyless.unpack.handlers.compression._common import OUT_STEP, Counted, Writer, output
from spyless.unpack.interface import Blob, Category, Chunk, Handler, Magic
from spyless.unpack.sandbox import Sink

_MAGIC = b"\x28\xb5\x2f\xfd"
_SKIPPABLE_HIGH = 0x184D2A5  # the skippable magics are 0x184D2A50..0x184D2A5F
_MAX_BLOCK = 128 * 1024
#: The decoder refuses windows above this (the reference decoder's default bound).
MAX_WINDOW = 1 << 27
DEFAULT_NAME = "zstd.out"


@dataclass(frozen=True, slots=True)
class _Frame:
    start: int
    end: int | None  # None: runs past the data
    skippable: bool
    content_size: int | None = None
    dict_id: int = 0


def _frame(blob: Blob, start: int) -> _Frame | None:
    """The frame at ``start`` walked block by block, or None when it is not one."""
    n = len(blob)
    if n - start < 8:
        return None
    (magic,) = struct.unpack_from("<I", blob, start)
    if magic >> 4 == _SKIPPABLE_HIGH:
        (size,) = struct.unpack_from("<I", blob, start + 4)
        end = start + 8 + size
        return _Frame(start, end if end <= n else None, skippable=True)
    if blob[start : start + 4] != _MAGIC:
        return None
    fhd = blob[start + 4]
    if fhd & 0x08:
        return None
    fcs_flag, single, checksum, did_flag = fhd >> 6, fhd & 0x20, fhd & 0x04, fhd & 0x03
    pos = start + 5 + (0 if single else 1)
    did_len = (0, 1, 2, 4)[did_flag]
    fcs_len = (1 if single else 0, 2, 4, 8)[fcs_flag]
    if pos + did_len + fcs_len + 3 > n:
        return None
    dict_id = int.from_bytes(blob[pos : pos + did_len], "little")
    pos += did_len
    content: int | None = None
    if fcs_len:
        content = int.from_bytes(blob[pos : pos + fcs_len], "little") + (256 if fcs_len == 2 else 0)
    pos += fcs_len
    while True:
        if pos + 3 > n:
            return _Frame(start, None, False, content, dict_id)
        head = int.from_bytes(blob[pos : pos + 3], "little")
        kind, size = (head >> 1) & 3, head >> 3
        if kind == 3 or size > _MAX_BLOCK:
            return None
        pos += 3 + (1 if kind == 1 else size)
        if head & 1:
            break
    pos += 4 if checksum else 0
    return _Frame(start, pos if pos <= n else None, False, content, dict_id)


def _frames(blob: Blob, start: int) -> list[_Frame]:
    """The first frame, then every complete frame that directly follows it."""
    first = _frame(blob, start)
    if first is None or first.skippable:
        return []
    frames = [first]
    while frames[-1].end is not None:
        nxt = _frame(blob, frames[-1].end)
        if nxt is None or nxt.end is None:
            break
        frames.append(nxt)
    return frames


def _decompress(view: memoryview, frame: _Frame, out: Writer, sink: Sink) -> None:
    if frame.dict_id:
        raise FormatError(f"zstd frame at 0x{frame.start:x} needs dictionary {frame.dict_id}")
    data = view[frame.start : frame.end]
    counted = Counted(out)
    reader = zstandard.ZstdDecompressor(max_window_size=MAX_WINDOW).stream_reader(
        data, read_across_frames=False
    )
    try:
        with reader:
            while True:
                sink.check()
                piece = reader.read(OUT_STEP)
                if not piece:
                    break
                counted.write(piece)
    except zstandard.ZstdError as e:
        raise FormatError(f"corrupt zstd frame at 0x{frame.start:x}: {e}") from e
    if frame.end is None:
        raise FormatError(f"truncated zstd frame at 0x{frame.start:x}: {counted.size} bytes")
    if frame.content_size is not None and counted.size != frame.content_size:
        raise FormatError(
            f"zstd frame at 0x{frame.start:x} gave {counted.size} bytes, "
            f"header says {frame.content_size}"
        )


class ZstdHandler(Handler):
    name: ClassVar[str] = "zstd"
    category: ClassVar[Category] = Category.COMPRESSION
    magics: ClassVar[tuple[Magic, ...]] = (Magic(_MAGIC),)
    description: ClassVar[str] = "Zstandard frames, including skippable frames"

    def parse(self, blob: Blob, start: int) -> Chunk | None:
        frames = _frames(blob, start)
        if not frames:
            return None
        return Chunk(start, frames[-1].end, self.name, {"frames": str(len(frames))})

    def extract(self, blob: Blob, chunk: Chunk, sink: Sink) -> int | None:
        frames = _frames(blob, chunk.start)
        if not frames:
            raise FormatError("not a zstd frame")
        view = memoryview(blob)
        with output(sink, DEFAULT_NAME) as out:
            for frame in frames:
                if not frame.skippable:
                    _decompress(view, frame, out, sink)
        return frames[-1].end
