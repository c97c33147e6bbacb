"""Helpers shared by the handler tests: the corpus fixtures' files, a rich source tree
for real-tool images, and a mutation runner that lets only spyless's own errors out."""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile
from pathlib import Path

from spyless.errors import Error
from spyless.unpack.interface import Handler, Limits
from spyless.unpack.sandbox import Budget, Sink

EXPECTED = {
    "generic folder/test file 3_.txt": b"The third test file!",
    "testfile1": b"test file:\ncontent: MyTestRule 1.2.3\nVersion: Program 0.0.0.0\n",
    "testfile2": b"This is the second test file",
}


def make_source(root: Path) -> Path:
    """A tree with a symlink, a hard link, a sparse file and a deeper folder."""
    src = root / "src"
    (src / "d1" / "d2" / "d3").mkdir(parents=True)
    (src / "a").write_bytes(b"hello")
    (src / "big").write_bytes(hashlib.shake_256(b"7").digest(10000))
    (src / "d1" / "d2" / "d3" / "f").write_bytes(b"deep\n")
    (src / "d1" / "d2" / "up").symlink_to("../../a")
    (src / "lnk").symlink_to("a")
    os.link(src / "a", src / "hard")
    with (src / "holey").open("wb") as handle:
        handle.seek(9000)
        handle.write(b"x")
    with contextlib.suppress(PermissionError):
        os.mknod(src / "tty", stat.S_IFCHR | 0o600, os.makedev(4, 1))
    return src


def check_devices(sink: Sink, src: Path) -> None:
    """The device node of the source tree is recorded (never created) with its numbers."""
    if (src / "tty").exists():
        specials = [(e.path, e.target) for e in sink.entries if e.kind == "special"]
        assert ("tty", "chardev 4:1") in specials
        assert not (sink.root / "tty").exists()


def mutated_run(handler: Handler, blob: bytes, edits: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(blob)
    for pos, value in edits:
        data[pos % len(data)] = value
    data = data[: max(cut, 1)]
    with tempfile.TemporaryDirectory() as tmp:
        try:
            chunk = handler.parse(bytes(data), 0)
            if chunk is not None:
                sink = Sink(Path(tmp) / "o", "fuzz", Budget(Limits(max_total_bytes=1 << 24), 1))
                handler.extract(bytes(data), chunk, sink)
                sink.finish()
        except Error:
            pass
