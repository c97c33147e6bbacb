"""Arcadyan handler: an obfuscated LZMA stream built in code, deobfuscated, and mutations."""

from __future__ import annotations

import lzma
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spyless.errors import EncryptedError, FormatError, UnpackError
from spyless.unpack.handlers.firmware.arcadyan import ArcadyanHandler, deobfuscate_head
from spyless.unpack.interface import Limits
from spyless.unpack.sandbox import Budget, Sink
from tests.conftest import run_handler, tree

PLAIN = b"Linux version 2.6.30 " * 4000 + os.urandom(2000)


def obfuscate(data: bytes) -> bytes:
    """The inverse of the deobfuscation: scramble block 4..36 and move it to 0x68."""
    block = bytearray(data[4:36])
    block[0::2], block[1::2] = block[1::2], block[0::2]
    scrambled = bytes(((b & 0x0F) << 4) | (b >> 4) for b in block)
    return data[:4] + data[0x68:0x88] + data[36:0x68] + scrambled + data[0x88:]


def sample() -> tuple[bytes, bytes]:
    stream = lzma.compress(PLAIN, format=lzma.FORMAT_ALONE,
                           filters=[{"id": lzma.FILTER_LZMA1, "dict_size": 1 << 23}])
    original = b"ARC\x00" + stream
    return obfuscate(original), stream


def test_obfuscation_roundtrip_helper() -> None:
    obf, stream = sample()
    assert obf[0x68:0x6C] == b"\x00\xd5\x08\x00"
    assert deobfuscate_head(obf[:0x88]) == b"ARC\x00" + stream[: 0x88 - 4]


def test_deobfuscates_and_decompresses(out_dir: Path) -> None:
    obf, _ = sample()
    blob = b"\xff" * 32 + obf + b"\xff" * 100
    chunk = ArcadyanHandler().parse(blob, 32)
    assert chunk is not None
    assert chunk.end is None
    _, end = run_handler(ArcadyanHandler(), blob, out_dir, 32)
    assert end == 32 + len(obf)
    assert tree(out_dir) == {"payload": PLAIN}


def test_not_lzma_after_deobfuscation_is_none() -> None:
    blob = bytearray(os.urandom(0x200))
    blob[0x68:0x6C] = b"\x00\xd5\x08\x00"
    blob[0x6C:0x88] = b"\xff" * 28  # dictionary/size bytes that no LZMA decoder accepts
    assert ArcadyanHandler().parse(bytes(blob), 0) is None


def test_corrupt_stream_is_encrypted_error(tmp_path: Path) -> None:
    obf, _ = sample()
    blob = bytearray(obf)
    for pos in range(0x100, len(blob) - 64):
        blob[pos] ^= 0x5A
    handler = ArcadyanHandler()
    chunk = handler.parse(bytes(blob), 0)
    assert chunk is not None
    sink = Sink(tmp_path, "t", Budget(Limits(), len(blob)))
    with pytest.raises((EncryptedError, FormatError)):
        handler.extract(bytes(blob), chunk, sink)


SAMPLE = sample()[0][:3000]


@settings(max_examples=100, deadline=None)
@given(
    edits=st.lists(st.tuples(st.integers(0, len(SAMPLE) - 1), st.integers(0, 255)), max_size=6),
    cut=st.integers(0, len(SAMPLE)),
)
def test_random_mutations_raise_only_our_errors(edits: list[tuple[int, int]], cut: int) -> None:
    blob = bytearray(SAMPLE)
    for pos, value in edits:
        blob[pos] = value
    data = bytes(blob[:cut])
    handler = ArcadyanHandler()
    try:
        chunk = handler.parse(data, 0)
    except (FormatError, EncryptedError):
        return
    if chunk is None:
        return
    with tempfile.TemporaryDirectory() as tmp:
        sink = Sink(Path(tmp), "fuzz", Budget(Limits(max_total_bytes=1 << 20), len(data)))
        try:
            end = handler.extract(data, chunk, sink)
        except UnpackError:
            return
        assert end is not None
        assert 0 < end <= len(data)
