"""C2SP signed notes, checkpoints and cosignatures, against published examples."""

from __future__ import annotations

import base64

import pytest

from spyless.tlog.checkpoint import (
    format_checkpoint,
    open_checkpoint,
    parse_checkpoint,
    sign_checkpoint,
)
from spyless.tlog.cosignature import (
    CosignatureSigner,
    cosign,
    cosignature_timestamp,
    cosigned_message,
    parse_witness_key,
    verified_witnesses,
)
from spyless.tlog.interface import Checkpoint, NoteError
from spyless.tlog.merkle import EMPTY_ROOT
from spyless.tlog.note import (
    Ed25519NoteSigner,
    format_verifier_key,
    key_id,
    open_note,
    parse_note,
    parse_signer_key,
    parse_verifier_key,
    sign_note,
)

# golang.org/x/mod/sumdb/note documentation and tests: the PeterNeumann key pair and note.
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_TEXT = ("If you think cryptography is the answer to your problem,\n"
           "then you don't know what your problem is.\n")
GO_NOTE = GO_TEXT + ("\n\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIu"
                     "GUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")

# c2sp.org/signed-note "Verifier keys" example.
C2SP_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
C2SP_NOTE = ("This is an example message.\n\n\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv"
             "1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n")

# Go's checksum database: its public key (compiled into the go command) and a real signed
# checkpoint (tree size 63096908) as published in a write-up of sum.golang.org lookups.
SUMDB_VKEY = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"
SUMDB_CHECKPOINT = ("go.sum database tree\n63096908\n8lHrQPRYe4KT4WQ9/Qk8/taKnD6IRHbFgfN7vQE2Y54="
                    "\n\n\u2014 sum.golang.org Az3gri/oVBN1jAhNZ/iS+W31psFAWRT20/GyrhpU6taFwulQG"
                    "etBkH5S7wpGXdS935jiIGiUUAXBVHzT/P6fYhqAmAk=\n")


def test_go_reference_note_verifies_and_signing_is_byte_exact() -> None:
    verifier = parse_verifier_key(GO_VKEY)
    note, verified = open_note(GO_NOTE, [verifier])
    assert note.text == GO_TEXT
    assert [s.name for s in verified] == ["PeterNeumann"]
    signer = parse_signer_key(GO_SKEY)
    assert signer.verifier() == verifier
    assert signer.signer_key() == GO_SKEY
    assert verifier.vkey() == GO_VKEY
    assert sign_note(GO_TEXT, [signer]).render() == GO_NOTE  # Ed25519 is deterministic


def test_c2sp_spec_example_verifies() -> None:
    note, _ = open_note(C2SP_NOTE, [parse_verifier_key(C2SP_VKEY)])
    assert note.text == "This is an example message.\n"


def test_real_sum_golang_org_checkpoint_verifies() -> None:
    checkpoint, _ = open_checkpoint(SUMDB_CHECKPOINT, [parse_verifier_key(SUMDB_VKEY)],
                                    origin="go.sum database tree")
    assert checkpoint.size == 63096908
    assert base64.b64encode(checkpoint.root_hash).startswith(b"8lHrQPRY")
    with pytest.raises(NoteError, match="origin"):
        open_checkpoint(SUMDB_CHECKPOINT, [parse_verifier_key(SUMDB_VKEY)])
    with pytest.raises(NoteError, match="does not verify"):
        open_note(SUMDB_CHECKPOINT.replace("63096908", "63096909"),
                  [parse_verifier_key(SUMDB_VKEY)])


def test_tampered_note_and_unknown_keys_are_rejected() -> None:
    verifier = parse_verifier_key(GO_VKEY)
    with pytest.raises(NoteError, match="does not verify"):
        open_note(GO_NOTE.replace("cryptography", "cryptographY"), [verifier])
    with pytest.raises(NoteError, match="not signed by any trusted key"):
        open_note(GO_NOTE, [parse_verifier_key(C2SP_VKEY)])
    # Same name, different key: an unknown key, ignored, so nothing trusted verified.
    other = Ed25519NoteSigner("PeterNeumann", b"\x07" * 32)
    with pytest.raises(NoteError, match="not signed by any trusted key"):
        open_note(GO_NOTE, [other.verifier()])


