"""Unix ar archives (GNU and BSD long names), which also covers Debian .deb packages.

A .deb is an ar archive of ``debian-binary``, ``control.tar.*`` and ``data.tar.*``; this
handler writes those members and the engine recurses into the tars. OpenWrt .ipk packages
come in two flavours: ar-based ones are handled here, and gzip'd-tar ones (a tar.gz of
``./debian-binary``, ``./control.tar.gz``, ``./data.tar.gz``) need nothing special because
the gzip and tar handlers already open them.

Symbol tables (``/``, ``/SYM64/``, ``__.SYMDEF``) and the GNU long-name table (``//``) are
not written. The chunk ends after the last well-formed member.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

from spyless.errors import FormatError
from spyless.unpack.handlers.archive._common import blocks
from spyless.unpack.interface import Blob, Category, Chunk, Handler, Magic
from spyless.unpack.sandbox import Sink

_MAGIC = b"!<arch>\n"
_HEADER = 60
_DECIMAL = re.compile(rb"[0-9]+ *")
_OCTAL = re.compile(rb"[0-7]* *")
_SYMBOL_TABLES = frozenset({b"/", b"/SYM64/", b"__.SYMDEF", b"__.SYMDEF SORTED",
                            b"__.SYMDEF_64", b"__.SYMDEF_64 SORTED"})
_LONG_NAMES_MAX = 16 << 20


@dataclass(frozen=True, slots=True)
class ArMember:
    name: bytes
    mode: int | None
    uid: int | None
    gid: int | None
    data: int
    size: int


@dataclass(slots=True)
class _Walk:
    end: int
    truncated: bool = False
    names: bytes = b""
    deb: bool = False


def _num(field: bytes, pattern: re.Pattern[bytes], base: int) -> int | None:
    text = field.rstrip(b" ")
    if not text or not pattern.fullmatch(field):
        return None
    return int(text, base)


def walk(blob: Blob, start: int, state: _Walk) -> Iterator[ArMember]:
    """Yield members after the global header; ``state`` says where the archive ended."""
    pos = start + len(_MAGIC)
    first = True
    while pos + _HEADER <= len(blob):
        hdr = bytes(blob[pos : pos + _HEADER])
        size = _num(hdr[48:58], _DECIMAL, 10)
        if hdr[58:60] != b"`\n" or size is None:
            break
        data = pos + _HEADER
        raw_name = hdr[0:16].rstrip(b" ")
        name: bytes | None = raw_name
        if raw_name.startswith(b"#1/"):
            name_len = _num(raw_name[3:], _DECIMAL, 10)
            if name_len is None or name_len > size:
                break
            name = bytes(blob[data : data + name_len]).rstrip(b"\x00")
            data += name_len
            size -= name_len
        elif raw_name == b"//":
            if size <= _LONG_NAMES_MAX:
                state.names = bytes(blob[data : data + size])
            name = None
        elif raw_name in _SYMBOL_TABLES:
            name = None
        elif raw_name.startswith(b"/") and raw_name[1:].isdigit():
            offset = int(raw_name[1:])
            if offset >= len(state.names):
                break
            stop = state.names.find(b"\n", offset)
            name = state.names[offset : stop if stop >= 0 else len(state.names)].rstrip(b"/")
        elif raw_name.endswith(b"/"):
            name = raw_name[:-1]
        if first:
            state.deb = name == b"debian-binary"
            first = False
        end = data + size
        if name is not None:
            yield ArMember(name, _num(hdr[40:48], _OCTAL, 8), _num(hdr[28:34], _DECIMAL, 10),
                           _num(hdr[34:40], _DECIMAL, 10), data, size)
        if end > len(blob):
            state.truncated = True
            pos = len(blob)
            break
        pos = end + (end & 1)
    state.end = min(pos, len(blob))


class ArHandler(Handler):
    name: ClassVar[str] = "ar"
    category: ClassVar[Category] = Category.ARCHIVE
    magics: ClassVar[tuple[Magic, ...]] = (Magic(_MAGIC),)
    description: ClassVar[str] = "Unix ar archives and Debian/OpenWrt packages built on them"
    priority: ClassVar[int] = 50

    def parse(self, blob: Blob, start: int) -> Chunk | None:
        if start < 0 or bytes(blob[start : start + len(_MAGIC)]) != _MAGIC:
            return None
        state = _Walk(start)
        count = sum(1 for _ in walk(blob, start, state))
        info = {"members": str(count)}
        if state.deb:
            info["package"] = "deb"
        if state.truncated:
            info["truncated"] = "yes"
        return Chunk(start, state.end, self.name, info)

    def extract(self, blob: Blob, chunk: Chunk, sink: Sink) -> int | None:
        state = _Walk(chunk.start)
        for member in walk(blob, chunk.start, state):
            sink.check()
            perm = member.mode & 0o7777 if member.mode is not None else None
            sink.file(member.name, blocks(blob, member.data, member.data + member.size), perm,
                      member.uid, member.gid)
        if state.truncated:
            raise FormatError(f"ar archive truncated at 0x{state.end:x}")
        return state.end
