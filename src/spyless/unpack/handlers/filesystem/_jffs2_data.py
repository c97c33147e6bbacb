"""Decompressors of JFFS2 data nodes: none, zero, rtime, zlib, lzo and both LZMA flavours.

Every function returns exactly ``dsize`` bytes or raises FormatError; ``dsize`` is bounded
by the caller.
"""

from __future__ import annotations

import lzma
import struct
import zlib

from lzallright import LZOCompressor, LZOError

from spyless.errors import FormatError

COMPR_NONE = 0x00
COMPR_ZERO = 0x01
COMPR_RTIME = 0x02
COMPR_COPY = 0x04
COMPR_ZLIB = 0x06
COMPR_LZO = 0x07
COMPR_LZMA = 0x08
COMPR_LZMA_NOSIZE = 0x15

#: OpenWrt's JFFS2 LZMA: raw stream with fixed properties (lc=0, lp=0, pb=0, 8 KiB dict).
_LZMA_FILTERS = [{"id": lzma.FILTER_LZMA1, "dict_size": 0x2000, "lc": 0, "lp": 0, "pb": 0}]

NAMES = {
    COMPR_NONE: "none", COMPR_ZERO: "zero", COMPR_RTIME: "rtime", 0x03: "rubinmips",
    COMPR_COPY: "copy", 0x05: "dynrubin", COMPR_ZLIB: "zlib", COMPR_LZO: "lzo",
    COMPR_LZMA: "lzma", COMPR_LZMA_NOSIZE: "lzma-nosize",
}


def rtime(src: bytes, dsize: int) -> bytes:
    """Undo JFFS2's rtime: (byte, run) pairs, the run copied from the byte's last position."""
    out = bytearray()
    last = [0] * 256
    pos = 0
    n = len(src)
    while len(out) < dsize:
        if pos + 2 > n:
            raise FormatError("rtime data ends early")
        value, run = src[pos], src[pos + 1]
        pos += 2
        out.append(value)
        back = last[value]
        last[value] = len(out)
        if run:
            if back + run < len(out):
                out += out[back : back + run]
            else:
                for i in range(run):  # overlapping copy repeats the pattern
                    out.append(out[back + i])
    return bytes(out[:dsize])


def _lzma(data: bytes, dsize: int, filters: list[dict[str, int]] | None, fmt: int) -> bytes:
    try:
        dec = lzma.LZMADecompressor(fmt, filters=filters)
        return dec.decompress(data, dsize)
    except lzma.LZMAError as e:
        raise FormatError(f"bad LZMA data: {e}") from e


def decompress(compr: int, data: bytes, dsize: int) -> bytes:
    """The ``dsize`` bytes of one data node."""
    if compr in (COMPR_NONE, COMPR_COPY):
        out = data[:dsize]
    elif compr == COMPR_ZERO:
        return bytes(dsize)
    elif compr == COMPR_RTIME:
        out = rtime(data, dsize)
    elif compr == COMPR_ZLIB:
        try:
            out = zlib.decompressobj().decompress(data, dsize)
        except zlib.error as e:
            raise FormatError(f"bad zlib data: {e}") from e
    elif compr == COMPR_LZO:
        try:
            out = LZOCompressor.decompress(data, output_size_hint=dsize)[:dsize]
        except (LZOError, ValueError) as e:
            raise FormatError(f"bad LZO data: {e}") from e
    elif compr == COMPR_LZMA:
        out = _lzma(data, dsize, _LZMA_FILTERS, lzma.FORMAT_RAW)
    elif compr == COMPR_LZMA_NOSIZE:
        out = _lzma(data[:5] + struct.pack("<Q", dsize) + data[5:], dsize, None,
                    lzma.FORMAT_ALONE)
    else:
        raise FormatError(f"unsupported JFFS2 compression {NAMES.get(compr, hex(compr))}")
    if len(out) != dsize:
        raise FormatError(f"data node gave {len(out)} bytes, expected {dsize}")
    return out
