"""The transparency log's vocabulary: errors, limits and frozen value types.

Everything the log, its proofs, its signed notes and its witnesses exchange is defined
here so the storage backends, the HTTP server and the offline verifier share one shape.
"""

from __future__ import annotations

from dataclasses import dataclass

from spyless.errors import Error

#: SHA-256, the only hash RFC 9162 logs and C2SP tiles use here.
HASH_SIZE = 32

#: Largest entry accepted: C2SP tlog-tiles entry bundles prefix each entry with a big-endian
#: uint16 length, so 64 KiB minus one byte is the most a bundle can carry.
MAX_ENTRY_SIZE = 0xFFFF

#: C2SP tlog-tiles: full tiles are 256 hashes wide (tree height 8).
TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT


class TlogError(Error):
    """Root of every transparency-log error."""


class ProofError(TlogError):
    """An inclusion or consistency proof is malformed or does not verify."""


class NoteError(TlogError):
    """A signed note, key line or checkpoint is malformed or its signatures do not verify."""


class StorageError(TlogError):
    """The log's database cannot be opened, read or written."""


class EntryError(TlogError):
    """An entry was refused (too large, empty, or not of the expected form)."""


class BundleError(TlogError):
    """An offline proof bundle is malformed or does not prove what it claims."""


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The note text of a C2SP tlog-checkpoint: origin, tree size, root hash, extensions."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class InclusionProof:
    """RFC 9162 §2.1.3: the audit path from leaf ``index`` to the root of a tree of ``size``."""

    index: int
    size: int
    hashes: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class ConsistencyProof:
    """RFC 9162 §2.1.4: the proof that the tree of ``old_size`` is a prefix of ``new_size``."""

    old_size: int
    new_size: int
    hashes: tuple[bytes, ...]
