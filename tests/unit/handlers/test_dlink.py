"""D-Link handlers: encrpted_img and MH01 fixtures, SHRS built in code, mutations."""

from __future__ import annotations

import hashlib
import os
import struct
import tempfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import given, settings
from hypothesis import strategies as st

from spyless.errors import EncryptedError, FormatError, UnpackError
from spyless.unpack.handlers.firmware.dlink import (
    ENC_IV,
    ENC_KEY,
    SHRS_KEY,
    DlinkEncrptedImgHandler,
    DlinkShrsHandler,
)
from spyless.unpack.handlers.firmware.dlink_mh01 import DlinkMh01Handler
from spyless.unpack.interface import Handler, Limits
from spyless.unpack.sandbox import Budget, Sink
from tests.conftest import corpus_file, run_handler, tree


def encrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    enc = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return enc.update(data) + enc.finalize()


def shrs(plain: bytes) -> bytes:
    iv = os.urandom(16)
    padded = plain + bytes(-len(plain) % 16)
    cipher = encrypt(SHRS_KEY, iv, padded)
    head = bytearray(0x6DC)
    struct.pack_into(">4sII16s", head, 0, b"SHRS", len(padded), len(plain), iv)
    head[0x9C:0xDC] = hashlib.sha512(cipher[: len(plain)]).digest()
    return bytes(head) + cipher


def test_encrpted_img_fixture(out_dir: Path) -> None:
    blob = corpus_file("formats/factx_dlink__testfile.encrpted_img").read_bytes()
    chunk = DlinkEncrptedImgHandler().parse(blob, 0)
    assert chunk is not None
    assert (chunk.end, chunk.info["vendor"]) == (48, "D-Link")
    run_handler(DlinkEncrptedImgHandler(), blob, out_dir)
    assert tree(out_dir) == {"decrypted.bin": b"foobar 123 test 321 foobar test!"}


def test_encrpted_img_multi_eraseblock_restarts_from_iv(out_dir: Path) -> None:
    pebs = [b"UBI#\x01" + bytes(11) + os.urandom(0x20000 - 16) for _ in range(2)]
    cipher = b"".join(encrypt(ENC_KEY, ENC_IV, p) for p in pebs)
    blob = b"encrpted_img" + struct.pack(">I", len(cipher)) + cipher
    run_handler(DlinkEncrptedImgHandler(), blob, out_dir)
    assert tree(out_dir) == {"decrypted.bin": pebs[0] + pebs[1]}


def test_encrpted_img_bad_sizes() -> None:
    with pytest.raises(FormatError):
        DlinkEncrptedImgHandler().parse(b"encrpted_img" + struct.pack(">I", 64) + bytes(32), 0)
    with pytest.raises(EncryptedError, match="encrpted_img"):
        DlinkEncrptedImgHandler().parse(b"encrpted_img" + struct.pack(">I", 20) + bytes(20), 0)
    assert DlinkEncrptedImgHandler().parse(b"encrpted_im", 0) is None


def test_mh01_fixture(out_dir: Path) -> None:
    blob = corpus_file("formats/factx_dlink__fw_mh01_test.bin").read_bytes()
    chunk = DlinkMh01Handler().parse(blob, 0)
    assert chunk is not None
    assert chunk.end == len(blob) == 641
    assert chunk.info["key_index"] == "14"
    run_handler(DlinkMh01Handler(), blob, out_dir)
    files = tree(out_dir)
    assert sorted(files) == ["firmware.bin", "signature-inner.bin", "signature.bin"]
    assert files["firmware.bin"] == b"foobar 1234 test\n"
    assert files["signature.bin"] == blob[16 + 369 :]
    assert len(files["signature-inner.bin"]) == 256


def test_mh01_unknown_key_is_encrypted_error() -> None:
    blob = bytearray(corpus_file("formats/factx_dlink__fw_mh01_test.bin").read_bytes())
    blob[0x49:0x51] = b"\x00" * 8  # a different salt: no published key pads correctly
    with pytest.raises(EncryptedError, match="MH01"):
        DlinkMh01Handler().parse(bytes(blob), 0)


def test_shrs_roundtrip(out_dir: Path) -> None:
    plain = b"UBI#" + os.urandom(3000)
    blob = shrs(plain) + b"\xff" * 40
    chunk = DlinkShrsHandler().parse(blob, 0)
    assert chunk is not None
    assert chunk.end == len(blob) - 40
    run_handler(DlinkShrsHandler(), blob, out_dir)
    assert tree(out_dir) == {"decrypted.bin": plain}


def test_shrs_digest_mismatch_is_not_shrs() -> None:
    blob = bytearray(shrs(b"x" * 100))
    blob[0x6DC] ^= 1
    assert DlinkShrsHandler().parse(bytes(blob), 0) is None


ENC_SAMPLE = b"encrpted_img" + struct.pack(">I", 64) + os.urandom(64)
SHRS_SAMPLE = shrs(b"sample" * 10)


def fuzz(handler: Handler, blob: bytes) -> None:
    try:
        chunk = handler.parse(blob, 0)
    except (FormatError, EncryptedError):
        return
    if chunk is None:
        return
    with tempfile.TemporaryDirectory() as tmp:
        sink = Sink(Path(tmp), "fuzz", Budget(Limits(max_total_bytes=1 << 20), len(blob)))
        try:
            handler.extract(blob, chunk, sink)
        except UnpackError:
            return


@settings(max_examples=150, deadline=None)
@given(
    which=st.integers(0, 2),
    edits=st.lists(st.tuples(st.integers(0, 700), st.integers(0, 255)), max_size=6),
    cut=st.integers(0, 2000),
)
def test_random_mutations_raise_only_our_errors(
    which: int, edits: list[tuple[int, int]], cut: int
) -> None:
    mh01 = Path(__file__).resolve().parents[3].parent / "shared/corpus/formats"
    samples: list[tuple[Handler, bytes]] = [
        (DlinkEncrptedImgHandler(), ENC_SAMPLE), (DlinkShrsHandler(), SHRS_SAMPLE)]
    fixture = mh01 / "factx_dlink__fw_mh01_test.bin"
    samples.append((DlinkMh01Handler(), fixture.read_bytes() if fixture.is_file()
                    else b"MH01" + bytes(60)))
    handler, sample = samples[which]
    blob = bytearray(sample)
    for pos, value in edits:
        blob[pos % len(blob)] = value
    fuzz(handler, bytes(blob[: cut % (len(blob) + 1)]))
