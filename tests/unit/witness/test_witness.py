"""The witness core: every add-checkpoint answer of c2sp.org/tlog-witness, fork evidence,
atomic state under concurrent requests, and state surviving a restart."""

from __future__ import annotations

import base64
import json
import threading
from pathlib import Path

import pytest

from spyless.tlog.checkpoint import open_checkpoint, sign_checkpoint
from spyless.tlog.cosignature import CosignatureSigner, verified_witnesses
from spyless.tlog.interface import Checkpoint
from spyless.tlog.log import Log
from spyless.tlog.merkle import EMPTY_ROOT
from spyless.tlog.note import Ed25519NoteSigner, Note, parse_note, sign_note
from spyless.witness.interface import SIZE_CONTENT_TYPE, WitnessError
from spyless.witness.protocol import (
    MalformedRequest,
    format_add_checkpoint,
    parse_add_checkpoint,
)
from spyless.witness.state import WitnessState
from spyless.witness.witness import Witness

ORIGIN = "example.org/witnessed-log"
LOG_KEY = Ed25519NoteSigner(ORIGIN, b"\x11" * 32)
OTHER_KEY = Ed25519NoteSigner(ORIGIN, b"\x12" * 32)
WITNESS_KEY = CosignatureSigner("witness.example/w1", b"\x21" * 32, clock=lambda: 1_700_000_000)


@pytest.fixture
def log(tmp_path: Path) -> Log:
    log = Log.create(tmp_path / "log.db", ORIGIN)
    log.append([b"entry %d" % i for i in range(10)])
    return log


def _witness(directory: Path) -> Witness:
    return Witness(WITNESS_KEY, [LOG_KEY.verifier()], WitnessState(directory))


def _note(log: Log, size: int) -> str:
    return log.checkpoint([LOG_KEY], size).render()


def _body(log: Log, old: int, size: int) -> bytes:
    proof = () if old in (0, size) else log.consistency_proof(old, size).hashes
    return format_add_checkpoint(old, proof, _note(log, size))


def _cosigned(note: str, answer: bytes) -> tuple[str, ...]:
    lines = parse_note(note + answer.decode()).signatures
    return verified_witnesses(Note(parse_note(note).text, lines), [WITNESS_KEY.verifier()])


def test_first_checkpoint_then_consistent_growth_are_cosigned(log: Log, tmp_path: Path) -> None:
    witness = _witness(tmp_path / "w")
    answer = witness.add_checkpoint(_body(log, 0, 4))
    assert answer.status == 200, answer.body
    assert answer.body.startswith("\u2014 witness.example/w1 ".encode())
    assert answer.body.count(b"\n") == 1
    assert _cosigned(_note(log, 4), answer.body) == ("witness.example/w1",)
    for old, new in ((4, 7), (7, 7), (7, 10)):
        answer = witness.add_checkpoint(_body(log, old, new))
        assert answer.status == 200, (old, new, answer.body)
    state = json.loads(next((tmp_path / "w" / "logs").glob("*.json")).read_text())
    assert (state["origin"], state["size"]) == (ORIGIN, 10)
    assert state["root_hash"] == base64.b64encode(log.root_hash(10)).decode()


def test_stale_old_size_is_409_with_the_known_size(log: Log, tmp_path: Path) -> None:
    witness = _witness(tmp_path / "w")
    assert witness.add_checkpoint(_body(log, 0, 5)).status == 200
    for old, size in ((0, 8), (3, 8), (6, 8)):
        answer = witness.add_checkpoint(_body(log, old, size))
        assert (answer.status, answer.content_type, answer.body) == (409, SIZE_CONTENT_TYPE,
                                                                     b"5\n")
    # A smaller tree can never be cosigned after a larger one (no rollback).
    answer = witness.add_checkpoint(_body(log, 3, 3))
    assert (answer.status, answer.body) == (409, b"5\n")


def test_bad_proofs_are_422(log: Log, tmp_path: Path) -> None:
    witness = _witness(tmp_path / "w")
    assert witness.add_checkpoint(_body(log, 0, 4)).status == 200
    good = log.consistency_proof(4, 9).hashes
    flipped = (bytes([good[0][0] ^ 1]) + good[0][1:], *good[1:])
    for proof in (flipped, good[:-1], (*good, good[0]), ()):
        answer = witness.add_checkpoint(format_add_checkpoint(4, proof, _note(log, 9)))
        assert answer.status == 422, proof
    answer = witness.add_checkpoint(format_add_checkpoint(0, good, _note(log, 9)))
    assert answer.status == 409  # old 0 is not what the witness holds
    fresh = _witness(tmp_path / "fresh")
    answer = fresh.add_checkpoint(format_add_checkpoint(0, good, _note(log, 9)))
    assert answer.status == 422
    assert b"must be empty" in answer.body
    assert fresh.add_checkpoint(_body(log, 0, 9)).status == 200


