"""Helpers shared by the archive handlers: bounded views of a blob and member streaming."""

from __future__ import annotations

import io
from collections.abc import Iterator

from spyless.unpack.interface import Blob

#: How much of a member is copied at a time.
BLOCK = 1 << 20


def blocks(blob: Blob, start: int, end: int) -> Iterator[bytes]:
    """The bytes ``blob[start:end]`` (clamped to the blob) in pieces of at most BLOCK."""
    end = min(end, len(blob))
    for pos in range(start, end, BLOCK):
        yield bytes(blob[pos : min(pos + BLOCK, end)])


def cstring(raw: bytes) -> bytes:
    """A NUL-terminated field without its terminator and what follows it."""
    nul = raw.find(b"\x00")
    return raw if nul < 0 else raw[:nul]


class BlobFile(io.RawIOBase):
    """A read-only, seekable file over ``blob[start:end]`` that copies nothing up front.

    Libraries (zipfile, py7zr, pycdlib) read the chunk through this, so they can never see
    bytes outside it and a memory-mapped image is not loaded as a whole.
    """

    def __init__(self, blob: Blob, start: int, end: int) -> None:
        super().__init__()
        self._blob = blob
        self._start = start
        self._size = max(0, min(end, len(blob)) - start)
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            pos = offset
        elif whence == io.SEEK_CUR:
            pos = self._pos + offset
        elif whence == io.SEEK_END:
            pos = self._size + offset
        else:
            raise ValueError(f"bad whence {whence}")
        if pos < 0:
            raise OSError("seek before the start of the chunk")
        self._pos = pos
        return pos

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        n = max(0, min(len(view), self._size - self._pos))
        if n:
            lo = self._start + self._pos
            view[:n] = self._blob[lo : lo + n]
            self._pos += n
        return n

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            size = self._size - self._pos
        n = max(0, min(size, self._size - self._pos))
        lo = self._start + self._pos
        self._pos += n
        return bytes(self._blob[lo : lo + n])

    def readall(self) -> bytes:
        return self.read(-1)


def open_blob(blob: Blob, start: int, end: int) -> io.BufferedReader:
    """A buffered, seekable binary file over ``blob[start:end]``, as libraries expect."""
    return io.BufferedReader(BlobFile(blob, start, end), buffer_size=1 << 16)
