"""Block decompression for every SquashFS compressor and the vendor LZMA framings.

A :class:`BlockCodec` holds an ordered list of candidate decoders for one image; each
block is tried with the decoder that last worked first, so images whose blocks are all
framed alike pay for the guessing once. Every decoder is bounded by the caller's output
limit (a block can never legitimately expand past the block size).

Vendor LZMA framings seen in firmware: the standard 13-byte ``lzma_alone`` header (props,
dictionary size, 64-bit uncompressed size), a 5-byte header without the size field, and
bare LZMA data with the default properties (lc=3, lp=0, pb=2) and no header at all.
"""

from __future__ import annotations

import lzma
import struct
import threading
import zlib
from collections.abc import Callable

import lz4.block
import zstandard
from lzallright import LZOCompressor, LZOError

from spyless.errors import FormatError

Decoder = Callable[[bytes, int], bytes]

_LZMA_MEMLIMIT = 1 << 28
_DEFAULT_PROPS = 0x5D  # lc=3, lp=0, pb=2


def _zlib(data: bytes, limit: int) -> bytes:
    return zlib.decompressobj().decompress(data, limit)


def _lzma_props(props: int, dict_size: int) -> dict[str, int]:
    if props >= 9 * 5 * 5:
        raise ValueError("bad LZMA properties byte")
    lc = props % 9
    lp = (props // 9) % 5
    pb = props // 45
    return {"id": lzma.FILTER_LZMA1, "lc": lc, "lp": lp, "pb": pb, "dict_size": dict_size}


def _raw_lzma(data: bytes | memoryview, props: int, limit: int) -> bytes:
    # any match distance is below the block's own output size, so that is dictionary enough
    dict_size = max(4096, limit)
    dec = lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=[_lzma_props(props, dict_size)])
    out = dec.decompress(data, limit)
    if not out:
        raise ValueError("LZMA block decoded to nothing")
    return out


def _lzma_alone(data: bytes, limit: int) -> bytes:
    if len(data) < 13 or data[0] >= 225:
        raise ValueError("not an lzma_alone header")
    size = struct.unpack_from("<Q", data, 5)[0]
    if size != 0xFFFFFFFFFFFFFFFF and size > limit:
        raise ValueError("lzma_alone header claims more than a block")
    dec = lzma.LZMADecompressor(lzma.FORMAT_ALONE, memlimit=_LZMA_MEMLIMIT)
    return dec.decompress(data, limit)


def _plausible_dict(size: int) -> bool:
    """LZMA encoders write dictionary sizes of 2**n or 2**n + 2**(n-1)."""
    if size < 4096:
        return False
    top = 1 << (size.bit_length() - 1)
    return size in (top, top | top >> 1)


def _lzma_header5(data: bytes, limit: int) -> bytes:
    if len(data) < 6:
        raise ValueError("too short for a 5-byte LZMA header")
    dict_size = struct.unpack_from("<I", data, 1)[0]
    if not _plausible_dict(dict_size):
        raise ValueError("implausible LZMA dictionary size")
    return _raw_lzma(memoryview(data)[5:], data[0], limit)


def _lzma_bare(data: bytes, limit: int) -> bytes:
    return _raw_lzma(data, _DEFAULT_PROPS, limit)


def _xz(data: bytes, limit: int) -> bytes:
    dec = lzma.LZMADecompressor(lzma.FORMAT_XZ, memlimit=_LZMA_MEMLIMIT)
    return dec.decompress(data, limit)


def _lzo(data: bytes, limit: int) -> bytes:
    out: bytes = LZOCompressor.decompress(data, output_size_hint=limit)
    return out


def _lz4(data: bytes, limit: int) -> bytes:
    out: bytes = lz4.block.decompress(data, uncompressed_size=limit)
    return out


def _zstd(data: bytes, limit: int) -> bytes:
    declared = zstandard.frame_content_size(data)
    if declared > limit:
        raise ValueError("zstd frame claims more than a block")
    return zstandard.ZstdDecompressor().decompress(data, max_output_size=limit)


_LZMA_FAMILY: tuple[Decoder, ...] = (_lzma_alone, _lzma_header5, _lzma_bare, _xz)
_BY_ID: dict[int, tuple[Decoder, ...]] = {
    1: (_zlib,),
    2: _LZMA_FAMILY,
    3: (_lzo,),
    4: (_xz, _lzma_alone, _lzma_header5, _lzma_bare),
    5: (_lz4,),
    6: (_zstd,),
}

_DECODE_ERRORS = (
    zlib.error, lzma.LZMAError, LZOError, lz4.block.LZ4BlockError, zstandard.ZstdError,
    ValueError, EOFError, MemoryError, struct.error,
)


def candidates(compression: int, lzma_hint: bool) -> tuple[Decoder, ...]:
    """Decoders to try for a v4 compressor id, or (id 0) a v2/v3 image."""
    if compression:
        return _BY_ID.get(compression, ())
    if lzma_hint:
        return (*_LZMA_FAMILY, _zlib)
    return (_zlib, *_LZMA_FAMILY)


class BlockCodec:
    """Decompresses one image's blocks, remembering which candidate decoder works."""

    def __init__(self, decoders: tuple[Decoder, ...]) -> None:
        if not decoders:
            raise FormatError("unknown SquashFS compressor")
        self._decoders = decoders
        self._lock = threading.Lock()  # blocks are decoded on worker threads

    @property
    def chosen(self) -> str:
        return self._decoders[0].__name__.lstrip("_")

    def decompress(self, data: bytes, limit: int, want: int = 0) -> bytes:
        """Decode one block into at most ``limit`` bytes and at least ``want`` bytes."""
        order = self._decoders
        for i, decoder in enumerate(order):
            try:
                out = decoder(data, limit)
            except _DECODE_ERRORS:
                continue
            if len(out) < want:
                continue
            if i:
                with self._lock:
                    rest = tuple(d for d in self._decoders if d is not decoder)
                    self._decoders = (decoder, *rest)
            return out
        raise FormatError(f"a {len(data)}-byte block decodes with none of the candidate "
                          f"compressors (tried {self.chosen} first)")
