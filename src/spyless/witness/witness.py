"""The witness itself: verify a log's checkpoint, check it extends what was cosigned before,
persist it, and cosign it (c2sp.org/tlog-witness "add-checkpoint", c2sp.org/tlog-cosignature).

Answers, in the order the spec checks them: 400 malformed body or checkpoint, 404 unknown
origin, 403 no trusted log signature (or a trusted key's signature fails), 400 old size
larger than the checkpoint, 409 old size is not the size last cosigned (body: that size,
``text/x.tlog.size``), 422 bad consistency proof, non-empty proof from size 0, a size-0
checkpoint without the empty root, or the same size with another root; 200 the cosignature
line. Two log-signed checkpoints that cannot both be true are written to the state
directory as fork evidence and returned in the 422 body.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from spyless.tlog.checkpoint import parse_checkpoint
from spyless.tlog.cosignature import CosignatureSigner, cosign
from spyless.tlog.interface import Checkpoint, ConsistencyProof, NoteError, ProofError
from spyless.tlog.merkle import EMPTY_ROOT, verify_consistency
from spyless.tlog.note import Note, NoteVerifier, open_note, parse_note
from spyless.witness.interface import (
    EVIDENCE_CONTENT_TYPE,
    SIGNATURES_CONTENT_TYPE,
    SIZE_CONTENT_TYPE,
    AddCheckpointRequest,
    WitnessAnswer,
)
from spyless.witness.protocol import MalformedRequest, parse_add_checkpoint
from spyless.witness.state import EVIDENCE_FORMAT, Cosigned, WitnessState


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class _Refused(Exception):
    def __init__(self, answer: WitnessAnswer) -> None:
        super().__init__(answer.status)
        self.answer = answer


class Witness:
    """Cosigns checkpoints of the logs whose keys it was given; keyed by origin = key name."""

    def __init__(self, signer: CosignatureSigner, log_keys: Sequence[NoteVerifier],
                 state: WitnessState) -> None:
        self.signer = signer
        self.state = state
        self._keys: dict[str, list[NoteVerifier]] = {}
        for key in log_keys:
            self._keys.setdefault(key.name, []).append(key)

    def add_checkpoint(self, body: bytes) -> WitnessAnswer:
        try:
            request = parse_add_checkpoint(body)
            note, checkpoint = self._verified_checkpoint(request)
            self._check_sizes(request, checkpoint)
            with self.state.locked(checkpoint.origin) as origin_state:
                known = origin_state.read()
                self._check_against(known, request, checkpoint)
                origin_state.write(checkpoint, request.note)
        except MalformedRequest as e:
            return WitnessAnswer.text(400, e.diagnostics())
        except _Refused as e:
            return e.answer
        signature = cosign(note, self.signer).signatures[-1]
        return WitnessAnswer(200, SIGNATURES_CONTENT_TYPE, signature.line().encode("utf-8"))

    def _verified_checkpoint(self, request: AddCheckpointRequest) -> tuple[Note, Checkpoint]:
        try:
            note = parse_note(request.note)
        except NoteError as e:
            raise _Refused(WitnessAnswer.text(400, f"checkpoint: {e.diagnostics()}")) from e
        lines = note.text.split("\n")
        keys = self._keys.get(lines[0])
        if not keys:
            raise _Refused(WitnessAnswer.text(404, f"unknown log origin {lines[0][:100]!r}"))
        try:
            open_note(request.note, keys)
        except NoteError as e:
            raise _Refused(WitnessAnswer.text(403, f"checkpoint: {e.diagnostics()}")) from e
        try:
            return note, parse_checkpoint(note.text)
        except NoteError as e:
            # The size-0-with-another-root case is a consistency failure (422), not syntax.
            status = 422 if len(lines) > 2 and lines[1] == "0" and _is_hash(lines[2]) else 400
            raise _Refused(WitnessAnswer.text(status, f"checkpoint: {e.diagnostics()}")) from e

    @staticmethod
    def _check_sizes(request: AddCheckpointRequest, checkpoint: Checkpoint) -> None:
        if request.old_size > checkpoint.size:
            raise _Refused(WitnessAnswer.text(
                400, f"old size {request.old_size} is larger than the checkpoint's size "
                     f"{checkpoint.size}"))

    def _check_against(self, known: Cosigned | None, request: AddCheckpointRequest,
                       checkpoint: Checkpoint) -> None:
        known_size = 0 if known is None else known.checkpoint.size
        if known is not None and known_size == checkpoint.size and (
                known.checkpoint.root_hash != checkpoint.root_hash):
            evidence = self._fork(known, request, "same-size-different-root")
            if request.old_size == known_size:
                raise _Refused(_evidence_answer(evidence))
        if request.old_size != known_size:
            raise _Refused(WitnessAnswer(409, SIZE_CONTENT_TYPE, b"%d\n" % known_size))
        if request.old_size == 0:
            if request.proof:
                raise _Refused(WitnessAnswer.text(
                    422, "the consistency proof from size 0 must be empty"))
            return
        assert known is not None  # noqa: S101 - old_size == known_size > 0
        try:
            verify_consistency(ConsistencyProof(request.old_size, checkpoint.size, request.proof),
                               known.checkpoint.root_hash, checkpoint.root_hash)
        except ProofError as e:
            evidence = self._fork(known, request, "not-proven-consistent")
            evidence["error"] = e.diagnostics()
            raise _Refused(_evidence_answer(evidence)) from e

    def _fork(self, known: Cosigned, request: AddCheckpointRequest,
              kind: str) -> dict[str, Any]:
        same_size = kind == "same-size-different-root"
        explanation = (
            "Two checkpoints of the same size with different root hashes, both signed by the "
            "log's key: they cannot both be true, so the log has shown two different histories."
            if same_size else
            "The log signed a checkpoint that the submitted consistency proof does not link to "
            "the checkpoint this witness cosigned earlier. If the log cannot give a consistency "
            "proof between the two signed checkpoints, it has forked.")
        evidence: dict[str, Any] = {
            "format": EVIDENCE_FORMAT,
            "kind": kind,
            "origin": known.checkpoint.origin,
            "explanation": explanation,
            "cosigned_checkpoint": known.note,
            "submitted_checkpoint": request.note,
            "old_size": request.old_size,
            "consistency_proof": [_b64(h) for h in request.proof],
            "witness": self.signer.verifier().vkey(),
            "time": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        identity = "\0".join((kind, known.note, request.note)).encode("utf-8")
        evidence["evidence_file"] = str(self.state.record_fork(evidence, identity))
        return evidence


def _is_hash(line: str) -> bool:
    try:
        return len(base64.b64decode(line, validate=True)) == len(EMPTY_ROOT)
    except ValueError:
        return False


def _evidence_answer(evidence: dict[str, Any]) -> WitnessAnswer:
    body = {"error": "refused: this checkpoint conflicts with the one this witness cosigned",
            "fork_evidence": evidence}
    return WitnessAnswer(422, EVIDENCE_CONTENT_TYPE,
                         (json.dumps(body, indent=1) + "\n").encode("utf-8"))
