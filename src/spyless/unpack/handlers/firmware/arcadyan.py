"""Arcadyan obfuscated LZMA: a kernel LZMA stream with two 32-byte blocks swapped and scrambled.

The obfuscation (public, documented by binwalk): the 32-byte block at 0x68 belongs at
offset 4, and that block has each byte's nibbles swapped and each byte pair swapped.
Undone, the data is 4 bytes of prefix followed by an LZMA ("alone") stream, which is
decompressed here because the obfuscation leaves no standalone stream for others to carve;
the output is ``payload``. Anything that does not then decompress raises EncryptedError.
"""

from __future__ import annotations

import lzma
from collections.abc import Iterator

from spyless.errors import EncryptedError, FormatError
from spyless.unpack.handlers.firmware._common import blocks
from spyless.unpack.interface import Blob, Category, Chunk, Handler, Magic
from spyless.unpack.sandbox import Sink

MAGIC = b"\x00\xd5\x08\x00"
MAGIC_AT = 0x68
BLOCK = 32
BLOCK1, BLOCK2 = 4, 0x68
HEAD = BLOCK2 + BLOCK  # bytes rearranged by the obfuscation
LZMA_AT = 4
PIECE = 1 << 20
MEMLIMIT = 256 << 20
_NIBBLE_SWAP = bytes(((b & 0x0F) << 4) | (b >> 4) for b in range(256))


def deobfuscate_head(head: bytes) -> bytes:
    """Undo the block swap and scrambling of the first 0x88 bytes."""
    moved = bytearray(head[BLOCK2:HEAD].translate(_NIBBLE_SWAP))
    moved[0::2], moved[1::2] = moved[1::2], moved[0::2]
    return head[:BLOCK1] + bytes(moved) + head[BLOCK1 + BLOCK : BLOCK2] + head[BLOCK1:BLOCK1 + BLOCK]


def _stream(blob: Blob, start: int) -> Iterator[bytes]:
    """The deobfuscated LZMA stream, from its first byte to the end of the blob."""
    yield deobfuscate_head(bytes(blob[start : start + HEAD]))[LZMA_AT:]
    yield from blocks(blob, start + HEAD, len(blob))


class ArcadyanHandler(Handler):
    name = "arcadyan"
    category = Category.ENCRYPTED
    magics = (Magic(MAGIC, MAGIC_AT),)
    description = "Arcadyan obfuscated LZMA kernel, deobfuscated and decompressed"
    priority = 30

    def parse(self, blob: Blob, start: int) -> Chunk | None:
        if start < 0 or start + HEAD + 16 > len(blob):
            return None
        if bytes(blob[start + MAGIC_AT : start + MAGIC_AT + 4]) != MAGIC:
            return None
        probe = deobfuscate_head(bytes(blob[start : start + HEAD]))[LZMA_AT:]
        probe += bytes(blob[start + HEAD : start + HEAD + 4096])
        try:
            lzma.LZMADecompressor(lzma.FORMAT_ALONE, memlimit=MEMLIMIT).decompress(
                probe, max_length=256
            )
        except lzma.LZMAError:
            return None
        info = {"vendor": "Arcadyan", "obfuscation": "swapped and scrambled LZMA header"}
        return Chunk(start, None, self.name, info)

    def extract(self, blob: Blob, chunk: Chunk, sink: Sink) -> int | None:
        decoder = lzma.LZMADecompressor(lzma.FORMAT_ALONE, memlimit=MEMLIMIT)
        fed = 0
        with sink.open("payload") as out:
            if out is None:
                return None
            try:
                for piece in _stream(blob, chunk.start):
                    fed += len(piece)
                    data = piece
                    while True:
                        sink.check()
                        produced = decoder.decompress(data, max_length=PIECE)
                        data = b""
                        out.write(produced)
                        if decoder.eof or decoder.needs_input:
                            break
                    if decoder.eof:
                        break
            except lzma.LZMAError as e:
                raise EncryptedError(
                    f"Arcadyan obfuscated LZMA: deobfuscated data does not decompress ({e}); "
                    "unknown obfuscation variant"
                ) from e
        if not decoder.eof:
            raise FormatError("Arcadyan LZMA stream is truncated")
        return chunk.start + LZMA_AT + fed - len(decoder.unused_data)
