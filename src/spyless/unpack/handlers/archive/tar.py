"""tar archives (v7, ustar, GNU and pax) parsed by hand, carvable at any offset.

Headers are read straight from the blob, so a member that claims more data than is
present is cut at the end of the blob instead of being allocated. GNU long names and
links ('L', 'K') and pax extended/global headers ('x', 'g') are honoured. The chunk ends
after the two zero blocks, or after the last member when they are missing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

from spyless.errors import FormatError
from spyless.unpack.handlers.archive._common import blocks, cstring
from spyless.unpack.interface import Blob, Category, Chunk, Handler, Magic
from spyless.unpack.sandbox import Sink

_BLOCK = 512
_ZERO = bytes(_BLOCK)
_OCTAL = re.compile(rb"[0-7]+")
_HIGH = bytes(range(128, 256))
#: Long names and pax records above this size are not believed.
_META_MAX = 1 << 20
#: Types whose size field counts data blocks that follow the header.
_DATA_TYPES = frozenset(b"0\x0017SLKxgD")
_KNOWN_TYPES = frozenset(b"0\x001234567LKxgDSVMNX")


@dataclass(frozen=True, slots=True)
class TarMember:
    """One member as the archive describes it, after long-name and pax processing."""

    header: int
    name: bytes
    linkname: bytes
    kind: int  # the typeflag byte
    mode: int
    uid: int
    gid: int
    data: int
    size: int
    devmajor: int
    devminor: int


@dataclass(slots=True)
class _Walk:
    """Where the walk stopped and why."""

    end: int
    truncated: bool = False
    bad_header: bool = False


def _number(field: bytes) -> int | None:
    if field and field[0] & 0x80:
        if field[0] == 0xFF:
            return None  # a negative base-256 number
        return int.from_bytes(bytes([field[0] & 0x7F]) + field[1:], "big")
    text = field.split(b"\x00", 1)[0].strip(b" ")
    if not text:
        return 0
    if not _OCTAL.fullmatch(text):
        return None
    return int(text, 8)


def _checksum_ok(hdr: bytes) -> bool:
    stored = _number(hdr[148:156])
    if stored is None:
        return False
    unsigned = sum(hdr) - sum(hdr[148:156]) + 8 * 0x20
    if stored == unsigned:
        return True
    # Some old tars summed signed chars.
    high = len(hdr) - len(hdr.translate(None, _HIGH)) - (
        8 - len(hdr[148:156].translate(None, _HIGH))
    )
    return stored == unsigned - 256 * high


def valid_header(hdr: bytes) -> bool:
    """True when a 512-byte block is a plausible tar header (magic-less v7 included)."""
    if len(hdr) != _BLOCK or hdr == _ZERO or hdr[0] == 0:
        return False
    if hdr[156] not in _KNOWN_TYPES and not hdr[156:157].isalpha():
        return False
    return _checksum_ok(hdr)


def _pax(body: bytes) -> dict[bytes, bytes]:
    records: dict[bytes, bytes] = {}
    pos = 0
    while pos < len(body):
        space = body.find(b" ", pos, pos + 24)
        if space < 0 or not body[pos:space].isdigit():
            break
        length = int(body[pos:space])
        if length <= space - pos or pos + length > len(body):
            break
        record = body[space + 1 : pos + length]
        key, eq, value = record.partition(b"=")
        if eq:
            records[key] = value[:-1] if value.endswith(b"\n") else value
        pos += length
    return records


def _int_or(value: bytes | None, default: int) -> int:
    if value is not None and value.isdigit() and len(value) < 20:
        return int(value)
    return default


def walk(blob: Blob, start: int, state: _Walk) -> Iterator[TarMember]:
    """Yield the members from ``start``; ``state`` says where the archive ended."""
    size_blob = len(blob)
    pos = start
    long_name: bytes | None = None
    long_link: bytes | None = None
    pax: dict[bytes, bytes] = {}
    global_pax: dict[bytes, bytes] = {}
    zeros = 0
    while pos + _BLOCK <= size_blob:
        hdr = bytes(blob[pos : pos + _BLOCK])
        if hdr == _ZERO:
            zeros += 1
            pos += _BLOCK
            if zeros == 2:
                break
            continue
        if zeros or not valid_header(hdr):
            state.bad_header = not zeros
            pos -= _BLOCK * zeros
            break
        fields = [_number(hdr[a:b]) for a, b in ((100, 108), (108, 116), (116, 124), (124, 136),
                                                  (329, 337), (337, 345))]
        mode, uid, gid, size, major, minor = (f or 0 for f in fields)
        if fields[3] is None:
            state.bad_header = True
            break
        kind = hdr[156]
        merged = {**global_pax, **pax}
        if b"size" in merged:
            size = _int_or(merged[b"size"], size)
        data = pos + _BLOCK
        next_pos = data + (-(-size // _BLOCK) * _BLOCK if kind in _DATA_TYPES else 0)
        if kind in b"LKxg":
            if size > _META_MAX or data + size > size_blob:
                state.truncated = True
                pos = size_blob
                break
            body = bytes(blob[data : data + size])
            if kind == ord("L"):
                long_name = cstring(body)
            elif kind == ord("K"):
                long_link = cstring(body)
            elif kind == ord("x"):
                pax = _pax(body)
            else:
                global_pax.update(_pax(body))
            pos = next_pos
            continue
        name = cstring(hdr[0:100])
        if hdr[257:263] == b"ustar\x00" and hdr[345] != 0:
            name = cstring(hdr[345:500]) + b"/" + name
        linkname = cstring(hdr[157:257])
        name = merged.get(b"path", long_name or name)
        linkname = merged.get(b"linkpath", long_link or linkname)
        uid = _int_or(merged.get(b"uid"), uid)
        gid = _int_or(merged.get(b"gid"), gid)
        long_name = long_link = None
        pax = {}
        yield TarMember(pos, name, linkname, kind, mode, uid, gid, data, size, major, minor)
        pos = next_pos
        if pos > size_blob:
            state.truncated = True
            pos = size_blob
            break
    state.end = min(pos, size_blob)


class TarHandler(Handler):
    name: ClassVar[str] = "tar"
    category: ClassVar[Category] = Category.ARCHIVE
    magics: ClassVar[tuple[Magic, ...]] = (Magic(b"ustar", 257),)
    description: ClassVar[str] = "tar archives: v7, ustar, GNU long names and pax headers"
    priority: ClassVar[int] = 50

    def parse(self, blob: Blob, start: int) -> Chunk | None:
        if start < 0 or not valid_header(bytes(blob[start : start + _BLOCK])):
            return None
        state = _Walk(start)
        count = sum(1 for _ in walk(blob, start, state))
        info = {"members": str(count)}
        if state.truncated:
            info["truncated"] = "yes"
        return Chunk(start, state.end, self.name, info)

    def extract(self, blob: Blob, chunk: Chunk, sink: Sink) -> int | None:
        state = _Walk(chunk.start)
        limit = chunk.end if chunk.end is not None else len(blob)
        for member in walk(blob, chunk.start, state):
            sink.check()
            write_member(blob, member, sink, limit)
        if state.truncated:
            raise FormatError(f"tar archive truncated at 0x{state.end:x}")
        return state.end


def write_member(blob: Blob, m: TarMember, sink: Sink, limit: int) -> None:
    perm = m.mode & 0o7777
    kind = chr(m.kind)
    if kind in "0\x007":
        if m.name.endswith(b"/") and m.size == 0:
            sink.directory(m.name, perm, m.uid, m.gid)
        else:
            sink.file(m.name, blocks(blob, m.data, min(m.data + m.size, limit)), perm, m.uid,
                      m.gid)
    elif kind in "5D":
        sink.directory(m.name, perm, m.uid, m.gid)
    elif kind == "2":
        sink.symlink(m.name, m.linkname, perm, m.uid, m.gid)
    elif kind == "1":
        sink.hardlink(m.name, m.linkname, perm, m.uid, m.gid)
    elif kind in "34":
        what = "chardev" if kind == "3" else "blockdev"
        sink.special(m.name, f"{what} {m.devmajor}:{m.devminor}", perm, m.uid, m.gid)
    elif kind == "6":
        sink.special(m.name, "fifo", perm, m.uid, m.gid)
    elif kind in "VM":
        return  # a volume label or a continuation of another volume: nothing to write
    else:
        sink.refuse(m.name.decode("utf-8", "replace"),
                    f"tar member of unsupported type {kind!r} not extracted")
