"""Fuzz the archive handlers: parse + extract of mutated archives may only raise our errors.

With atheris installed: ``python fuzz/fuzz_archive.py [corpus dirs]`` runs libFuzzer.
Without it, ``python fuzz/fuzz_archive.py [seconds]`` mutates built-in seeds at random.
"""

from __future__ import annotations

import io
import random
import stat
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

from spyless.errors import Error
from spyless.unpack.handlers.archive import HANDLERS
from spyless.unpack.interface import Limits
from spyless.unpack.sandbox import Budget, Sink

_HANDLERS = tuple(cls() for cls in HANDLERS)


def _seeds() -> list[bytes]:
    tar = io.BytesIO()
    with tarfile.open(fileobj=tar, mode="w", format=tarfile.PAX_FORMAT) as tf:
        info = tarfile.TarInfo("dir/" + "n" * 120)
        info.size = 5
        tf.addfile(info, io.BytesIO(b"hello"))
        link = tarfile.TarInfo("dir/link")
        link.type = tarfile.SYMTYPE
        link.linkname = "../x"
        tf.addfile(link)
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a/b.txt", b"zip data " * 20)
        sym = zipfile.ZipInfo("l")
        sym.create_system = 3
        sym.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(sym, b"a/b.txt")
    cpio = b"".join(
        b"070701" + b"".join(b"%08X" % f for f in (1, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0,
                                                    len(name) + 1, 0))
        + name + b"\x00" + bytes(-(110 + len(name) + 1) % 4) + data + bytes(-len(data) % 4)
        for name, mode, data in ((b"f", 0o100644, b"cpio!"), (b"TRAILER!!!", 0, b""))
    )
    ar = b"!<arch>\n" + b"debian-binary/  0           0     0     100644  4         `\n2.0\n"
    return [tar.getvalue(), zipped.getvalue(), cpio, ar]


def TestOneInput(data: bytes) -> None:  # noqa: N802 - the name atheris expects
    with tempfile.TemporaryDirectory() as tmp:
        for handler in _HANDLERS:
            for magic in handler.magics:
                pos = data.find(magic.pattern)
                if pos < 0:
                    continue
                start = pos - magic.offset
                try:
                    chunk = handler.parse(data, start)
                    if chunk is None:
                        continue
                    out = Path(tmp) / f"{handler.name}{start}"
                    sink = Sink(out, "fuzz", Budget(Limits(max_total_bytes=1 << 24,
                                                           handler_seconds=5), len(data)))
                    sink.budget.start_handler()
                    handler.extract(data, chunk, sink)
                    sink.finish()
                except Error:
                    pass


def _mutate(rng: random.Random, seed: bytes) -> bytes:
    data = bytearray(seed)
    for _ in range(rng.randint(1, 8)):
        choice = rng.random()
        if choice < 0.6 and data:
            data[rng.randrange(len(data))] = rng.randrange(256)
        elif choice < 0.8:
            data = data[: rng.randrange(len(data) + 1)]
        else:
            data[rng.randrange(len(data) + 1) : 0] = rng.randbytes(rng.randint(1, 16))
    return bytes(rng.randbytes(rng.randint(0, 64)) + data)


def main() -> None:
    try:
        import atheris  # type: ignore[import-not-found]  # noqa: PLC0415 - optional
    except ImportError:
        seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 30.0
        rng = random.Random(0)
        seeds = _seeds()
        deadline = time.monotonic() + seconds
        runs = 0
        while time.monotonic() < deadline:
            TestOneInput(_mutate(rng, rng.choice(seeds)))
            runs += 1
        print(f"{runs} inputs, no unexpected exception")
        return
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
