"""Fuzz the firmware container handlers: every handler's parse + extract on one input.

``TestOneInput`` is an atheris entry point; without atheris, ``python fuzz/fuzz_firmware.py
[seconds]`` runs a plain mutation loop over seeds built in code (and the shared corpus
fixtures when present). Only FormatError, EncryptedError and LimitExceeded may come out.
"""

from __future__ import annotations

import random
import struct
import sys
import tempfile
import time
import zlib
from pathlib import Path

from spyless.errors import UnpackError
from spyless.unpack.handlers.firmware import HANDLERS
from spyless.unpack.interface import Limits
from spyless.unpack.sandbox import Budget, Sink

_HANDLERS = tuple(cls() for cls in HANDLERS)
_LIMITS = Limits(max_total_bytes=4 << 20, max_files=200, handler_seconds=5.0)


def TestOneInput(data: bytes) -> None:  # noqa: N802 - the atheris entry point name
    """Try every handler at every offset where one of its magics occurs."""
    with tempfile.TemporaryDirectory() as tmp:
        for index, handler in enumerate(_HANDLERS):
            for magic in handler.magics:
                pos = data.find(magic.pattern)
                if pos < 0 or pos - magic.offset < 0:
                    continue
                start = pos - magic.offset
                try:
                    chunk = handler.parse(data, start)
                    if chunk is None:
                        continue
                    out = Path(tmp) / f"{index}-{start}"
                    sink = Sink(out, "fuzz", Budget(_LIMITS, len(data)))
                    handler.extract(data, chunk, sink)
                except UnpackError:
                    continue


def _seeds() -> list[bytes]:
    kernel = b"\x5d\x00\x00\x80\x00" + b"k" * 200
    uimage_body = kernel
    head = struct.pack(">IIIIIIIBBBB32s", 0x27051956, 0, 0, len(uimage_body), 0, 0,
                       zlib.crc32(uimage_body), 5, 5, 2, 3, b"seed")
    head = head[:4] + struct.pack(">I", zlib.crc32(head)) + head[8:]
    trx_body = struct.pack("<IIII", 1 << 16, 28, 28 + 100, 0) + b"a" * 100 + b"hsqs" * 25
    trx = struct.pack("<4sII", b"HDR0", 12 + len(trx_body),
                      zlib.crc32(trx_body) ^ 0xFFFFFFFF) + trx_body
    sparse = struct.pack("<IHHHHIIII", 0xED26FF3A, 1, 0, 28, 12, 4096, 2, 2, 0)
    sparse += struct.pack("<HHII", 0xCAC2, 0, 1, 16) + b"\x01\x02\x03\x04"
    sparse += struct.pack("<HHII", 0xCAC3, 0, 1, 12)
    seeds = [head + uimage_body, trx, sparse,
             b"encrpted_img" + struct.pack(">I", 32) + bytes(range(32))]
    corpus = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "formats"
    names = ("factx_trx__trx.img", "factx_dlink__fw_mh01_test.bin",
             "factx_dlink__testfile.encrpted_img")
    seeds.extend((corpus / n).read_bytes() for n in names if (corpus / n).is_file())
    return seeds


def _mutate(rng: random.Random, data: bytes) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        choice = rng.random()
        if choice < 0.5 and buf:
            buf[rng.randrange(len(buf))] = rng.randrange(256)
        elif choice < 0.7 and buf:
            pos = rng.randrange(len(buf))
            buf[pos : pos + 4] = rng.choice([b"\x00" * 4, b"\xff" * 4, b"\x7f\xff\xff\xff"])
        elif choice < 0.85:
            del buf[rng.randrange(len(buf) + 1) :]
        else:
            buf[rng.randrange(len(buf) + 1) : 0] = rng.randbytes(rng.randint(1, 16))
    return bytes(buf)


def main(seconds: float = 20.0) -> int:
    rng = random.Random(1234)
    seeds = _seeds()
    deadline = time.monotonic() + seconds
    runs = 0
    while time.monotonic() < deadline:
        TestOneInput(_mutate(rng, rng.choice(seeds)))
        runs += 1
    print(f"{runs} inputs, no unexpected exception")
    return 0


if __name__ == "__main__":
    try:
        import atheris  # type: ignore[import-untyped, import-not-found, unused-ignore]
    except ImportError:
        numbers = [a for a in sys.argv[1:] if a.replace(".", "", 1).isdigit()]
        sys.exit(main(float(numbers[0]) if numbers else 20.0))
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()
