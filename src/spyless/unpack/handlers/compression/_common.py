"""Shared plumbing of the compression handlers: bounded streaming into the sink.

Every decompressor here is driven in small steps: at most ``IN_STEP`` bytes of input are
fed at a time and at most ``OUT_STEP`` bytes of output are taken per call, and each piece
goes straight to a sink writer, so the sink's byte budget stops a decompression bomb
after a bounded amount of work and memory, whatever the input claims.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

from spyless.errors import FormatError
from spyless.unpack.sandbox import Sink

IN_STEP = 1 << 16
OUT_STEP = 1 << 20
#: Longest name taken from a header (gzip FNAME, lzop name); longer ones are ignored.
MAX_NAME = 255


class Writer(Protocol):
    def write(self, data: bytes | bytearray | memoryview) -> None: ...


class _Discard:
    """Stands in for a refused output so the stream is still walked to find its end."""

    def write(self, data: bytes | bytearray | memoryview) -> None:
        return None


class Counted:
    """Passes writes through and counts them (to compare with a size field)."""

    def __init__(self, out: Writer) -> None:
        self._out = out
        self.size = 0

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self._out.write(data)
        self.size += len(data)


@dataclass(frozen=True, slots=True)
class StreamEnd:
    """Where a compressed stream stopped in the blob and whether it ended properly."""

    end: int
    complete: bool


@contextmanager
def output(sink: Sink, name: str) -> Iterator[Writer]:
    """A writer for ``name``; a discarding one when the sink refuses the path."""
    with sink.open(name) as out:
        yield out if out is not None else _Discard()


_UNSAFE = re.compile(r"[\x00-\x1f\x7f]")


def header_name(raw: bytes, default: str) -> str:
    """A base name taken from a header field, or ``default`` when it is unusable."""
    text = raw.decode("utf-8", "replace").replace("\\", "/").rsplit("/", 1)[-1]
    text = _UNSAFE.sub("_", text)
    if text in ("", ".", "..") or len(text.encode()) > MAX_NAME:
        return default
    return text


class _Buffered(Protocol):
    """lzma, bz2 and lz4.frame decompressors: internal input buffer, ``needs_input``."""

    @property
    def eof(self) -> bool: ...
    @property
    def needs_input(self) -> bool: ...
    @property
    def unused_data(self) -> bytes | None: ...
    def decompress(self, data: bytes | memoryview, max_length: int = -1) -> bytes: ...


def pump_buffered(
    view: memoryview, pos: int, dec: _Buffered, out: Writer, sink: Sink,
    errors: tuple[type[Exception], ...], what: str, stop: int | None = None,
) -> StreamEnd:
    """Feed ``view[pos:stop]`` to ``dec`` until its stream ends; write every piece."""
    limit = len(view) if stop is None else min(stop, len(view))
    fed = pos
    while not dec.eof:
        if dec.needs_input:
            if fed >= limit:
                return StreamEnd(fed, complete=False)
            piece: bytes | memoryview = view[fed : fed + IN_STEP]
            fed += len(piece)
        else:
            piece = b""
        sink.check()
        try:
            data = dec.decompress(piece, OUT_STEP)
        except errors as e:
            raise FormatError(f"corrupt {what} stream: {e}") from e
        out.write(data)
    # python-lz4 leaves unused_data None when the frame ended exactly with the input.
    return StreamEnd(fed - len(dec.unused_data or b""), complete=True)


def pump_zlib(
    view: memoryview, pos: int, dec: zlib._Decompress, out: Writer, sink: Sink, what: str,
) -> StreamEnd:
    """Like :func:`pump_buffered` for zlib objects, which hand back ``unconsumed_tail``."""
    fed = pos
    pending: bytes | memoryview = b""
    while not dec.eof:
        if not pending:
            if fed >= len(view):
                return StreamEnd(fed, complete=False)
            pending = view[fed : fed + IN_STEP]
            fed += len(pending)
        sink.check()
        try:
            data = dec.decompress(pending, OUT_STEP)
            # A full output step may leave output pending inside zlib with no input left.
            while len(data) == OUT_STEP and not dec.unconsumed_tail and not dec.eof:
                out.write(data)
                data = dec.decompress(b"", OUT_STEP)
        except zlib.error as e:
            raise FormatError(f"corrupt {what} stream: {e}") from e
        out.write(data)
        pending = dec.unconsumed_tail
    return StreamEnd(fed - len(dec.unused_data), complete=True)