def test_size_zero_checkpoint_needs_the_empty_root(log: Log, tmp_path: Path) -> None:
    witness = _witness(tmp_path / "w")
    empty = sign_checkpoint(Checkpoint(ORIGIN, 0, EMPTY_ROOT), [LOG_KEY]).render()
    assert witness.add_checkpoint(format_add_checkpoint(0, (), empty)).status == 200
    root = base64.b64encode(bytes(32)).decode()
    text = f"{ORIGIN}\n0\n{root}\n"
    note = sign_note(text, [LOG_KEY]).render()
    answer = witness.add_checkpoint(format_add_checkpoint(0, (), note))
    assert answer.status == 422
    assert b"empty tree" in answer.body


def test_unknown_origin_404_untrusted_or_bad_signature_403(log: Log, tmp_path: Path) -> None:
    witness = _witness(tmp_path / "w")
    stranger = Ed25519NoteSigner("example.org/other-log", b"\x13" * 32)
    other = sign_checkpoint(Checkpoint("example.org/other-log", 1, b"\x02" * 32), [stranger])
    assert witness.add_checkpoint(format_add_checkpoint(0, (), other.render())).status == 404
    unsigned = sign_checkpoint(Checkpoint(ORIGIN, 10, log.root_hash(10)), [OTHER_KEY])
    answer = witness.add_checkpoint(format_add_checkpoint(0, (), unsigned.render()))
    assert answer.status == 403
    assert b"not signed by any trusted key" in answer.body
    note = _note(log, 10)
    head, _, sig = note.rpartition(" ")
    broken = head + " " + base64.b64encode(
        bytes([base64.b64decode(sig)[0] ^ 0]) + b"\0" * 67).decode() + "\n"
    assert witness.add_checkpoint(format_add_checkpoint(0, (), broken)).status == 403


@pytest.mark.parametrize("body", [
    b"",
    b"old 1\n",  # no blank line and no checkpoint
    b"old 01\n\nx\n",
    b"old -1\n\nx\n",
    b"new 1\n\nx\n",
    b"old 1\nnot base64!\n\nx\n",
    b"old 1\n" + base64.b64encode(b"short") + b"\n\nx\n",
    b"old 1\n" + (base64.b64encode(b"\0" * 32) + b"\n") * 64 + b"\nx\n",
    b"\xff\xfe",
    b"old 0\n\nnot a note",
])
def test_malformed_requests_are_400(tmp_path: Path, body: bytes) -> None:
    assert _witness(tmp_path / "w").add_checkpoint(body).status == 400


def test_old_size_beyond_the_checkpoint_is_400(log: Log, tmp_path: Path) -> None:
    answer = _witness(tmp_path / "w").add_checkpoint(
        format_add_checkpoint(9, (), _note(log, 5)))
    assert answer.status == 400


def test_protocol_round_trip() -> None:
    proof = (b"\x01" * 32, b"\x02" * 32)
    request = parse_add_checkpoint(format_add_checkpoint(7, proof, "o\n1\nx\n\n\u2014 k s\n"))
    assert (request.old_size, request.proof, request.note) == (7, proof, "o\n1\nx\n\n\u2014 k s\n")
    with pytest.raises(MalformedRequest, match="63"):
        parse_add_checkpoint(format_add_checkpoint(1, (b"\0" * 32,) * 64, "n\n"))


def _fork_log(tmp_path: Path, entries: list[bytes]) -> Log:
    forked = Log.create(tmp_path / f"fork-{len(entries)}-{entries[-1][-1]}.db", ORIGIN)
    forked.append(entries)
    return forked


