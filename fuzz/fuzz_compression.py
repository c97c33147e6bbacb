"""Fuzz the compression handlers: every handler at every offset where its magic occurs.

With atheris (``pip install atheris``)::

    python fuzz/fuzz_compression.py --atheris [libFuzzer options]

Without it, a plain loop mutates seeds built in code (valid streams of every format)::

    python fuzz/fuzz_compression.py [iterations] [seed]

Anything but spyless's own UnpackError family is a bug; the loop saves the input that
raised it as ``crash-<sha256>.bin`` in the current folder and stops.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import lzma
import random
import struct
import sys
import tempfile
import zlib
from pathlib import Path

import lz4.block
import lz4.frame
import lzallright
import zstandard

from spyless.errors import UnpackError
from spyless.unpack.handlers.compression import HANDLERS
from spyless.unpack.interface import Limits
from spyless.unpack.sandbox import Budget, Sink

LIMITS = Limits(max_total_bytes=8 << 20, max_files=16, handler_seconds=10.0)
_HANDLERS = tuple(cls() for cls in HANDLERS)
_MAX_OFFSETS = 4


def _offsets(data: bytes, pattern: bytes, magic_offset: int) -> list[int]:
    found: list[int] = []
    pos = data.find(pattern)
    while pos >= 0 and len(found) < _MAX_OFFSETS:
        if pos >= magic_offset:
            found.append(pos - magic_offset)
        pos = data.find(pattern, pos + 1)
    return found


def TestOneInput(data: bytes) -> None:  # noqa: N802 - the name atheris expects
    """Parse and extract every candidate chunk of ``data``; only UnpackError may escape."""
    with tempfile.TemporaryDirectory() as tmp:
        budget = Budget(LIMITS, len(data))
        for number, handler in enumerate(_HANDLERS):
            starts: set[int] = set()
            if getattr(handler, "carve_anywhere", True):
                for magic in handler.magics:
                    starts.update(_offsets(data, magic.pattern, magic.offset))
            else:
                starts.add(0)
            for start in sorted(starts):
                try:
                    chunk = handler.parse(data, start)
                    if chunk is None:
                        continue
                    sink = Sink(Path(tmp) / f"{number}-{start}", f"fuzz@{start}", budget)
                    end = handler.extract(data, chunk, sink)
                except UnpackError:
                    continue
                real_end = chunk.end if chunk.end is not None else end
                if real_end is None or not start < real_end <= len(data):
                    raise AssertionError(f"{handler.name}@{start}: bad chunk end {real_end}")


def seeds() -> list[bytes]:
    """One small valid stream per format, and a few embedded in junk."""
    text = b"root:x:0:0:root:/root:/bin/sh\n" * 40 + bytes(range(256))
    legacy = lz4.block.compress(text, store_size=False)
    streams = [
        gzip.compress(text, mtime=0) + gzip.compress(b"second", mtime=0),
        zlib.compress(text),
        lzma.compress(text),
        lzma.compress(text, format=lzma.FORMAT_ALONE),
        bz2.compress(text),
        zstandard.ZstdCompressor(write_checksum=True).compress(text),
        lz4.frame.compress(text, content_checksum=True, block_checksum=True),
        b"\x02\x21\x4c\x18" + struct.pack("<I", len(legacy)) + legacy,
        _lzop(text),
    ]
    return streams + [b"\x00junk" * 7 + s + b"trailer" for s in streams]


def _lzop(data: bytes) -> bytes:
    """A one-block lzop file (version 0x1040, Adler-32 of the data)."""
    head = struct.pack(">HHHBBI", 0x1040, 0x20A0, 0x0940, 1, 5, 1)
    head += struct.pack(">IIIB", 0o100644, 0, 0, 1) + b"f"
    packed = lzallright.LZOCompressor().compress(data)
    block = struct.pack(">III", len(data), len(packed), zlib.adler32(data)) + packed
    return b"\x89LZO\x00\r\n\x1a\n" + head + struct.pack(">I", zlib.adler32(head)) + block + bytes(4)


def mutate(data: bytes, rng: random.Random) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if not buf:
            break
        action = rng.randrange(6)
        pos = rng.randrange(len(buf))
        if action == 0:
            buf[pos] ^= 1 << rng.randrange(8)
        elif action == 1:
            buf[pos] = rng.choice((0, 0xFF, 0x7F, 0x80, rng.randrange(256)))
        elif action == 2:
            del buf[pos:]
        elif action == 3:
            del buf[pos : pos + rng.randint(1, 64)]
        elif action == 4:
            buf[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        else:
            width = rng.choice((2, 4, 8))
            buf[pos : pos + width] = rng.randbytes(width)
    return bytes(buf)


def _loop(iterations: int, seed: int) -> None:
    rng = random.Random(seed)
    corpus = seeds()
    for number in range(iterations):
        data = mutate(rng.choice(corpus), rng)
        try:
            TestOneInput(data)
        except Exception:
            name = f"crash-{hashlib.sha256(data).hexdigest()[:16]}.bin"
            Path(name).write_bytes(data)
            print(f"iteration {number}: unexpected exception, input saved as {name}")
            raise
    print(f"{iterations} mutated inputs, no unexpected exceptions (seed {seed})")


def main(argv: list[str]) -> None:
    if argv[1:2] == ["--atheris"]:
        import atheris  # type: ignore[import-untyped,import-not-found,unused-ignore]  # noqa: PLC0415

        atheris.Setup([argv[0], *argv[2:]], TestOneInput)
        atheris.Fuzz()
        return
    iterations = int(argv[1]) if len(argv) > 1 else 2000
    seed = int(argv[2]) if len(argv) > 2 else random.randrange(1 << 32)
    _loop(iterations, seed)


if __name__ == "__main__":
    main(sys.argv)
