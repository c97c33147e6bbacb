"""TLSH distances tell a rebuilt file from a replaced one."""

from __future__ import annotations

import hashlib

import pytest

from spyless.diff import similarity


def _program(seed: bytes, size: int = 64 * 1024) -> bytes:
    blocks = [hashlib.sha256(seed).digest()]
    while len(blocks) * 32 < size:
        # text-like bytes with structure: what a fuzzy hash sees in code and strings
        blocks.append(hashlib.sha256(blocks[-1]).hexdigest()[:32].encode())
    return b"".join(blocks)


@pytest.fixture(autouse=True)
def _needs_tlsh() -> None:
    if not similarity.METHOD:
        pytest.skip("py-tlsh is not installed")


def test_a_patched_file_is_rebuilt_and_another_file_replaced() -> None:
    original = _program(b"daemon")
    patched = bytearray(original)
    patched[1000:1010] = b"2024-01-02"
    near = similarity.distance(original, bytes(patched))
    digests = [hashlib.sha256(bytes([n % 256, n // 256])).digest() for n in range(2048)]
    far = similarity.distance(original, b"".join(digests))  # another kind of content
    assert near is not None
    assert far is not None
    assert similarity.label(near) == "rebuilt"
    assert similarity.label(far) == "replaced"
    assert similarity.label(100) == "modified"


def test_no_distance_for_tiny_or_uniform_input() -> None:
    assert similarity.distance(b"short", b"short") is None
    assert similarity.distance(bytes(1000), bytes(1000)) is None
    assert similarity.label(None) == ""
