"""The log: appends, roots and proofs from stored tiles, checkpoints, tiles export, bundles."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from spyless.tlog.bundle import (
    bundle_from_json,
    bundle_from_tlog_proof,
    bundle_to_json,
    bundle_to_tlog_proof,
    make_bundle,
    verify_bundle,
)
from spyless.tlog.checkpoint import open_checkpoint
from spyless.tlog.cosignature import CosignatureSigner, cosign
from spyless.tlog.interface import (
    MAX_ENTRY_SIZE,
    BundleError,
    EntryError,
    ProofError,
    StorageError,
)
from spyless.tlog.log import Log
from spyless.tlog.merkle import leaf_hash, subtree_root, verify_consistency, verify_inclusion
from spyless.tlog.note import Ed25519NoteSigner, parse_note
from spyless.tlog.sequencer import Sequencer
from spyless.tlog.tiles import (
    TileRef,
    decode_entry_bundle,
    parse_tile_path,
    read_resource,
    tile_count,
    write_tiles,
)

ORIGIN = "example.org/test-log"
LOG_KEY = Ed25519NoteSigner(ORIGIN, b"\x05" * 32)


def _entries(n: int, start: int = 0) -> list[bytes]:
    return [b"entry %d" % i for i in range(start, start + n)]


@pytest.fixture
def log(tmp_path: Path) -> Log:
    return Log.create(tmp_path / "log.db", ORIGIN)


def test_batched_appends_match_an_in_memory_tree(log: Log) -> None:
    entries = _entries(1300)
    position = 0
    for batch in (1, 254, 1, 300, 0, 1, 743):
        assert log.append(entries[position:position + batch]) == list(
            range(position, position + batch))
        position += batch
    hashes = [leaf_hash(e) for e in entries]
    assert log.size() == 1300
    for size in (1, 255, 256, 257, 512, 1299, 1300):
        root = subtree_root(hashes[:size])
        assert log.root_hash(size) == root
        for index in (0, size // 2, size - 1):
            verify_inclusion(log.inclusion_proof(index, size), hashes[index], root)
        for old in (1, 256, size - 1):
            if 1 <= old <= size:
                verify_consistency(log.consistency_proof(old, size),
                                   subtree_root(hashes[:old]), root)
    assert log.entry(700) == b"entry 700"
    assert log.leaf_hash(700) == hashes[700]


def test_refused_entries_and_bad_requests(log: Log, tmp_path: Path) -> None:
    with pytest.raises(EntryError, match="at most 65535"):
        log.append([b"ok", b"x" * (MAX_ENTRY_SIZE + 1)])
    assert log.size() == 0  # nothing of a refused batch is appended
    log.append([b"x" * MAX_ENTRY_SIZE])
    with pytest.raises(ProofError):
        log.inclusion_proof(1)
    with pytest.raises(ProofError):
        log.root_hash(2)
    with pytest.raises(EntryError):
        log.entry(5)
    with pytest.raises(StorageError, match="log init"):
        Log.open(tmp_path / "missing.db")
    with pytest.raises(StorageError, match="already holds"):
        Log.create(tmp_path / "log.db", "other.org/log")


def test_validator_refuses_entries(tmp_path: Path) -> None:
    def only_json(entry: bytes) -> None:
        if not entry.startswith(b"{"):
            raise EntryError("not JSON")

    with Log.create(tmp_path / "v.db", ORIGIN, only_json) as log:
        with pytest.raises(EntryError, match="entry 1: not JSON"):
            log.append([b"{}", b"nope"])
        assert log.append([b"{}"]) == [0]


def test_checkpoints_are_signed_stored_and_merge_cosignatures(log: Log) -> None:
    log.append(_entries(10))
    note = log.checkpoint([LOG_KEY])
    checkpoint, _ = open_checkpoint(note.render(), [LOG_KEY.verifier()])
    assert (checkpoint.origin, checkpoint.size) == (ORIGIN, 10)
    assert checkpoint.root_hash == log.root_hash(10)
    witness = CosignatureSigner("w.example", b"\x09" * 32)
    merged = log.add_signatures(cosign(note, witness).render())
    assert log.latest_checkpoint() == merged
    assert len(parse_note(merged).signatures) == 2
    log.append(_entries(1))
    with pytest.raises(StorageError, match="not the checkpoint"):
        log.add_signatures(note.render().replace("=\n\n", "=\nextension\n\n"))
    assert len(log.checkpoints()) == 1


def test_tile_paths_follow_the_spec() -> None:
    assert TileRef(0, 1234067).path() == "tile/0/x001/x234/067"
    assert TileRef(2, 0, 1).path() == "tile/2/000.p/1"
    assert TileRef(None, 5, 112).path() == "tile/entries/005.p/112"
    for ref in (TileRef(0, 1234067), TileRef(3, 999, 17), TileRef(None, 1000)):
        assert parse_tile_path(ref.path()) == ref
    for bad in ("tile/0/1", "tile/0/x000/001", "tile/00/001", "tile/64/001", "tile/0/001.p/0",
                "tile/0/001.p/256", "tile/0/001.p/07", "tile/x/001", "checkpoint",
                "tile/0/001/002"):
        assert parse_tile_path(bad) is None, bad
    # The spec's example: a tree of 70,000 leaves.
    assert tile_count(70000, 0) == (273, 112)
    assert tile_count(70000, 1) == (1, 17)
    assert tile_count(70000, 2) == (0, 1)


def test_tiles_served_and_written_recompute_the_tree(log: Log, tmp_path: Path) -> None:
    entries = _entries(70000 // 100)  # 700: two full level-0 tiles and a partial one
    log.append(entries)
    assert read_resource(log, TileRef(0, 0)) == b"".join(leaf_hash(e) for e in entries[:256])
    assert read_resource(log, TileRef(0, 2)) is None  # partial: only .p/188 exists
    assert read_resource(log, TileRef(0, 2, 188)) is not None
    assert read_resource(log, TileRef(0, 2, 189)) is None
    assert read_resource(log, TileRef(1, 0, 2)) == (subtree_root([leaf_hash(e) for e in entries[:256]])
                                                   + subtree_root([leaf_hash(e) for e in entries[256:512]]))
    bundle = read_resource(log, TileRef(None, 1))
    assert bundle is not None
    assert decode_entry_bundle(bundle) == entries[256:512]
    with pytest.raises(StorageError, match="checkpoint"):
        write_tiles(log, tmp_path / "static")
    log.checkpoint([LOG_KEY])
    assert write_tiles(log, tmp_path / "static") == 8
    files = sorted(p.relative_to(tmp_path / "static").as_posix()
                   for p in (tmp_path / "static").rglob("*") if p.is_file())
    assert files == ["checkpoint", "tile/0/000", "tile/0/001", "tile/0/002.p/188",
                     "tile/1/000.p/2", "tile/entries/000", "tile/entries/001",
                     "tile/entries/002.p/188"]
    level0 = b"".join((tmp_path / "static" / f).read_bytes()
                      for f in ("tile/0/000", "tile/0/001", "tile/0/002.p/188"))
    hashes = [level0[i:i + 32] for i in range(0, len(level0), 32)]
    assert subtree_root(hashes) == log.root_hash()
    log.append(_entries(10, 700))
    log.checkpoint([LOG_KEY])
    # Full tiles are not rewritten: only the three partial ones and the checkpoint.
    assert write_tiles(log, tmp_path / "static") == 4


def test_bundle_round_trips_and_verifies_offline(log: Log) -> None:
    log.append(_entries(300))
    witness = CosignatureSigner("w.example", b"\x09" * 32)
    log.add_signatures(cosign(log.checkpoint([LOG_KEY]), witness).render())
    bundle = make_bundle(log, 257)
    for copy in (bundle_from_json(bundle_to_json(bundle)),
                 bundle_from_tlog_proof(bundle_to_tlog_proof(bundle))):
        assert copy == bundle
        proved = verify_bundle(copy, [LOG_KEY.verifier()], [witness.verifier()], 1)
        assert (proved.index, proved.witnesses) == (257, ("w.example",))
    with pytest.raises(BundleError, match="quorum"):
        verify_bundle(bundle, [LOG_KEY.verifier()], [witness.verifier()], 2)
    with pytest.raises(BundleError, match="leaf hash"):
        verify_bundle(bundle, [LOG_KEY.verifier()], entry=b"entry 256")
    wrong_index = bundle_from_json(bundle_to_json(bundle).replace('"index": 257', '"index": 256'))
    with pytest.raises(BundleError, match="inclusion proof"):
        verify_bundle(wrong_index, [LOG_KEY.verifier()])
    with pytest.raises(BundleError, match="not signed by any trusted key"):
        verify_bundle(bundle, [Ed25519NoteSigner(ORIGIN, b"\x06" * 32).verifier()])
    with pytest.raises(BundleError, match="not covered"):
        make_bundle(log, 300)
    with pytest.raises(BundleError):
        bundle_from_json('{"format": "https://spyless.dev/tlog-proof/v1", "index": -1}')
    with pytest.raises(BundleError):
        bundle_from_json("[]")


def test_concurrent_appends_from_threads_and_the_sequencer(log: Log) -> None:
    results: list[int] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        for i in range(20):
            indexes = log.append([b"t%d-%d" % (n, i)])
            with lock:
                results.extend(indexes)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == list(range(80))
    sequencer = Sequencer(log, max_wait=0.01)
    got: list[int] = []
    threads = [threading.Thread(target=lambda n=n: got.append(sequencer.submit(b"s%d" % n)))
               for n in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sequencer.close()
    assert sorted(got) == list(range(80, 130))
    with pytest.raises(EntryError):
        Sequencer(log).submit(b"x" * (MAX_ENTRY_SIZE + 1))
    hashes = [leaf_hash(e) for e in log.entries(0, 130)]
    assert log.root_hash() == subtree_root(hashes)
