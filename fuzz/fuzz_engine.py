"""Fuzz target: the whole unpack engine (every handler, carving, recursion) on one blob.

With atheris installed: ``python fuzz/fuzz_engine.py --atheris [atheris args]``.
Without it: ``python fuzz/fuzz_engine.py [seconds] [seed]`` mutates seed images
(examples/demo-router.bin and containers built in code) for that long.
Only spyless's own errors may come out; anything else is a bug.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import random
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from spyless.errors import Error
from spyless.unpack.engine import unpack
from spyless.unpack.interface import Limits

ROOT = Path(__file__).resolve().parent.parent
LIMITS = Limits(max_total_bytes=64 << 20, max_files=2000, image_seconds=20.0,
                handler_seconds=10.0)


def TestOneInput(data: bytes) -> None:  # noqa: N802 - the name atheris expects
    with tempfile.TemporaryDirectory(prefix="spyless-fuzz-") as tmp:
        image = Path(tmp) / "input.bin"
        image.write_bytes(data)
        with contextlib.suppress(Error):
            unpack(image, Path(tmp) / "out", limits=LIMITS)


def seeds() -> list[bytes]:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo("etc/passwd")
        info.size = 5
        tar.addfile(info, io.BytesIO(b"root\n"))
    found = [gzip.compress(buf.getvalue(), mtime=0)]
    demo = ROOT / "examples/demo-router.bin"
    if demo.is_file():
        found.append(demo.read_bytes()[:200_000])
    return found


def mutate(rng: random.Random, data: bytes) -> bytes:
    raw = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        choice = rng.random()
        if choice < 0.6 and raw:
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        elif choice < 0.8 and raw:
            del raw[rng.randrange(len(raw)):]
        else:
            pos = rng.randrange(len(raw) + 1)
            raw[pos:pos] = rng.randbytes(rng.randint(1, 64))
    return bytes(raw)


def run(seconds: float, seed: int) -> int:
    rng = random.Random(seed)
    pool = seeds()
    deadline = time.monotonic() + seconds
    count = 0
    while time.monotonic() < deadline:
        TestOneInput(mutate(rng, rng.choice(pool)))
        count += 1
    return count


if __name__ == "__main__":
    if "--atheris" in sys.argv:
        import atheris

        sys.argv.remove("--atheris")
        atheris.Setup(sys.argv, TestOneInput)
        atheris.Fuzz()
    else:
        duration = float(sys.argv[1]) if len(sys.argv) > 1 else 30.0
        print(f"{run(duration, int(sys.argv[2]) if len(sys.argv) > 2 else 0)} inputs, no crash")
