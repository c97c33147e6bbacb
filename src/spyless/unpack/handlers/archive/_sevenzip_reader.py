"""The py7zr side of the 7-Zip handler, imported only when a 7z archive is found.

py7zr reads a bounded view of the chunk and hands every member's bytes to our writer
factory, which streams them straight into the sink (symbolic links are buffered, bounded,
and become ``sink.symlink``). Kept apart so that starting spyless does not import py7zr.
"""

from __future__ import annotations

import contextlib

import py7zr
import py7zr.helpers
import py7zr.io

from spyless.errors import EncryptedError, Error, FormatError
from spyless.unpack.handlers.archive._common import open_blob
from spyless.unpack.interface import Blob, Chunk
from spyless.unpack.sandbox import Sink

_LINK_MAX = 4096


def _sanitized(name: str) -> str | None:
    """The name py7zr will hand our factory for a member, or None if it rejects it."""
    try:
        return py7zr.helpers.get_sanitized_output_path(name, None).as_posix()
    except Exception:  # any refusal by the library means an unsafe name
        return None


class _Member(py7zr.io.Py7zIO):
    """Receives one member's bytes from py7zr and passes them to the sink."""

    def __init__(self, sink: Sink, name: str, mode: int | None, is_link: bool,
                 stack: contextlib.ExitStack) -> None:
        self._sink = sink
        self._name = name
        self._mode = mode
        self._link: bytearray | None = bytearray() if is_link else None
        self._out = None if is_link else stack.enter_context(sink.open(name, mode))
        self._size = 0

    def write(self, s: bytes | bytearray) -> int:
        if self._link is not None:
            room = _LINK_MAX - len(self._link)
            self._link += s[: max(room, 0)]
        elif self._out is not None:
            self._out.write(s)
        self._size += len(s)
        return len(s)

    def read(self, size: int | None = None) -> bytes:
        return b""

    def seek(self, offset: int, whence: int = 0) -> int:
        return 0  # py7zr rewinds finished members; we never read them back

    def flush(self) -> None:
        return

    def size(self) -> int:
        return self._size

    def close(self) -> None:
        if self._link is not None:
            self._sink.symlink(self._name, bytes(self._link), self._mode)
            self._link = None


class _Factory(py7zr.io.WriterFactory):
    def __init__(self, sink: Sink, modes: dict[str, tuple[int | None, bool]],
                 stack: contextlib.ExitStack) -> None:
        self._sink = sink
        self._modes = modes
        self._stack = stack

    def create(self, filename: str) -> py7zr.io.Py7zIO:
        mode, is_link = self._modes.get(filename, (None, False))
        return _Member(self._sink, filename, mode, is_link, self._stack)



def extract_7z(blob: Blob, chunk: Chunk, sink: Sink) -> int:
    end = chunk.end if chunk.end is not None else len(blob)
    try:
        archive = py7zr.SevenZipFile(open_blob(blob, chunk.start, end), mode="r")
    except py7zr.PasswordRequired as e:
        raise EncryptedError("7z archive with encrypted headers") from e
    except Exception as e:
        raise FormatError(f"7z archive unreadable: {e}") from e
    with archive, contextlib.ExitStack() as stack:
        if archive.needs_password():
            raise EncryptedError("password-protected 7z archive")
        try:
            wanted = _plan(archive, sink)
            if wanted[0]:
                archive.extract(targets=list(wanted[0]), factory=_Factory(sink, wanted[1],
                                                                          stack))
        except Error:
            raise
        except py7zr.PasswordRequired as e:
            raise EncryptedError("password-protected 7z archive") from e
        except Exception as e:
            raise FormatError(f"7z archive corrupt: {e}") from e
    return end


def _plan(archive: py7zr.SevenZipFile,
          sink: Sink) -> tuple[set[str], dict[str, tuple[int | None, bool]]]:
    """Write directories, refuse unsafe names; return the members to extract and their modes."""
    targets: set[str] = set()
    modes: dict[str, tuple[int | None, bool]] = {}
    for info in archive.files:
        sink.check()
        name = str(info.filename)
        safe = _sanitized(name)
        if safe is None or name.startswith("/"):
            sink.refuse(name, f"7z member path is absolute or climbs out: {name!r}")
            continue
        posix = info.posix_mode
        mode = posix & 0o7777 if posix else None
        if info.is_directory:
            sink.directory(name, mode)
            continue
        targets.add(name)
        modes[safe] = (mode, bool(info.is_symlink))
    return targets, modes