@pytest.mark.parametrize("bad", [
    GO_VKEY[:-1], GO_VKEY.replace("c74f20a3", "c74f20a4"), GO_VKEY.replace("+A", "+B", 1),
    "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "", "a+b",
])
def test_malformed_verifier_keys_are_rejected(bad: str) -> None:
    with pytest.raises(NoteError):
        parse_verifier_key(bad)


@pytest.mark.parametrize("bad", [
    "", "no signatures\n", "text\n\n", "text\n\n\u2014 name\n", "text\n\n- name AAAAAAAA\n",
    "text\n\n\u2014 name !!!!\n", "text\n\n\u2014 name AAAA\n", "te\x01xt\n\n\u2014 n AAAAAAAA\n",
    "text\n\n\u2014 n AAAAAAAA", b"\xff\n\n\xe2\x80\x94 n AAAAAAAA\n",
])
def test_malformed_notes_are_rejected(bad: str | bytes) -> None:
    with pytest.raises(NoteError):
        parse_note(bad)


def test_key_id_is_the_spec_formula() -> None:
    signer = parse_signer_key(GO_SKEY)
    assert key_id("PeterNeumann", 1, signer.public_key).hex() == "c74f20a3"
    assert format_verifier_key("PeterNeumann", 1, signer.public_key) == GO_VKEY


def test_checkpoint_format_round_trip_and_strictness() -> None:
    checkpoint = Checkpoint("example.com/log", 20852163, b"\x11" * 32, ("ext one",))
    text = format_checkpoint(checkpoint)
    assert text == ("example.com/log\n20852163\nERERERERERERERERERERERERERERERERERERERERERE=\n"
                    "ext one\n")
    assert parse_checkpoint(text) == checkpoint
    for bad in ("o\n012\nERERERERERERERERERERERERERERERERERERERERERE=\n", "o\n1\nAAAA\n",
                "o\n1\n", "\n1\nERERERERERERERERERERERERERERERERERERERERERE=\n",
                "o\n-1\nERERERERERERERERERERERERERERERERERERERERERE=\n",
                "o\n0\nERERERERERERERERERERERERERERERERERERERERERE=\n",
                "o\n1\nERERERERERERERERERERERERERERERERERERERERERE=\n\n"):
        with pytest.raises(NoteError):
            parse_checkpoint(bad)
    assert parse_checkpoint(format_checkpoint(Checkpoint("o", 0, EMPTY_ROOT))).size == 0


def test_cosignature_v1_signs_the_spec_message_and_counts_towards_quorum() -> None:
    log = Ed25519NoteSigner("example.com/log", b"\x01" * 32)
    note = sign_checkpoint(Checkpoint("example.com/log", 5, b"\x22" * 32), [log])
    w1 = CosignatureSigner("w1.example", b"\x02" * 32, clock=lambda: 1679315147)
    w2 = CosignatureSigner("w2.example", b"\x03" * 32, clock=lambda: 1679315148)
    cosigned = cosign(cosign(note, w1), w2)
    assert cosigned_message(note.text.encode(), 1679315147).startswith(
        b"cosignature/v1\ntime 1679315147\nexample.com/log\n5\n")
    reparsed = parse_note(cosigned.render())
    assert cosignature_timestamp(reparsed.signatures[1]) == 1679315147
    w1_key = parse_witness_key(w1.verifier().vkey())
    w2_key = parse_witness_key(w2.verifier().vkey())
    assert base64.b64decode(w1.verifier().vkey().split("+")[2])[0] == 0x04
    assert verified_witnesses(reparsed, [w1_key, w2_key, w1_key]) == ("w1.example",
                                                                      "w2.example")
    open_checkpoint(cosigned.render(), [log.verifier()])  # witnesses are unknown to the log key
    forged = cosigned.render().replace("\n5\n", "\n6\n")
    with pytest.raises(NoteError, match=r"witness w1\.example"):
        verified_witnesses(parse_note(forged), [w1_key])
