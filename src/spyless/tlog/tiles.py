"""C2SP tlog-tiles: resource paths, tile and entry-bundle contents, and a static export.

Paths are ``tile/<L>/<N>[.p/<W>]`` and ``tile/entries/<N>[.p/<W>]`` with ``<N>`` split into
zero-padded 3-digit elements, all but the last prefixed with ``x`` ("Merkle Tree"). Entry
bundles are big-endian uint16 length-prefixed entries ("Log entries"). :func:`read_resource`
is what an HTTP server answers a GET with; :func:`write_tiles` writes the same resources as
static files a CDN could serve, checkpoint last so it never points at missing tiles.
"""

from __future__ import annotations

import os
import re
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

from spyless.tlog.checkpoint import read_checkpoint_note
from spyless.tlog.interface import HASH_SIZE, TILE_HEIGHT, TILE_WIDTH, StorageError
from spyless.tlog.log import Log

_INDEX_ELEMENT = re.compile(r"x\d{3}")
_MAX_LEVEL = 63


@dataclass(frozen=True, slots=True)
class TileRef:
    """One tile resource; ``level`` is None for an entry bundle, ``width`` None when full."""

    level: int | None
    index: int
    width: int | None = None

    def path(self) -> str:
        elements = []
        n = self.index
        while True:
            n, rest = divmod(n, 1000)
            elements.append(f"{rest:03d}")
            if n == 0:
                break
        elements.reverse()
        encoded = "/".join([*(f"x{e}" for e in elements[:-1]), elements[-1]])
        level = "entries" if self.level is None else str(self.level)
        suffix = "" if self.width is None else f".p/{self.width}"
        return f"tile/{level}/{encoded}{suffix}"


def parse_tile_path(path: str) -> TileRef | None:
    """The tile a request path names (``tile/...`` relative to the prefix), or None."""
    parts = path.strip("/").split("/")
    if len(parts) < 3 or parts[0] != "tile":
        return None
    level_text, rest = parts[1], parts[2:]
    width: int | None = None
    if len(rest) >= 2 and rest[-2].endswith(".p"):
        width_text = rest[-1]
        if not width_text.isdigit() or width_text.startswith("0") or not 1 <= int(
                width_text) <= TILE_WIDTH - 1:
            return None
        width = int(width_text)
        rest = [*rest[:-2], rest[-2][:-2]]
    if not rest or not re.fullmatch(r"\d{3}", rest[-1]) or not all(
            _INDEX_ELEMENT.fullmatch(e) for e in rest[:-1]):
        return None
    if len(rest) > 1 and rest[0] == "x000":
        return None  # the encoding of an index is unique: no leading zero elements
    index = int("".join([*(e[1:] for e in rest[:-1]), rest[-1]]))
    if level_text == "entries":
        return TileRef(None, index, width)
    if not level_text.isdigit() or (level_text != "0" and level_text.startswith("0")) or int(
            level_text) > _MAX_LEVEL:
        return None
    return TileRef(int(level_text), index, width)


def tile_count(size: int, level: int) -> tuple[int, int]:
    """(full tiles, width of the partial tile or 0) at ``level`` for a tree of ``size``."""
    hashes = size >> (TILE_HEIGHT * level)
    return divmod(hashes, TILE_WIDTH)


def encode_entry_bundle(entries: list[bytes]) -> bytes:
    parts = []
    for entry in entries:
        if len(entry) > 0xFFFF:
            raise StorageError("an entry longer than 65535 bytes cannot go in an entry bundle")
        parts.append(struct.pack(">H", len(entry)) + entry)
    return b"".join(parts)


def decode_entry_bundle(data: bytes) -> list[bytes]:
    entries, position = [], 0
    while position < len(data):
        if position + 2 > len(data):
            raise StorageError("entry bundle is truncated")
        (length,) = struct.unpack_from(">H", data, position)
        position += 2
        if position + length > len(data):
            raise StorageError("entry bundle is truncated")
        entries.append(data[position:position + length])
        position += length
    return entries


def read_resource(log: Log, ref: TileRef) -> bytes | None:
    """The bytes of a tile or entry bundle, or None when the log cannot serve it (404)."""
    width = TILE_WIDTH if ref.width is None else ref.width
    if ref.level is None:
        start = ref.index * TILE_WIDTH
        if start + width > log.size():
            return None
        return encode_entry_bundle(log.entries(start, start + width))
    stored = log.tile(ref.level, ref.index)
    if len(stored) < width * HASH_SIZE:
        return None
    return stored[:width * HASH_SIZE]


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_tiles(log: Log, directory: Path) -> int:
    """Export the latest signed checkpoint and every tile it needs as static files.

    Full tiles and bundles already present are kept (they are immutable); partial ones are
    rewritten. Returns the number of files written.
    """
    note = log.latest_checkpoint()
    if note is None:
        raise StorageError("the log has no signed checkpoint yet: run 'spyless log checkpoint'")
    size = read_checkpoint_note(note)[0].size
    written = 0
    refs: list[TileRef] = []
    level = 0
    while size >> (TILE_HEIGHT * level):
        full, partial = tile_count(size, level)
        refs += [TileRef(level, i) for i in range(full)]
        if partial:
            refs.append(TileRef(level, full, partial))
        level += 1
    full, partial = tile_count(size, 0)
    refs += [TileRef(None, i) for i in range(full)]
    if partial:
        refs.append(TileRef(None, full, partial))
    for ref in refs:
        target = directory / ref.path()
        if ref.width is None and target.exists():
            continue
        data = read_resource(log, ref)
        if data is None:
            raise StorageError(f"{ref.path()} is missing from the log's storage")
        _write_atomic(target, data)
        written += 1
    _write_atomic(directory / "checkpoint", note.encode("utf-8"))
    return written + 1
