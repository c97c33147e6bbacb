"""ZIP archives carved at a local file header; zipfile reads a bounded view of the chunk.

The chunk ends at the end of central directory record (EOCD, with its comment) whose
central directory fits between the local header and the EOCD. Members are streamed
through the sink in bounded reads, so a bomb stops at the byte budget. Encrypted members
(ZipCrypto, AES) are refused one by one; an archive with any of them raises
EncryptedError once the readable members are out.
"""

from __future__ import annotations

import bisect
import bz2
import lzma
import stat
import struct
import zipfile
import zlib
from typing import ClassVar

from spyless.errors import EncryptedError, FormatError
from spyless.unpack.handlers.archive._common import BLOCK, open_blob
from spyless.unpack.interface import Blob, Category, Chunk, Handler, Magic
from spyless.unpack.sandbox import Sink

_LOCAL = b"PK\x03\x04"
_EOCD = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_EOCD = b"PK\x06\x06"
_CENTRAL = b"PK\x01\x02"
_LINK_MAX = 4096
#: How many EOCD look-alikes we try before giving up on an archive.
_EOCD_TRIES = 64
#: How many EOCD signatures of one blob we remember.
_EOCD_MAX = 1 << 16
_LIB_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError,
               ValueError, EOFError, OSError, KeyError, IndexError, OverflowError,
               struct.error, zlib.error, lzma.LZMAError, UnicodeDecodeError)
_ = bz2  # zipfile needs bz2 importable for method 12; imported here so that failure is early


def _cd_fields(blob: Blob, eocd: int) -> tuple[int, int] | None:
    """(central directory size, offset) of an EOCD, following the zip64 locator if needed."""
    _sig, _d, _dcd, _n_here, _n, cd_size, cd_off, _clen = struct.unpack_from("<4s4H2LH", blob,
                                                                               eocd)
    if cd_size != 0xFFFFFFFF and cd_off != 0xFFFFFFFF:
        return cd_size, cd_off
    loc = eocd - 20
    if loc < 0 or bytes(blob[loc : loc + 4]) != _ZIP64_LOCATOR:
        return None
    rec = eocd - 20 - 56
    if rec < 0 or bytes(blob[rec : rec + 4]) != _ZIP64_EOCD:
        return None
    size64, off64 = struct.unpack_from("<QQ", blob, rec + 40)
    return size64, off64


def eocd_positions(blob: Blob) -> list[int]:
    """Every EOCD signature in the blob (up to a bound), in order."""
    found: list[int] = []
    pos = blob.find(_EOCD)
    while pos >= 0 and len(found) < _EOCD_MAX:
        found.append(pos)
        pos = blob.find(_EOCD, pos + 1)
    return found


def find_end(blob: Blob, start: int, eocds: list[int]) -> int | None:
    """The end of the zip whose first local header is at ``start``, or None."""
    first = bisect.bisect_left(eocds, start)
    for eocd in eocds[first : first + _EOCD_TRIES]:
        if eocd + 22 > len(blob):
            return None
        fields = _cd_fields(blob, eocd)
        if fields is None:
            continue
        cd_size, cd_off = fields
        (comment_len,) = struct.unpack_from("<H", blob, eocd + 20)
        cd_start = eocd - cd_size
        if bytes(blob[eocd - 20 : eocd - 16]) == _ZIP64_LOCATOR:
            cd_start -= 76  # the zip64 end record and its locator sit between
        # Offsets count from this local header, or from the start of a larger file the
        # archive was built into (zipfile copes with either); never beyond the directory.
        if cd_start < start or start + cd_off > cd_start:
            continue
        if cd_size and bytes(blob[cd_start : cd_start + 4]) != _CENTRAL:
            continue
        return min(eocd + 22 + int(comment_len), len(blob))
    return None


class ZipHandler(Handler):
    name: ClassVar[str] = "zip"
    category: ClassVar[Category] = Category.ARCHIVE
    magics: ClassVar[tuple[Magic, ...]] = (Magic(_LOCAL),)
    description: ClassVar[str] = "ZIP archives (stored, deflate, bzip2, lzma; zip64)"
    priority: ClassVar[int] = 50

    def __init__(self) -> None:
        # Every local header of an archive is a candidate; scanning the blob for EOCDs once
        # keeps carving linear instead of one scan per member.
        self._eocds: tuple[Blob, list[int]] | None = None

    def parse(self, blob: Blob, start: int) -> Chunk | None:
        if start < 0 or start + 30 > len(blob) or bytes(blob[start : start + 4]) != _LOCAL:
            return None
        version, _flags, method = struct.unpack_from("<3H", blob, start + 4)
        if version > 0x3FF or method not in (0, 1, 6, 8, 9, 12, 14, 93, 95, 96, 97, 98, 99):
            return None
        if self._eocds is None or self._eocds[0] is not blob:
            self._eocds = (blob, eocd_positions(blob))
        end = find_end(blob, start, self._eocds[1])
        if end is None:
            return None
        return Chunk(start, end, self.name)

    def extract(self, blob: Blob, chunk: Chunk, sink: Sink) -> int | None:
        end = chunk.end if chunk.end is not None else len(blob)
        try:
            archive = zipfile.ZipFile(open_blob(blob, chunk.start, end))
        except _LIB_ERRORS as e:
            raise FormatError(f"zip archive unreadable: {e}") from e
        encrypted = 0
        errors: list[str] = []
        with archive:
            for info in archive.infolist():
                sink.check()
                if info.flag_bits & 0x1 or info.compress_type == 99:
                    encrypted += 1
                    sink.refuse(info.filename, "encrypted zip member (ZipCrypto or AES) not "
                                "extracted")
                    continue
                try:
                    _member(archive, info, sink)
                except _LIB_ERRORS as e:
                    errors.append(f"{info.filename}: {e}")
        if encrypted:
            raise EncryptedError(f"{encrypted} of {len(archive.infolist())} zip members are "
                                 "encrypted")
        if errors:
            raise FormatError(f"{len(errors)} corrupt zip member(s); first: {errors[0]}")
        return end


def _member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, sink: Sink) -> None:
    unix = info.external_attr >> 16 if info.create_system == 3 else 0
    perm = unix & 0o7777 or None
    if info.is_dir():
        sink.directory(info.filename, perm)
        return
    if stat.S_ISLNK(unix):
        with archive.open(info) as member:
            target = member.read(_LINK_MAX)
        sink.symlink(info.filename, target, perm)
        return
    with archive.open(info) as member, sink.open(info.filename, perm) as out:
        if out is None:
            return
        while block := member.read(BLOCK):
            out.write(block)
