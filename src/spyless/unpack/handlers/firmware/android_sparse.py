"""Android sparse images (magic 3a ff 26 ed), expanded into one raw image, ``image.raw``.

RAW chunks are copied, FILL chunks repeat their 4-byte value, DONT_CARE chunks become
zeros; everything is written in bounded pieces so the sink's byte budget stops an image
that claims an enormous size without anything being allocated for it.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

from spyless.errors import FormatError
from spyless.unpack.handlers.firmware._common import blocks, unpack
from spyless.unpack.interface import Blob, Category, Chunk, Handler, Magic
from spyless.unpack.sandbox import Sink

MAGIC = b"\x3a\xff\x26\xed"
FILE_HEADER = struct.Struct("<IHHHHIIII")
CHUNK_HEADER = struct.Struct("<HHII")
RAW, FILL, DONT_CARE, CRC32 = 0xCAC1, 0xCAC2, 0xCAC3, 0xCAC4
PIECE = 1 << 20


@dataclass(frozen=True, slots=True)
class SparseChunk:
    kind: int
    blocks: int
    data: int  # absolute offset of the chunk's payload
    size: int  # payload bytes


@dataclass(frozen=True, slots=True)
class SparseImage:
    block_size: int
    total_blocks: int
    chunks: tuple[SparseChunk, ...]
    end: int


def read_image(blob: Blob, start: int) -> SparseImage | None:
    head = unpack(FILE_HEADER.format, blob, start)
    if head is None or blob[start : start + 4] != MAGIC:
        return None
    _, major, _, file_hdr, chunk_hdr, blk_sz, total_blks, total_chunks, _ = head
    if major != 1 or file_hdr < 28 or chunk_hdr < 12 or blk_sz == 0 or blk_sz % 4:
        return None
    pos = start + file_hdr
    chunks: list[SparseChunk] = []
    covered = 0
    for index in range(total_chunks):
        raw = unpack(CHUNK_HEADER.format, blob, pos)
        if raw is None:
            raise FormatError(f"sparse image chunk {index} header runs past the end of the input")
        kind, _, count, total = raw
        size = total - chunk_hdr
        expected = {RAW: count * blk_sz, FILL: 4, CRC32: 4, DONT_CARE: 0}.get(kind)
        if expected is None:
            raise FormatError(f"sparse image chunk {index} has unknown type 0x{kind:04x}")
        if size != expected:
            raise FormatError(
                f"sparse image chunk {index} claims {total} bytes; its type needs "
                f"{expected + chunk_hdr}"
            )
        data = pos + chunk_hdr
        if data + size > len(blob):
            raise FormatError(f"sparse image chunk {index} runs past the end of the input")
        chunks.append(SparseChunk(kind, count if kind != CRC32 else 0, data, size))
        covered += count if kind != CRC32 else 0
        pos = data + size
    if covered != total_blks:
        raise FormatError(
            f"sparse image chunks cover {covered} blocks but the header says {total_blks}"
        )
    return SparseImage(blk_sz, total_blks, tuple(chunks), pos)


def _repeat(pattern: bytes, total: int, sink: Sink) -> Iterator[bytes]:
    """``total`` bytes of a 4-byte pattern, a bounded piece at a time."""
    piece = pattern * (PIECE // 4)
    while total > 0:
        sink.check()
        n = min(total, PIECE)
        yield piece[:n]
        total -= n


class AndroidSparseHandler(Handler):
    name = "android_sparse"
    category = Category.FIRMWARE
    magics = (Magic(MAGIC),)
    description = "Android sparse image, expanded to a raw image"
    priority = 30

    def parse(self, blob: Blob, start: int) -> Chunk | None:
        image = read_image(blob, start)
        if image is None:
            return None
        info = {
            "block_size": str(image.block_size),
            "total_blocks": str(image.total_blocks),
            "chunks": str(len(image.chunks)),
            "expanded_size": str(image.block_size * image.total_blocks),
        }
        return Chunk(start, image.end, self.name, info)

    def extract(self, blob: Blob, chunk: Chunk, sink: Sink) -> int | None:
        image = read_image(blob, chunk.start)
        if image is None:
            raise FormatError("sparse image header vanished between parse and extract")
        zeros = b"\x00\x00\x00\x00"
        with sink.open("image.raw") as out:
            if out is None:
                return None
            for item in image.chunks:
                sink.check()
                if item.kind == RAW:
                    for piece in blocks(blob, item.data, item.data + item.size):
                        out.write(piece)
                elif item.kind in (FILL, DONT_CARE):
                    pattern = bytes(blob[item.data : item.data + 4]) if item.kind == FILL else zeros
                    for piece in _repeat(pattern, item.blocks * image.block_size, sink):
                        out.write(piece)
        return None
