"""Property tests: proofs for random trees verify; every tampering fails with ProofError.

A tree size on its own is not bound by a proof: a path for index 0 of a 3-leaf tree also
"verifies" against the 3-leaf root if one claims size 4, because both shapes hash the same
way. The (size, root) pair is what a signed checkpoint binds, so a wrong size is tested
together with the root of that size, and alone wherever it changes the proof's length.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from spyless.tlog.interface import ConsistencyProof, InclusionProof, ProofError
from spyless.tlog.merkle import (
    consistency_path,
    inclusion_path,
    subtree_root,
    verify_consistency,
    verify_inclusion,
)


def _leaves(size: int) -> list[bytes]:
    return [hashlib.sha256(b"leaf %d" % i).digest() for i in range(size)]


def _reader(leaves: list[bytes]) -> Callable[[int, int], bytes]:
    def node(level: int, index: int) -> bytes:
        return subtree_root(leaves[index << level:(index + 1) << level])
    return node


def _flip(data: bytes, bit: int) -> bytes:
    position = bit // 8 % len(data)
    return data[:position] + bytes([data[position] ^ (1 << bit % 8)]) + data[position + 1:]


def _fails(check: Callable[[], None]) -> bool:
    """True when the check raises ProofError with a readable one-line reason."""
    reason = ""
    try:
        check()
    except ProofError as e:
        reason = e.diagnostics()
    return bool(reason) and "\n" not in reason


@st.composite
def tree_and_index(draw: st.DrawFn) -> tuple[int, int]:
    size = draw(st.integers(min_value=1, max_value=600))
    return size, draw(st.integers(min_value=0, max_value=size - 1))


@settings(max_examples=150, deadline=None)
@given(tree_and_index(), st.integers(min_value=0, max_value=1 << 16))
def test_inclusion_proofs_verify_and_tampering_fails(case: tuple[int, int], bit: int) -> None:
    size, index = case
    leaves = _leaves(size)
    root = subtree_root(leaves)
    path = inclusion_path(index, size, _reader(leaves))
    verify_inclusion(InclusionProof(index, size, path), leaves[index], root)

    def check(i: int = index, n: int = size, proof: tuple[bytes, ...] = path,
              leaf: bytes = leaves[index], r: bytes = root) -> Callable[[], None]:
        return lambda: verify_inclusion(InclusionProof(i, n, proof), leaf, r)

    assert _fails(check(leaf=_flip(leaves[index], bit)))
    assert _fails(check(r=_flip(root, bit)))
    assert _fails(check(n=size + 1, r=subtree_root(_leaves(size + 1))))
    if len(inclusion_path(index, size + 1, _reader(_leaves(size + 1)))) != len(path):
        assert _fails(check(n=size + 1))
    assert _fails(check(proof=(*path, leaves[0])))  # extended
    if path:
        k = bit % len(path)
        assert _fails(check(proof=path[:-1]))  # truncated
        assert _fails(check(proof=(*path[:k], _flip(path[k], bit), *path[k + 1:])))
        assert _fails(check(proof=(*path[:k], path[k][:31], *path[k + 1:])))  # short hash
    if size > 1:
        other = (index + 1 + bit % (size - 1)) % size
        assert _fails(check(i=other))
        assert _fails(check(leaf=leaves[other]))
    assert _fails(check(i=size))
    assert _fails(check(i=-1))


@st.composite
def two_sizes(draw: st.DrawFn) -> tuple[int, int]:
    new = draw(st.integers(min_value=2, max_value=600))
    return draw(st.integers(min_value=1, max_value=new - 1)), new


@settings(max_examples=150, deadline=None)
@given(two_sizes(), st.integers(min_value=0, max_value=1 << 16))
def test_consistency_proofs_verify_and_tampering_fails(sizes: tuple[int, int],
                                                       bit: int) -> None:
    old, new = sizes
    leaves = _leaves(new)
    old_root, new_root = subtree_root(leaves[:old]), subtree_root(leaves)
    path = consistency_path(old, new, _reader(leaves))
    verify_consistency(ConsistencyProof(old, new, path), old_root, new_root)

    def check(m: int = old, n: int = new, proof: tuple[bytes, ...] = path,
              r1: bytes = old_root, r2: bytes = new_root) -> Callable[[], None]:
        return lambda: verify_consistency(ConsistencyProof(m, n, proof), r1, r2)

    assert _fails(check(r1=new_root, r2=old_root))  # swapped roots
    assert _fails(check(r1=_flip(old_root, bit)))
    assert _fails(check(r2=_flip(new_root, bit)))
    assert _fails(check(proof=path[:-1]))
    assert _fails(check(proof=(*path, path[0])))
    assert _fails(check(proof=()))
    k = bit % len(path)
    assert _fails(check(proof=(*path[:k], _flip(path[k], bit), *path[k + 1:])))
    assert _fails(check(proof=(*path[:k], b"", *path[k + 1:])))
    assert _fails(check(n=new + 1, r2=subtree_root(_leaves(new + 1))))
    assert _fails(check(m=0))
    assert _fails(check(m=new, n=old))
    assert _fails(check(m=old - 1 or 2, r1=subtree_root(leaves[:old - 1 or 2])))


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=-2, max_value=70), st.integers(min_value=-2, max_value=70),
       st.lists(st.binary(max_size=40), max_size=10), st.binary(max_size=40),
       st.binary(max_size=40))
def test_arbitrary_input_never_crashes(m: int, n: int, proof: list[bytes], a: bytes,
                                       b: bytes) -> None:
    with contextlib.suppress(ProofError):
        verify_consistency(ConsistencyProof(m, n, tuple(proof)), a, b)
    with contextlib.suppress(ProofError):
        verify_inclusion(InclusionProof(m, n, tuple(proof)), a, b)
