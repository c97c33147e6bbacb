"""Fuzz target for the filesystem handlers (JFFS2, UBI, UBIFS, YAFFS2, CramFS, RomFS, ext).

``TestOneInput(data)`` is atheris-style: every handler whose magic occurs in ``data`` parses
and extracts there, and anything but a spyless error is a finding. Run directly, it uses
atheris when installed, else a plain loop of random mutations of the seeds:

    python fuzz/fuzz_filesystem.py [iterations] [seed]
"""

from __future__ import annotations

import lzma
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from spyless.errors import Error
from spyless.unpack.handlers.filesystem import HANDLERS
from spyless.unpack.interface import Limits
from spyless.unpack.sandbox import Budget, Sink

_LIMITS = Limits(max_total_bytes=1 << 24, max_files=2000, handler_seconds=10.0)
_MAX_STARTS = 4
_CORPUS = Path(os.environ.get("SPYLESS_SHARED", Path(__file__).resolve().parents[2] / "shared"))
_SEED_FILES = (
    "factx_jffs2__jffs2_le.img", "factx_jffs2__jffs2_be.img", "factx_yaffs__yaffs2_le.img",
    "factx_yaffs__yaffs2_be.img", "factx_sevenz__cramfs.img", "factx_generic_fs__romfs.img",
    "factx_sevenz__ext2.img.xz", "factx_ubi__test.ubifs",
)


def _starts(data: bytes, pattern: bytes, offset: int) -> list[int]:
    found: list[int] = []
    pos = data.find(pattern)
    while pos >= 0 and len(found) < _MAX_STARTS:
        if pos - offset >= 0:
            found.append(pos - offset)
        pos = data.find(pattern, pos + 1)
    return found


def TestOneInput(data: bytes) -> None:  # noqa: N802 - the name atheris expects
    with tempfile.TemporaryDirectory() as tmp:
        for index, cls in enumerate(HANDLERS):
            handler = cls()
            for magic in handler.magics:
                for start in _starts(data, magic.pattern, magic.offset):
                    out = Path(tmp) / f"{index}-{start}"
                    try:
                        chunk = handler.parse(data, start)
                        if chunk is None:
                            continue
                        sink = Sink(out, "fuzz", Budget(_LIMITS, len(data)))
                        handler.extract(data, chunk, sink)
                        sink.finish()
                    except Error:
                        pass


def seeds() -> list[bytes]:
    found: list[bytes] = []
    for name in _SEED_FILES:
        path = _CORPUS / "corpus" / "formats" / name
        if path.is_file():
            raw = path.read_bytes()
            found.append(lzma.decompress(raw) if name.endswith(".xz") else raw[: 1 << 16])
    return found or [b"-rom1fs-" + bytes(120)]


def mutate(rng: random.Random, data: bytes) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        choice = rng.random()
        pos = rng.randrange(len(buf)) if buf else 0
        if choice < 0.6 and buf:
            buf[pos] = rng.randrange(256)
        elif choice < 0.8 and buf:
            buf[pos : pos + 4] = rng.randbytes(4)
        elif choice < 0.9:
            del buf[pos : pos + rng.randint(1, 64)]
        else:
            buf = buf[: rng.randint(0, len(buf))]
    return bytes(buf)


def main(argv: list[str]) -> int:
    try:
        import atheris  # type: ignore[import-not-found, import-untyped, unused-ignore]  # noqa: PLC0415 - optional
    except ImportError:
        atheris = None
    if atheris is not None and "--no-atheris" not in argv:
        atheris.Setup(argv, TestOneInput)
        atheris.Fuzz()
        return 0
    args = [a for a in argv[1:] if not a.startswith("-")]
    iterations = int(args[0]) if args else 200
    rng = random.Random(int(args[1]) if len(args) > 1 else 0)
    pool = seeds()
    began = time.monotonic()
    for n in range(iterations):
        TestOneInput(mutate(rng, rng.choice(pool)))
        if n % 50 == 49:
            print(f"{n + 1} inputs, {time.monotonic() - began:.1f} s")
    print(f"done: {iterations} inputs without a crash")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
