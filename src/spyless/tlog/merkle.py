"""RFC 9162 Merkle tree hashing, proof construction and proof verification (pure functions).

Hashing is §2.1.1 (leaf = SHA-256(0x00 || entry), node = SHA-256(0x01 || left || right),
empty tree = SHA-256()). Proofs are built from a ``NodeReader`` that returns the hash of a
*perfect* subtree (2**level leaves starting at index * 2**level), which is what tiles store;
anything else is folded from perfect subtrees exactly as MTH splits a range.
Verification is §2.1.3.2 (inclusion) and §2.1.4.2 (consistency), with the edge cases the
transparency-dev test vectors pin down: no consistency proof from size 0, equal sizes need
an empty proof and equal roots.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

from spyless.tlog.interface import HASH_SIZE, ConsistencyProof, InclusionProof, ProofError

#: (level, index) -> hash of leaves [index * 2**level, (index + 1) * 2**level).
NodeReader = Callable[[int, int], bytes]

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(entry: bytes) -> bytes:
    """RFC 9162 §2.1.1: MTH({d}) = HASH(0x00 || d)."""
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 §2.1.1: HASH(0x01 || MTH(D[0:k]) || MTH(D[k:n]))."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _largest_power_of_two_below(n: int) -> int:
    """The k of RFC 9162 §2.1.1: the largest power of two smaller than ``n`` (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def range_hash(start: int, end: int, node: NodeReader) -> bytes:
    """MTH(D[start:end]) for a range that is a node of some tree (``start`` aligned).

    The range splits into perfect subtrees by the binary digits of its length, largest
    first; MTH combines them right to left.
    """
    if end <= start:
        return EMPTY_ROOT
    chunks: list[bytes] = []
    position = start
    remaining = end - start
    for level in range(remaining.bit_length() - 1, -1, -1):
        if remaining >> level & 1:
            chunks.append(node(level, position >> level))
            position += 1 << level
    result = chunks[-1]
    for chunk in reversed(chunks[:-1]):
        result = node_hash(chunk, result)
    return result


def subtree_root(hashes: Sequence[bytes]) -> bytes:
    """MTH of a list of leaf (or lower-level node) hashes held in memory."""
    if not hashes:
        return EMPTY_ROOT
    level = list(hashes)
    while len(level) > 1:
        paired = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def inclusion_path(index: int, size: int, node: NodeReader) -> tuple[bytes, ...]:
    """RFC 9162 §2.1.3.1 PATH(m, D[0:n]), from the leaf's sibling up to the root's child."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is not in a tree of size {size}")
    path: list[bytes] = []
    lo, hi, m = 0, size, index
    splits: list[tuple[int, int, int, int]] = []
    while hi - lo > 1:
        k = _largest_power_of_two_below(hi - lo)
        splits.append((lo, hi, k, m))
        if m < k:
            hi = lo + k
        else:
            lo, m = lo + k, m - k
    for lo, hi, k, m in reversed(splits):
        path.append(range_hash(lo + k, hi, node) if m < k else range_hash(lo, lo + k, node))
    return tuple(path)


def consistency_path(old_size: int, new_size: int, node: NodeReader) -> tuple[bytes, ...]:
    """RFC 9162 §2.1.4.1 PROOF(m, D[0:n]) = SUBPROOF(m, D[0:n], true)."""
    if not 0 < old_size <= new_size:
        raise ProofError(f"no consistency proof from size {old_size} to size {new_size}")
    proof: list[bytes] = []
    lo, hi, m, complete = 0, new_size, old_size, True
    while m != hi - lo:
        k = _largest_power_of_two_below(hi - lo)
        if m <= k:
            proof.append(range_hash(lo + k, hi, node))
            hi = lo + k
        else:
            proof.append(range_hash(lo, lo + k, node))
            lo, m, complete = lo + k, m - k, False
    if not complete:
        proof.append(range_hash(lo, hi, node))
    return tuple(reversed(proof))


def _check_hash(value: bytes, what: str) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(f"{what} is {len(value)} bytes, not a {HASH_SIZE}-byte SHA-256 hash")


def root_from_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes]) -> bytes:
    """RFC 9162 §2.1.3.2 steps 1-5: the root that ``path`` implies for ``leaf``."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is not in a tree of size {size}")
    _check_hash(leaf, "leaf hash")
    fn, sn, r = index, size - 1, leaf
    for position, p in enumerate(path):
        _check_hash(p, f"inclusion proof hash {position}")
        if sn == 0:
            raise ProofError(f"inclusion proof has {len(path)} hashes, too many for "
                             f"index {index} in a tree of size {size}")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError(f"inclusion proof has {len(path)} hashes, too few for "
                         f"index {index} in a tree of size {size}")
    return r


def verify_inclusion(proof: InclusionProof, leaf: bytes, root: bytes) -> None:
    """RFC 9162 §2.1.3.2: raise :class:`ProofError` unless ``leaf`` is in the tree ``root``."""
    _check_hash(root, "root hash")
    if root_from_inclusion(proof.index, proof.size, leaf, proof.hashes) != root:
        raise ProofError(f"inclusion proof for index {proof.index} does not lead to the "
                         f"root hash of the tree of size {proof.size}")


def verify_consistency(proof: ConsistencyProof, old_root: bytes, new_root: bytes) -> None:
    """RFC 9162 §2.1.4.2: raise :class:`ProofError` unless ``old_root`` is a prefix of new."""
    m, n, path = proof.old_size, proof.new_size, proof.hashes
    if m <= 0:
        # The empty tree is trivially a prefix; a "proof" from it proves nothing, so it is
        # refused here (as the transparency-dev vectors require) and callers special-case 0.
        raise ProofError(f"no consistency proof can start at tree size {m}")
    if m > n:
        raise ProofError(f"old tree size {m} is larger than new tree size {n}")
    if m == n:
        if path:
            raise ProofError("trees of equal size need an empty consistency proof")
        if old_root != new_root:
            raise ProofError(f"two different root hashes for the same tree size {m}")
        return
    _check_hash(old_root, "old root hash")
    _check_hash(new_root, "new root hash")
    if not path:
        raise ProofError(f"empty consistency proof from size {m} to size {n}")
    for position, p in enumerate(path):
        _check_hash(p, f"consistency proof hash {position}")
    hashes = list(path)
    if m & (m - 1) == 0:
        hashes.insert(0, old_root)
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = hashes[0]
    for c in hashes[1:]:
        if sn == 0:
            raise ProofError(f"consistency proof from {m} to {n} has too many hashes")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError(f"consistency proof from {m} to {n} has too few hashes")
    if fr != old_root:
        raise ProofError(f"consistency proof does not lead to the old root (size {m})")
    if sr != new_root:
        raise ProofError(f"consistency proof does not lead to the new root (size {n})")
