"""Fuzz target for the SquashFS handlers (atheris-style ``TestOneInput``).

With atheris: ``python fuzz/fuzz_squashfs.py [corpus dirs...]``. Without it, the script
mutates the SquashFS fixtures of ../shared/corpus at random for a while and reports any
exception that is not one of spyless's own.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from pathlib import Path

from spyless.errors import Error
from spyless.unpack.handlers.squashfs import HANDLERS
from spyless.unpack.interface import Limits
from spyless.unpack.sandbox import Budget, Sink

_LIMITS = Limits(max_total_bytes=8 << 20, max_file_size=4 << 20, max_files=2000,
                 handler_seconds=10.0, image_seconds=20.0)


def TestOneInput(data: bytes) -> None:  # noqa: N802 - the name atheris looks for
    for handler_class in HANDLERS:
        handler = handler_class()
        try:
            chunk = handler.parse(data, 0)
            if chunk is None:
                continue
            with tempfile.TemporaryDirectory() as tmp:
                sink = Sink(Path(tmp) / "out", "fuzz", Budget(_LIMITS, len(data)))
                handler.extract(data, chunk, sink)
                sink.finish()
        except Error:
            pass


def _mutate(seed: bytes, rng: random.Random) -> bytes:
    blob = bytearray(seed)
    for _ in range(rng.randint(1, 8)):
        choice = rng.random()
        pos = rng.randrange(len(blob))
        if choice < 0.6:
            blob[pos] = rng.randrange(256)
        elif choice < 0.8:
            blob[pos : pos + 4] = rng.randbytes(4)
        else:
            del blob[pos:]
            if len(blob) < 8:
                blob = bytearray(seed)
    return bytes(blob)


def _fixtures() -> list[bytes]:
    shared = Path(os.environ.get("SPYLESS_SHARED", Path(__file__).resolve().parents[2] / "shared"))
    return [p.read_bytes() for p in sorted((shared / "corpus/formats").glob("factx_squashFS__*"))]


def main(seconds: float = 30.0) -> int:
    seeds = _fixtures()
    if not seeds:
        print("no SquashFS fixtures found under ../shared/corpus/formats")
        return 1
    rng = random.Random(int(os.environ.get("FUZZ_SEED", "1")))
    deadline = time.monotonic() + seconds
    runs = 0
    while time.monotonic() < deadline:
        sample = _mutate(rng.choice(seeds), rng)
        try:
            TestOneInput(sample)
        except Exception:
            crash = Path(tempfile.gettempdir()) / f"squashfs-crash-{runs}.bin"
            crash.write_bytes(sample)
            print(f"crash after {runs} runs; input saved to {crash}")
            raise
        runs += 1
    print(f"{runs} runs, no crash")
    return 0


if __name__ == "__main__":
    try:
        import atheris  # type: ignore[import-untyped, import-not-found, unused-ignore]
    except ImportError:
        sys.exit(main(float(sys.argv[1]) if len(sys.argv) > 1 else 30.0))
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()