def test_same_size_different_root_is_refused_with_evidence(log: Log, tmp_path: Path) -> None:
    witness = _witness(tmp_path / "w")
    assert witness.add_checkpoint(_body(log, 0, 10)).status == 200
    forked = _fork_log(tmp_path, [b"entry %d" % i for i in range(9)] + [b"evil"])
    fork_note = _note(forked, 10)
    answer = witness.add_checkpoint(format_add_checkpoint(10, (), fork_note))
    assert answer.status == 422
    assert answer.content_type == "application/json"
    evidence = json.loads(answer.body)["fork_evidence"]
    assert evidence["kind"] == "same-size-different-root"
    assert parse_note(evidence["cosigned_checkpoint"]).text == parse_note(_note(log, 10)).text
    assert evidence["submitted_checkpoint"] == fork_note
    stored = json.loads(Path(evidence["evidence_file"]).read_text())
    assert stored["submitted_checkpoint"] == fork_note
    # The evidence is transferable: both notes verify under the log's key alone.
    a, _ = open_checkpoint(stored["cosigned_checkpoint"], [LOG_KEY.verifier()])
    b, _ = open_checkpoint(stored["submitted_checkpoint"], [LOG_KEY.verifier()])
    assert (a.size, b.size) == (10, 10)
    assert a.root_hash != b.root_hash
    # Submitted again (even with a stale old size: 409) it is recorded once, not twice.
    assert witness.add_checkpoint(format_add_checkpoint(4, (), fork_note)).status == 409
    assert len(list((tmp_path / "w" / "forks").iterdir())) == 1
    # The honest log is still cosigned.
    log.append([b"entry 10"])
    assert witness.add_checkpoint(_body(log, 10, 11)).status == 200


def test_inconsistent_growth_is_refused_with_evidence(log: Log, tmp_path: Path) -> None:
    witness = _witness(tmp_path / "w")
    assert witness.add_checkpoint(_body(log, 0, 6)).status == 200
    forked = _fork_log(tmp_path, [b"entry 0", b"rewritten"] + [b"x %d" % i for i in range(10)])
    proof = forked.consistency_proof(6, 12).hashes
    answer = witness.add_checkpoint(format_add_checkpoint(6, proof, _note(forked, 12)))
    assert answer.status == 422
    evidence = json.loads(answer.body)["fork_evidence"]
    assert evidence["kind"] == "not-proven-consistent"
    assert evidence["old_size"] == 6
    assert "old root" in evidence["error"]
    assert Path(evidence["evidence_file"]).is_file()
    state = json.loads(next((tmp_path / "w" / "logs").glob("*.json")).read_text())
    assert state["size"] == 6  # not moved


def test_state_survives_a_restart(log: Log, tmp_path: Path) -> None:
    assert _witness(tmp_path / "w").add_checkpoint(_body(log, 0, 8)).status == 200
    again = _witness(tmp_path / "w")
    assert again.add_checkpoint(_body(log, 0, 9)).body == b"8\n"
    assert again.add_checkpoint(_body(log, 8, 9)).status == 200


def test_corrupt_state_is_an_error_not_a_fresh_start(log: Log, tmp_path: Path) -> None:
    witness = _witness(tmp_path / "w")
    assert witness.add_checkpoint(_body(log, 0, 8)).status == 200
    next((tmp_path / "w" / "logs").glob("*.json")).write_text("{")
    with pytest.raises(WitnessError, match="corrupt"):
        witness.add_checkpoint(_body(log, 0, 3))


def test_concurrent_requests_never_roll_back(log: Log, tmp_path: Path) -> None:
    """The race of the spec's "add-checkpoint" section: many sizes at once, each claiming
    the witness holds size 0 or the previous size; the stored size only grows, and every
    200 answer is for a size not smaller than every earlier 200 in storage order."""
    log.append([b"more %d" % i for i in range(54)])  # 64 entries
    witness = _witness(tmp_path / "w")
    assert witness.add_checkpoint(_body(log, 0, 1)).status == 200
    notes = {size: _note(log, size) for size in range(1, 65)}
    accepted: list[int] = []
    lock = threading.Lock()

    def submit(size: int) -> None:
        for old in range(1, size + 1):
            proof = () if old == size else log.consistency_proof(old, size).hashes
            answer = witness.add_checkpoint(format_add_checkpoint(old, proof, notes[size]))
            if answer.status == 200:
                with lock:
                    accepted.append(size)
                return
            if answer.status == 409 and int(answer.body) > size:
                return

    threads = [threading.Thread(target=submit, args=(size,)) for size in range(2, 65)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert accepted == sorted(accepted)
    state = json.loads(next((tmp_path / "w" / "logs").glob("*.json")).read_text())
    assert state["size"] == max(accepted)
