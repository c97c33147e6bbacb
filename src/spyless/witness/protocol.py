"""The add-checkpoint request body (c2sp.org/tlog-witness "add-checkpoint"): strict parsing
for the witness, formatting for the client."""

from __future__ import annotations

import base64

from spyless.tlog.interface import HASH_SIZE, NoteError
from spyless.tlog.note import b64decode_strict
from spyless.witness.interface import MAX_PROOF_LINES, AddCheckpointRequest, WitnessError


class MalformedRequest(WitnessError):
    """The body is not an add-checkpoint request (answered with 400 Bad Request)."""


def _decimal(text: str) -> int:
    if not text.isascii() or not text.isdigit() or (text != "0" and text.startswith("0")) or len(
            text) > 20:
        raise MalformedRequest(f"old size {text[:30]!r} is not a decimal without leading zeroes")
    value = int(text)
    if value >= 1 << 64:
        raise MalformedRequest("old size does not fit in 64 bits")
    return value


def parse_add_checkpoint(body: bytes) -> AddCheckpointRequest:
    """Split the body into old size, proof hashes and the checkpoint note text."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise MalformedRequest("the body is not UTF-8") from e
    head, sep, note = text.partition("\n\n")
    if not sep:
        raise MalformedRequest("no empty line between the proof and the checkpoint")
    lines = head.split("\n")
    first = lines[0]
    if not first.startswith("old "):
        raise MalformedRequest("the body must start with an 'old <size>' line")
    old_size = _decimal(first[4:])
    proof_lines = lines[1:]
    if len(proof_lines) > MAX_PROOF_LINES:
        raise MalformedRequest(f"{len(proof_lines)} consistency proof lines; at most "
                               f"{MAX_PROOF_LINES} are allowed")
    proof: list[bytes] = []
    for position, line in enumerate(proof_lines):
        try:
            value = b64decode_strict(line, f"consistency proof line {position + 1}")
        except NoteError as e:
            raise MalformedRequest(e.diagnostics()) from e
        if len(value) != HASH_SIZE:
            raise MalformedRequest(f"consistency proof line {position + 1} is not a "
                                   f"{HASH_SIZE}-byte hash")
        proof.append(value)
    return AddCheckpointRequest(old_size, tuple(proof), note)


def format_add_checkpoint(old_size: int, proof: tuple[bytes, ...], note: str) -> bytes:
    lines = [f"old {old_size}", *(base64.b64encode(h).decode("ascii") for h in proof)]
    return ("\n".join(lines) + "\n\n" + note).encode("utf-8")
