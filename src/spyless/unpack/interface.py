"""Types of the unpack subsystem: handlers, chunks, artifacts, events and limits.

A *handler* knows one format. The engine finds candidate offsets by magic (carving), asks
the handler to ``parse`` the header there (cheap, no output), then to ``extract`` the chunk
through a :class:`~spyless.unpack.sandbox.Sink`, which is the only way a handler can
write anything. Handlers never touch the filesystem themselves.
"""

from __future__ import annotations

import enum
import mmap
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, TypeAlias

if TYPE_CHECKING:
    from spyless.unpack.sandbox import Sink

#: The bytes a handler reads: the whole file being carved, memory-mapped or in memory.
Blob: TypeAlias = bytes | mmap.mmap


class Category(enum.StrEnum):
    """What kind of container a handler opens."""

    COMPRESSION = "compression"
    ARCHIVE = "archive"
    FILESYSTEM = "filesystem"
    FIRMWARE = "firmware"
    ENCRYPTED = "encrypted"


@dataclass(frozen=True, slots=True)
class Magic:
    """A byte pattern that starts a candidate chunk.

    ``offset`` is where the pattern sits relative to the start of the chunk (for formats
    whose signature is not at byte 0, e.g. ISO 9660 at 0x8001, tar at 257).
    """

    pattern: bytes
    offset: int = 0


@dataclass(frozen=True, slots=True)
class Chunk:
    """A region of a blob that a handler recognised.

    ``end`` is None when the length is only known after extraction (a compressed stream
    without a length field); ``extract`` then returns the real end.
    """

    start: int
    end: int | None
    format: str
    info: dict[str, str] = field(default_factory=dict)

    @property
    def size(self) -> int | None:
        return None if self.end is None else self.end - self.start


class Handler(ABC):
    """One format. Subclasses set the class attributes and implement two methods."""

    #: Short unique name, used in provenance chains (``squashfs@0x120200``).
    name: ClassVar[str]
    category: ClassVar[Category]
    #: Patterns that start a chunk; at least one.
    magics: ClassVar[tuple[Magic, ...]]
    #: One sentence for ``spyless doctor`` and the docs.
    description: ClassVar[str] = ""
    #: Lower runs first when two handlers claim the same offset.
    priority: ClassVar[int] = 50

    @abstractmethod
    def parse(self, blob: Blob, start: int) -> Chunk | None:
        """Validate the header at ``start``; return the chunk, or None if this is not one.

        Must be cheap and must not raise for garbage: return None. May raise
        :class:`~spyless.errors.FormatError` for a real header with an impossible body, and
        :class:`~spyless.errors.EncryptedError` for a recognised but unreadable container.
        """

    @abstractmethod
    def extract(self, blob: Blob, chunk: Chunk, sink: Sink) -> int | None:
        """Write the chunk's contents through ``sink``; return the real end if it was unknown.

        Raise :class:`~spyless.errors.FormatError` when the data is corrupt; whatever was
        written before stays and is reported as partial.
        """


class ArtifactKind(enum.StrEnum):
    """What an extracted file is, coarsely; finer detail lives in :class:`FileType`."""

    ELF = "elf"
    SCRIPT = "script"
    TEXT = "text"
    KEY = "key"
    CERTIFICATE = "certificate"
    ARCHIVE = "archive"
    FILESYSTEM = "filesystem"
    COMPRESSED = "compressed"
    FIRMWARE = "firmware"
    DATA = "data"
    EMPTY = "empty"
    DIRECTORY = "directory"
    SYMLINK = "symlink"
    SPECIAL = "special"


@dataclass(frozen=True, slots=True)
class ElfInfo:
    """Header facts of an ELF file."""

    arch: str  # "mips", "arm", "aarch64", "x86", "x86_64", "powerpc", ...
    bits: int  # 32 or 64
    endianness: str  # "little" or "big"
    elf_type: str  # "executable", "shared", "relocatable", "core", "unknown"
    machine: int  # raw e_machine


@dataclass(frozen=True, slots=True)
class FileType:
    kind: ArtifactKind
    description: str
    elf: ElfInfo | None = None
    interpreter: str | None = None


@dataclass(frozen=True, slots=True)
class Artifact:
    """One thing found in the image, with where it came from.

    ``chain`` is the provenance: ``fw.bin!squashfs@0x120200/usr/sbin/httpd``; ``path`` is
    where it lies on disk, relative to the output folder (None for what is not written,
    such as device nodes and refused links).
    """

    chain: str
    path: str | None
    kind: ArtifactKind
    size: int
    sha256: str | None
    description: str
    mode: int | None = None
    uid: int | None = None
    gid: int | None = None
    link_target: str | None = None
    elf: ElfInfo | None = None
    interpreter: str | None = None
    depth: int = 0


class EventKind(enum.StrEnum):
    FOUND = "found"
    EXTRACTED = "extracted"
    PARTIAL = "partial"
    FAILED = "failed"
    REFUSED = "refused"
    LIMIT = "limit"
    ENCRYPTED = "encrypted"
    UNKNOWN = "unknown"
    PADDING = "padding"


@dataclass(frozen=True, slots=True)
class ExtractionEvent:
    """Something that happened while unpacking, for the manifest and the findings.

    ``chain`` names the file or chunk it concerns; offset and size are within that file.
    """

    kind: EventKind
    chain: str
    message: str
    format: str | None = None
    offset: int | None = None
    size: int | None = None
    entropy: float | None = None


@dataclass(frozen=True, slots=True)
class Limits:
    """Budgets for one image; every hit is reported as a ``limit`` event.

    ``max_ratio`` bounds total bytes written against the input size; ``max_total_bytes``
    is the absolute bound; the effective bound is the smaller of the two.
    """

    max_total_bytes: int = 8 * 1024**3
    max_ratio: float = 250.0
    max_file_size: int = 2 * 1024**3
    max_files: int = 500_000
    max_depth: int = 12
    handler_seconds: float = 120.0
    image_seconds: float = 900.0
    tool_seconds: float = 60.0
