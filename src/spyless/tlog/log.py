"""The log: batched appends, roots, inclusion and consistency proofs, signed checkpoints.

``Log`` is the one object the CLI, ``spyless log serve`` and the witness tooling use. It
keeps the RFC 9162 tree as C2SP tiles in its :class:`~spyless.tlog.store.Store`, so any
perfect subtree hash is at most 127 SHA-256 computations away from one stored tile, and
proofs for any entry of any past tree size come from the same tiles (tiles only grow, and
a perfect subtree never changes once complete). Full tiles are immutable and cached.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path

from spyless.tlog.checkpoint import parse_checkpoint, read_checkpoint_note, sign_checkpoint
from spyless.tlog.interface import (
    HASH_SIZE,
    MAX_ENTRY_SIZE,
    TILE_HEIGHT,
    TILE_WIDTH,
    Checkpoint,
    ConsistencyProof,
    EntryError,
    InclusionProof,
    ProofError,
    StorageError,
)
from spyless.tlog.merkle import (
    consistency_path,
    inclusion_path,
    leaf_hash,
    range_hash,
    subtree_root,
)
from spyless.tlog.note import Note, NoteSigner, parse_note
from spyless.tlog.store import Store, Transaction, open_store

#: Called on every entry before it is appended; raises EntryError to refuse it.
EntryValidator = Callable[[bytes], None]

_FULL_TILE_BYTES = TILE_WIDTH * HASH_SIZE


def _split(tile: bytes) -> list[bytes]:
    return [tile[i:i + HASH_SIZE] for i in range(0, len(tile), HASH_SIZE)]


class Log:
    """A transparency log stored in SQLite (a path) or PostgreSQL (a ``postgresql://`` URL)."""

    def __init__(self, store: Store, validator: EntryValidator | None = None,
                 cache_tiles: int = 2048) -> None:
        self._store = store
        self._validator = validator
        self._cache: OrderedDict[tuple[int, int], bytes] = OrderedDict()
        self._cache_size = cache_tiles
        self._cache_lock = threading.Lock()
        with store.read() as tx:
            self.origin = tx.origin()

    @classmethod
    def create(cls, location: str | Path, origin: str,
               validator: EntryValidator | None = None) -> Log:
        """Create the log (or reopen it if it already exists with the same origin)."""
        if not origin or any(c.isspace() for c in origin) or "+" in origin:
            raise StorageError(f"invalid log origin {origin!r}: no spaces or '+' allowed")
        store = open_store(location)
        store.initialise(origin)
        return cls(store, validator)

    @classmethod
    def open(cls, location: str | Path, validator: EntryValidator | None = None) -> Log:
        """Open an existing log."""
        if isinstance(location, Path) and not location.exists():
            raise StorageError(f"no log at {location} (create it with 'spyless log init')")
        return cls(open_store(location), validator)

    def close(self) -> None:
        self._store.close()

    def __enter__(self) -> Log:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing -----------------------------------------------------------------------

    def append(self, entries: Sequence[bytes]) -> list[int]:
        """Append entries in one transaction; return their indexes once durably committed."""
        batch = [bytes(e) for e in entries]
        for position, entry in enumerate(batch):
            try:
                self.check_entry(entry)
            except EntryError as e:
                raise EntryError(f"entry {position}: {e}") from e
        if not batch:
            return []
        hashes = [leaf_hash(e) for e in batch]
        with self._store.write() as tx:
            start = tx.size()
            tx.put_entries(start, batch)
            self._extend_tiles(tx, start, hashes)
            tx.set_size(start + len(batch))
        return list(range(start, start + len(batch)))

    def check_entry(self, entry: bytes) -> None:
        """Raise :class:`EntryError` if ``entry`` would be refused by :meth:`append`."""
        if len(entry) > MAX_ENTRY_SIZE:
            raise EntryError(f"{len(entry)} bytes; the log accepts at most {MAX_ENTRY_SIZE}")
        if self._validator is not None:
            self._validator(entry)

    def _extend_tiles(self, tx: Transaction, old_size: int, leaves: list[bytes]) -> None:
        level, count, hashes = 0, old_size, leaves
        while hashes:
            index, offset = divmod(count, TILE_WIDTH)
            current = bytearray(tx.tile(level, index) if offset else b"")
            if len(current) != offset * HASH_SIZE:
                raise StorageError(f"tile {level}/{index} holds {len(current) // HASH_SIZE} "
                                   f"hashes where {offset} were expected: storage is corrupt")
            promoted: list[bytes] = []
            for h in hashes:
                current += h
                if len(current) == _FULL_TILE_BYTES:
                    tx.put_tile(level, index, bytes(current))
                    promoted.append(subtree_root(_split(bytes(current))))
                    index, current = index + 1, bytearray()
            if current:
                tx.put_tile(level, index, bytes(current))
            level += 1
            count = old_size >> (TILE_HEIGHT * level)
            hashes = promoted

    def checkpoint(self, signers: Sequence[NoteSigner], size: int | None = None) -> Note:
        """Sign and store the checkpoint for the current (or a past) tree size."""
        tree_size = self.size() if size is None else size
        checkpoint = Checkpoint(self.origin, tree_size, self.root_hash(tree_size))
        note = sign_checkpoint(checkpoint, signers)
        with self._store.write() as tx:
            tx.put_checkpoint(tree_size, note.render())
        return note

    def add_signatures(self, note_text: str) -> str:
        """Merge the signature lines (e.g. witness cosignatures) of a copy of a stored
        checkpoint into the stored one; return the merged note. Nothing is verified here:
        verifiers check every signature they trust."""
        incoming = parse_note(note_text)
        size = parse_checkpoint(incoming.text).size
        with self._store.write() as tx:
            row = tx.one("SELECT note FROM tlog_checkpoints WHERE size = ?", (size,))
            if row is None:
                raise StorageError(f"the log never signed a checkpoint of size {size}")
            stored = parse_note(str(row[0]))
            if stored.text != incoming.text:
                raise StorageError(f"that is not the checkpoint this log signed at size {size}")
            known = {(s.name, s.key_id) for s in stored.signatures}
            extra = tuple(s for s in incoming.signatures if (s.name, s.key_id) not in known)
            merged = Note(stored.text, stored.signatures + extra).render()
            tx.put_checkpoint(size, merged)
        return merged

    # -- reading -----------------------------------------------------------------------

    def size(self) -> int:
        with self._store.read() as tx:
            return tx.size()

    def entry(self, index: int) -> bytes:
        return self.entries(index, index + 1)[0]

    def entries(self, start: int, end: int) -> list[bytes]:
        size = self.size()
        if not 0 <= start < end <= size:
            raise EntryError(f"entries {start}..{end - 1} are not in the log of size {size}")
        with self._store.read() as tx:
            found = tx.entries(start, end)
        if len(found) != end - start:
            raise StorageError(f"entries {start}..{end - 1} are missing: storage is corrupt")
        return found

    def latest_checkpoint(self) -> str | None:
        """The signed checkpoint note of the largest size signed so far."""
        with self._store.read() as tx:
            row = tx.one("SELECT note FROM tlog_checkpoints ORDER BY size DESC LIMIT 1")
        return None if row is None else str(row[0])

    def checkpoints(self) -> list[str]:
        """Every stored signed checkpoint, smallest size first."""
        with self._store.read() as tx:
            return [str(r[0]) for r in tx.all("SELECT note FROM tlog_checkpoints ORDER BY size")]

    def stored_checkpoint(self, size: int) -> Checkpoint | None:
        with self._store.read() as tx:
            row = tx.one("SELECT note FROM tlog_checkpoints WHERE size = ?", (size,))
        return None if row is None else read_checkpoint_note(str(row[0]))[0]

    def tile(self, level: int, index: int) -> bytes:
        """The stored hashes of tile ``level/index`` (full, partial, or empty if absent)."""
        key = (level, index)
        with self._cache_lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
        with self._store.read() as tx:
            data = tx.tile(level, index)
        if len(data) == _FULL_TILE_BYTES:
            with self._cache_lock:
                self._cache[key] = data
                if len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return data

    def node_reader(self, size: int) -> Callable[[int, int], bytes]:
        """A NodeReader over the stored tiles, for perfect subtrees inside ``size``."""
        local: dict[tuple[int, int], bytes] = {}

        def node(level: int, index: int) -> bytes:
            if (index + 1) << level > size:
                raise ProofError(f"node {level}/{index} is not complete at size {size}")
            tile_level, sublevel = divmod(level, TILE_HEIGHT)
            first = index << sublevel
            tile_index, offset = divmod(first, TILE_WIDTH)
            key = (tile_level, tile_index)
            tile = local.get(key)
            if tile is None:
                tile = local[key] = self.tile(tile_level, tile_index)
            chunk = tile[offset * HASH_SIZE:(offset + (1 << sublevel)) * HASH_SIZE]
            if len(chunk) != (1 << sublevel) * HASH_SIZE:
                raise StorageError(f"tile {tile_level}/{tile_index} is shorter than the "
                                   f"tree size {size} needs: storage is corrupt")
            return chunk if sublevel == 0 else subtree_root(_split(chunk))

        return node

    def _checked_size(self, size: int | None) -> int:
        current = self.size()
        if size is None:
            return current
        if not 0 <= size <= current:
            raise ProofError(f"tree size {size} is beyond the log's size {current}")
        return size

    def root_hash(self, size: int | None = None) -> bytes:
        tree_size = self._checked_size(size)
        return range_hash(0, tree_size, self.node_reader(tree_size))

    def inclusion_proof(self, index: int, size: int | None = None) -> InclusionProof:
        tree_size = self._checked_size(size)
        path = inclusion_path(index, tree_size, self.node_reader(tree_size))
        return InclusionProof(index, tree_size, path)

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> ConsistencyProof:
        tree_size = self._checked_size(new_size)
        path = consistency_path(old_size, tree_size, self.node_reader(tree_size))
        return ConsistencyProof(old_size, tree_size, path)

    def leaf_hash(self, index: int) -> bytes:
        tile = self.tile(0, index // TILE_WIDTH)
        offset = index % TILE_WIDTH * HASH_SIZE
        found = tile[offset:offset + HASH_SIZE]
        if index >= self.size() or len(found) != HASH_SIZE:
            raise EntryError(f"no entry {index} in the log")
        return found
