"""Pairing the files of two unpacked images by provenance, robust to moved chunks.

A file's *key* is its provenance chain without the top image name, with every chunk
offset replaced by the chunk's ordinal among the chunks of the same format carved from
the same parent file: ``fw.bin!squashfs@0x10000/bin/x`` and ``fw2.bin!squashfs@0x20000/bin/x``
both become ``!squashfs#0/bin/x``, so a rootfs that moved (a bigger kernel before it) still
pairs file by file, while two SquashFS images in one file stay apart.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from spyless.unpack.engine import UnpackResult
from spyless.unpack.interface import Artifact, EventKind

_LABEL = re.compile(r"!([A-Za-z0-9_.+-]+)@0x([0-9a-f]+)")
#: Event kinds that stand for a chunk whose contents were (at least partly) written.
_CHUNK_EVENTS = frozenset({EventKind.EXTRACTED, EventKind.PARTIAL, EventKind.LIMIT,
                           EventKind.ENCRYPTED})


@dataclass(frozen=True, slots=True)
class ChunkInfo:
    """A region of a file that a handler extracted; ``chain`` names it (``…!fmt@0x…``)."""

    chain: str
    format: str
    offset: int
    size: int | None
    complete: bool
    ordinal: int
    key: str


@dataclass(frozen=True, slots=True)
class Entry:
    key: str
    artifact: Artifact
    disk: Path | None  # where the file lies, None for what was not written
    chunks: tuple[ChunkInfo, ...] = ()  # carved from this file, by offset

    @property
    def is_file(self) -> bool:
        return self.artifact.sha256 is not None and self.disk is not None


@dataclass(slots=True)
class ImageIndex:
    """The artifacts of one unpacked image, by key, with the chunks of each container."""

    result: UnpackResult
    entries: dict[str, Entry]
    #: chunk key -> keys of the artifacts written directly by that chunk's handler
    members: dict[str, list[str]]

    @property
    def root(self) -> Entry:
        return self.entries[""]


def index_image(result: UnpackResult) -> ImageIndex:
    name = result.image.name
    chunks = _chunks(result)
    ordinals = _ordinals(result, chunks)
    by_parent: dict[str, list[ChunkInfo]] = defaultdict(list)
    for (parent, fmt, offset), (size, complete) in chunks.items():
        chain = f"{parent}!{fmt}@0x{offset:x}"
        by_parent[parent].append(ChunkInfo(chain, fmt, offset, size, complete,
                                           ordinals[(parent, fmt, offset)],
                                           chain_key(chain, name, ordinals)))
    entries: dict[str, Entry] = {}
    members: dict[str, list[str]] = defaultdict(list)
    for artifact in result.artifacts:
        key = chain_key(artifact.chain, name, ordinals)
        if artifact.path is not None:
            disk: Path | None = result.output / artifact.path
        elif artifact.chain == name:
            disk = Path(result.image.path)
        else:
            disk = None
        entries.setdefault(key, Entry(key, artifact, disk, tuple(sorted(
            by_parent.get(artifact.chain, ()), key=lambda c: c.offset))))
        head, bang, tail = artifact.chain.rpartition("!")
        if bang and "/" in tail:
            chunk = f"{head}!{tail.partition('/')[0]}"
            members[chain_key(chunk, name, ordinals)].append(key)
    return ImageIndex(result, entries, dict(members))


def chain_key(chain: str, image_name: str,
              ordinals: dict[tuple[str, str, int], int] | None = None) -> str:
    """The pairing key of ``chain`` (offsets become ordinals where the chunk is known).

    Without ``ordinals`` (a report read back, no unpacking), offsets are dropped: the key
    is then ``!squashfs/bin/x``, good enough to match facts of one image to another's.
    """
    rest = chain.removeprefix(image_name)
    out: list[str] = []
    cursor = 0
    for match in _LABEL.finditer(rest):
        fmt, offset = match.group(1), int(match.group(2), 16)
        parent = image_name + rest[:match.start()]
        out.append(rest[cursor:match.start()])
        if ordinals is None:
            out.append(f"!{fmt}")
        elif (parent, fmt, offset) in ordinals:
            out.append(f"!{fmt}#{ordinals[(parent, fmt, offset)]}")
        else:
            out.append(match.group(0))
        cursor = match.end()
    out.append(rest[cursor:])
    return "".join(out)


def _chunks(result: UnpackResult) -> dict[tuple[str, str, int], tuple[int | None, bool]]:
    """(parent chain, format, offset) -> (size, complete) of every extracted chunk."""
    found: dict[tuple[str, str, int], tuple[int | None, bool]] = {}
    for event in result.events:
        if event.kind in _CHUNK_EVENTS and event.format and event.offset is not None:
            found[(event.chain, event.format, event.offset)] = (
                event.size, event.kind is EventKind.EXTRACTED)
    for artifact in result.artifacts:  # chunks named by chains but missing an event
        for match in _LABEL.finditer(artifact.chain):
            where = (artifact.chain[:match.start()], match.group(1), int(match.group(2), 16))
            found.setdefault(where, (None, False))
    return found


def _ordinals(result: UnpackResult, chunks: dict[tuple[str, str, int], tuple[int | None, bool]]
              ) -> dict[tuple[str, str, int], int]:
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for parent, fmt, offset in chunks:
        groups[(parent, fmt)].append(offset)
    ordinals: dict[tuple[str, str, int], int] = {}
    for (parent, fmt), offsets in groups.items():
        for n, offset in enumerate(sorted(offsets)):
            ordinals[(parent, fmt, offset)] = n
    return ordinals


@dataclass(frozen=True, slots=True)
class Pairing:
    both: tuple[tuple[Entry, Entry], ...]
    only_a: tuple[Entry, ...]
    only_b: tuple[Entry, ...]


def pair_images(a: ImageIndex, b: ImageIndex) -> Pairing:
    keys_a, keys_b = set(a.entries), set(b.entries)
    return Pairing(
        tuple((a.entries[k], b.entries[k]) for k in sorted(keys_a & keys_b, key=_order)),
        tuple(a.entries[k] for k in sorted(keys_a - keys_b, key=_order)),
        tuple(b.entries[k] for k in sorted(keys_b - keys_a, key=_order)),
    )


def _order(key: str) -> tuple[int, str]:
    """Deepest first, so a container is judged after everything it holds."""
    return (-key.count("!"), key)
