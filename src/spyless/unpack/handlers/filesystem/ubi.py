"""UBI images: erase blocks with "UBI#" erase-counter and "UBI!" volume-id headers.

Owns the erase-block size guess, the chunk end (the run of erase blocks with valid
erase-counter headers) and the volume rebuild: the volume table names the volumes, each
logical erase block is taken from the physical one with the highest sequence number, and
each volume is written as one file (``<name>.ubifs`` when it holds UBIFS, else
``<name>.bin``) for the engine to recurse into. Header parsing uses ubi-reader.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from ubireader.ubi import headers as ubi_headers

from spyless.errors import FormatError
from spyless.unpack.interface import Blob, Category, Chunk, Handler, Magic
from spyless.unpack.sandbox import Sink

_EC_MAGIC = b"UBI#"
_VID_MAGIC = b"UBI!"
_HDR = 64
_LAYOUT_VOL = 0x7FFFEFFF
_UBIFS_MAGIC = b"\x31\x18\x10\x06"
_PEB_SIZES = tuple(1 << n for n in range(9, 22))  # 512 B .. 2 MiB
_STATIC = 2


def _crc_ok(raw: bytes) -> bool:
    (stored,) = struct.unpack_from(">I", raw, _HDR - 4)
    return bool(stored == zlib.crc32(raw[: _HDR - 4]) ^ 0xFFFFFFFF)


def _ec_at(blob: Blob, pos: int) -> tuple[int, int] | None:
    """(vid header offset, data offset) of a valid erase-counter header at ``pos``."""
    raw = bytes(blob[pos : pos + _HDR])
    if len(raw) < _HDR or raw[:4] != _EC_MAGIC or not _crc_ok(raw):
        return None
    vid_off, data_off = struct.unpack_from(">II", raw, 16)
    return vid_off, data_off


def guess_peb(blob: Blob, start: int) -> int | None:
    first = _ec_at(blob, start)
    if first is None:
        return None
    for size in _PEB_SIZES:
        if first[1] >= size:
            continue
        if _ec_at(blob, start + size) is not None:
            return size
        if start + size >= len(blob) and first[1] < len(blob) - start:
            return size  # a single erase block image
    return None


@dataclass(frozen=True, slots=True)
class _Leb:
    sqnum: int
    data_at: int
    data_size: int


def _scan(blob: Blob, start: int, peb: int) -> tuple[int, dict[int, dict[int, _Leb]]]:
    """Chunk end and, per volume, the winning copy of each logical erase block."""
    vols: dict[int, dict[int, _Leb]] = {}
    pos = start
    while pos < len(blob):
        ec = _ec_at(blob, pos)
        if ec is None:
            break
        vid_off, data_off = ec
        raw = bytes(blob[pos + vid_off : pos + vid_off + _HDR])
        if len(raw) == _HDR and raw[:4] == _VID_MAGIC and _crc_ok(raw) and data_off < peb:
            vid = ubi_headers.vid_hdr(raw)
            size = peb - data_off
            leb = _Leb(vid.sqnum, pos + data_off,
                       min(vid.data_size, size) if vid.vol_type == _STATIC else size)
            lebs = vols.setdefault(vid.vol_id, {})
            old = lebs.get(vid.lnum)
            if old is None or leb.sqnum > old.sqnum:
                lebs[vid.lnum] = leb
        pos += peb
    return min(pos, len(blob)), vols


def _names(blob: Blob, vols: dict[int, dict[int, _Leb]]) -> dict[int, bytes]:
    layout = vols.get(_LAYOUT_VOL, {})
    first = layout.get(0) or layout.get(1)
    if first is None:
        return {}
    buf = bytes(blob[first.data_at : first.data_at + first.data_size])
    try:
        return {rec.rec_index: rec.name for rec in ubi_headers.vtbl_recs(buf)}
    except (struct.error, ValueError) as e:
        raise FormatError(f"ubi: bad volume table: {e}") from e


def _volume(blob: Blob, lebs: dict[int, _Leb], leb_size: int) -> Iterator[bytes]:
    top = max(lebs)
    for lnum in range(top + 1):
        leb = lebs.get(lnum)
        if leb is None:
            yield b"\xff" * leb_size
            continue
        data = bytes(blob[leb.data_at : leb.data_at + leb.data_size])
        if len(data) < leb.data_size:
            raise FormatError(f"ubi: erase block {lnum} truncated")
        yield data


class UbiHandler(Handler):
    name = "ubi"
    category = Category.FILESYSTEM
    magics = (Magic(_EC_MAGIC),)
    description = "UBI flash image (volumes written out as files)"

    def parse(self, blob: Blob, start: int) -> Chunk | None:
        peb = guess_peb(blob, start)
        if peb is None:
            return None
        end, _ = _scan(blob, start, peb)
        return Chunk(start, end, self.name, {"peb_size": str(peb)})

    def extract(self, blob: Blob, chunk: Chunk, sink: Sink) -> int | None:
        peb = int(chunk.info.get("peb_size", "0")) or guess_peb(blob, chunk.start)
        if not peb:
            raise FormatError("ubi: erase block size not recognised")
        end, vols = _scan(blob, chunk.start, peb)
        names = _names(blob, vols)
        written = 0
        used: set[str] = set()
        problems: list[str] = []
        bound = 4 * ((end - chunk.start) // peb + 1)
        for vol_id in sorted(vols):
            if vol_id == _LAYOUT_VOL or vol_id > 0x7FFFE000:
                continue
            lebs = {n: leb for n, leb in vols[vol_id].items() if n < bound}
            if len(lebs) != len(vols[vol_id]):
                problems.append(f"volume {vol_id} claims impossible LEB numbers")
            if not lebs:
                continue
            first = next(iter(lebs.values()))
            leb_size = peb - (first.data_at - chunk.start) % peb
            raw_name = names.get(vol_id, b"")
            name = raw_name.decode("utf-8", "replace") if raw_name else ""
            if not name or "/" in name or name in (".", "..") or name in used:
                name = f"{name}_{vol_id}" if name and "/" not in name else f"volume_{vol_id}"
            used.add(name)
            head = lebs.get(0)
            is_ubifs = head is not None and blob[head.data_at : head.data_at + 4] == _UBIFS_MAGIC
            sink.file(f"{name}.ubifs" if is_ubifs else f"{name}.bin",
                      _volume(blob, lebs, leb_size))
            written += 1
        if (end - chunk.start) % peb:
            problems.append(f"image truncated inside its last erase block at 0x{end:x}")
        if not written:
            raise FormatError("ubi: no data volumes")
        if problems:
            raise FormatError("ubi: " + "; ".join(problems))
        return end if chunk.end is None else None
