"""ISO 9660 images (with Rock Ridge or Joliet names when present), read with pycdlib.

pycdlib parses the volume descriptors and directory tree from a bounded view of the
chunk; we walk that tree ourselves (guarding against directory cycles) and copy file
extents straight from the blob, bounded by the chunk. The chunk size is the volume space
size times the logical block size of the primary volume descriptor.
"""

from __future__ import annotations

import stat
import struct
from collections.abc import Iterator
from typing import Any, ClassVar

from spyless.errors import Error, FormatError
from spyless.unpack.handlers.archive._common import blocks, open_blob
from spyless.unpack.interface import Blob, Category, Chunk, Handler, Magic
from spyless.unpack.sandbox import Sink

_DESCRIPTORS = 0x8000
_SECTOR = 2048
_MAX_DESCRIPTORS = 32
#: Directories deeper than this are not followed (ISO 9660 itself allows 8).
_MAX_DEPTH = 64


def _volume(blob: Blob, start: int) -> tuple[int, int] | None:
    """(volume space size, logical block size) from the primary descriptor, or None."""
    for i in range(_MAX_DESCRIPTORS):
        pos = start + _DESCRIPTORS + i * _SECTOR
        if pos + _SECTOR > len(blob) or bytes(blob[pos + 1 : pos + 6]) != b"CD001":
            return None
        kind = blob[pos]
        if kind == 255:
            return None
        if kind == 1:
            blocks_le, = struct.unpack_from("<L", blob, pos + 80)
            blocks_be, = struct.unpack_from(">L", blob, pos + 84)
            size_le, = struct.unpack_from("<H", blob, pos + 128)
            if blocks_le != blocks_be or size_le not in (512, 1024, 2048) or not blocks_le:
                return None
            return blocks_le, size_le
    return None


class Iso9660Handler(Handler):
    name: ClassVar[str] = "iso9660"
    category: ClassVar[Category] = Category.ARCHIVE
    magics: ClassVar[tuple[Magic, ...]] = (Magic(b"CD001", 0x8001),)
    description: ClassVar[str] = "ISO 9660 CD images with Rock Ridge and Joliet names"
    priority: ClassVar[int] = 40

    def parse(self, blob: Blob, start: int) -> Chunk | None:
        if start < 0:
            return None
        volume = _volume(blob, start)
        if volume is None:
            return None
        end = start + volume[0] * volume[1]
        info = {"block_size": str(volume[1])}
        if end < start + _DESCRIPTORS + _SECTOR:
            return None
        if end > len(blob):
            info["truncated"] = "yes"
            end = len(blob)
        return Chunk(start, end, self.name, info)

    def extract(self, blob: Blob, chunk: Chunk, sink: Sink) -> int | None:
        end = chunk.end if chunk.end is not None else len(blob)
        import pycdlib  # noqa: PLC0415 - slow to import; only needed for an ISO

        iso = pycdlib.PyCdlib()
        try:
            iso.open_fp(open_blob(blob, chunk.start, end))
            if iso.rock_ridge:
                root, names = iso.pvd.root_dir_record, "rr"
            elif iso.joliet_vd is not None:
                root, names = iso.joliet_vd.root_dir_record, "joliet"
            else:
                root, names = iso.pvd.root_dir_record, "iso"
            block = int(iso.logical_block_size)
            for path, rec in _walk(root, names):
                sink.check()
                _write(blob, chunk.start, end, block, path, rec, sink)
        except Error:
            raise
        except Exception as e:
            raise FormatError(f"ISO 9660 image unreadable: {e}") from e
        if chunk.info.get("truncated"):
            raise FormatError("ISO 9660 image is shorter than its volume space size")
        return end


def _name(rec: Any, names: str) -> bytes:
    if names == "rr" and rec.rock_ridge is not None:
        return bytes(rec.rock_ridge.name())
    ident = bytes(rec.file_identifier())
    if names == "joliet":
        return ident.decode("utf-16-be", "replace").encode("utf-8", "surrogateescape")
    if not rec.is_dir():
        ident = ident.split(b";", 1)[0]
        ident = ident.removesuffix(b".")
    return ident


def _walk(root: Any, names: str) -> Iterator[tuple[bytes, Any]]:
    """(path, record) for every entry below root, each directory extent visited once."""
    seen: set[int] = {int(root.extent_location())}
    stack: list[tuple[bytes, Any, int]] = [(b"", root, 0)]
    while stack:
        prefix, directory, depth = stack.pop()
        last = None
        for entry in directory.children:
            child = entry
            if child is None or child.is_dot() or child.is_dotdot():
                continue
            ident = child.file_identifier()
            if ident == last:
                continue  # another extent of a multi-extent file
            last = ident
            rr = child.rock_ridge if names == "rr" else None
            if rr is not None and rr.child_link_record_exists() and rr.cl_to_moved_dr is not None:
                child = rr.cl_to_moved_dr
            path = prefix + _name(child, names)
            yield path, child
            if child.is_dir() and depth < _MAX_DEPTH:
                extent = int(child.extent_location())
                if extent not in seen:
                    seen.add(extent)
                    stack.append((path + b"/", child, depth + 1))


def _write(blob: Blob, start: int, end: int, block: int, path: bytes, rec: Any,
           sink: Sink) -> None:
    rr = rec.rock_ridge
    mode: int | None = None
    if rr is not None:
        try:
            mode = int(rr.get_file_mode())
        except Exception:  # pycdlib raises its own error when the entry has no mode
            mode = None
    perm = mode & 0o7777 if mode is not None else None
    if rr is not None and rr.is_symlink():
        sink.symlink(path, bytes(rr.symlink_path()), perm)
    elif rec.is_dir():
        sink.directory(path, perm)
    elif mode is not None and stat.S_IFMT(mode) in (stat.S_IFCHR, stat.S_IFBLK, stat.S_IFIFO,
                                                    stat.S_IFSOCK):
        sink.special(path, {stat.S_IFCHR: "chardev", stat.S_IFBLK: "blockdev",
                            stat.S_IFIFO: "fifo"}.get(stat.S_IFMT(mode), "socket"), perm)
    else:
        lo = start + int(rec.extent_location()) * block
        hi = min(lo + int(rec.get_data_length()), end)
        sink.file(path, blocks(blob, lo, hi) if lo < hi else b"", perm)
