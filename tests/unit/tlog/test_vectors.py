"""Official vectors: the 196 transparency-dev proof probes and the RFC 6962 reference tree."""

from __future__ import annotations

from pathlib import Path

import pytest

from spyless.tlog.interface import ConsistencyProof, InclusionProof, ProofError
from spyless.tlog.log import Log
from spyless.tlog.merkle import (
    EMPTY_ROOT,
    leaf_hash,
    node_hash,
    subtree_root,
    verify_consistency,
    verify_inclusion,
)
from tests.unit.tlog.vectors import MERKLE, VECTORS, b64, load, vector_files

INCLUSION = vector_files("inclusion")
CONSISTENCY = vector_files("consistency")


def _id(path: Path) -> str:
    return path.relative_to(MERKLE).as_posix()


def test_all_196_probes_are_present() -> None:
    if not MERKLE.is_dir():
        pytest.skip(f"shared vectors not present: {MERKLE}")
    assert len(INCLUSION) + len(CONSISTENCY) == 196


@pytest.mark.parametrize("path", INCLUSION, ids=_id)
def test_inclusion_probe(path: Path) -> None:
    probe = load(path)
    proof = InclusionProof(probe["leafIdx"], probe["treeSize"],
                           tuple(b64(h) for h in probe["proof"] or []))
    if probe["wantErr"]:
        with pytest.raises(ProofError):
            verify_inclusion(proof, b64(probe["leafHash"]), b64(probe["root"]))
    else:
        verify_inclusion(proof, b64(probe["leafHash"]), b64(probe["root"]))


@pytest.mark.parametrize("path", CONSISTENCY, ids=_id)
def test_consistency_probe(path: Path) -> None:
    probe = load(path)
    proof = ConsistencyProof(probe["size1"], probe["size2"],
                             tuple(b64(h) for h in probe["proof"] or []))
    # Equal sizes compare the roots byte for byte without hashing, as the reference does:
    # one accepted probe uses 12-byte "don't care" roots. Parsed checkpoints always carry
    # 32-byte roots, so nothing weaker reaches this function from spyless itself.
    if probe["wantErr"]:
        with pytest.raises(ProofError):
            verify_consistency(proof, b64(probe["root1"]), b64(probe["root2"]))
    else:
        verify_consistency(proof, b64(probe["root1"]), b64(probe["root2"]))


def _reference() -> tuple[list[bytes], dict[str, object]]:
    data = load(VECTORS / "rfc6962" / "reference-tree.json")
    return [bytes.fromhex(x) for x in data["leafInputs"]], data


def test_reference_tree_roots_and_node_hashes() -> None:
    leaves, data = _reference()
    hashes = [leaf_hash(x) for x in leaves]
    roots = data["rootHashes"]
    assert isinstance(roots, list)
    for size, want in enumerate(roots):
        assert subtree_root(hashes[:size]).hex() == want
    node_levels = data["nodeHashes"]
    assert isinstance(node_levels, list)
    for level, row in enumerate(node_levels):
        for index, want in enumerate(row):
            span = hashes[index << level:(index + 1) << level]
            assert subtree_root(span).hex() == want


def test_reference_tree_hash_vectors() -> None:
    _, data = _reference()
    vectors = data["hashVectors"]
    assert isinstance(vectors, list)
    for vector in vectors:
        if vector["op"] == "emptyRoot":
            got = EMPTY_ROOT
        elif vector["op"] == "leaf":
            got = leaf_hash(bytes.fromhex(vector["inputHex"]))
        else:
            got = node_hash(bytes.fromhex(vector["leftHex"]), bytes.fromhex(vector["rightHex"]))
        assert got.hex() == vector["want"], vector["desc"]


def test_log_reproduces_the_reference_tree(tmp_path: Path) -> None:
    leaves, data = _reference()
    roots = data["rootHashes"]
    assert isinstance(roots, list)
    with Log.create(tmp_path / "ref.db", "example.org/ref") as log:
        for size, leaf in enumerate(leaves, start=1):
            log.append([leaf])
            assert log.root_hash().hex() == roots[size]
        for size in range(1, 9):
            root = bytes.fromhex(roots[size])
            for index in range(size):
                verify_inclusion(log.inclusion_proof(index, size), leaf_hash(leaves[index]), root)
            for old in range(1, size + 1):
                verify_consistency(log.consistency_proof(old, size), bytes.fromhex(roots[old]),
                                   root)
