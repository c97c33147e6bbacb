"""The log's side of c2sp.org/tlog-witness: ask witnesses to cosign a checkpoint and merge
their cosignatures into the log.

For each witness, :func:`request_cosignature` sends ``add-checkpoint`` with the old size
the witness is believed to hold (0 when unknown) and the consistency proof from it; on
"409 Conflict" it learns the witness's size from the body and retries once with the right
proof. Only cosignatures that verify under the witness key the caller trusts are kept
("the client MUST ignore any cosignatures from unknown keys").
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass

from spyless.tlog.checkpoint import read_checkpoint_note
from spyless.tlog.cosignature import verified_witnesses
from spyless.tlog.interface import NoteError, TlogError
from spyless.tlog.log import Log
from spyless.tlog.note import Note, NoteSignature, NoteVerifier, parse_note
from spyless.witness.interface import MAX_REQUEST_SIZE, WitnessError
from spyless.witness.protocol import format_add_checkpoint

_MAX_ANSWER = 1 << 20


@dataclass(frozen=True, slots=True)
class WitnessEndpoint:
    """A witness: its submission prefix URL and the cosigner key it is trusted by."""

    url: str
    key: NoteVerifier


@dataclass(frozen=True, slots=True)
class CosignOutcome:
    """What one witness did: ``signatures`` it returned (verified), or ``error``."""

    witness: str
    signatures: tuple[NoteSignature, ...] = ()
    error: str | None = None


def _post(url: str, body: bytes, timeout: float) -> tuple[int, bytes]:
    if not url.startswith(("http://", "https://")):
        raise WitnessError(f"witness URL {url!r} is not http:// or https://")
    request = urllib.request.Request(url, data=body, method="POST", headers={  # noqa: S310
        "Content-Type": "text/plain; charset=utf-8", "User-Agent": "spyless-witness-client"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
            return int(answer.status), answer.read(_MAX_ANSWER)
    except urllib.error.HTTPError as e:
        with e:
            return int(e.code), e.read(_MAX_ANSWER)
    except (urllib.error.URLError, OSError) as e:
        raise WitnessError(f"cannot reach witness {url}: {e}") from e


def _reason(status: int, body: bytes) -> str:
    text = body.decode("utf-8", "replace").strip()
    if text.startswith("{"):
        try:
            return str(json.loads(text).get("error", text))
        except (ValueError, AttributeError):
            pass
    return text.splitlines()[0][:300] if text else f"HTTP {status}"


def request_cosignature(log: Log, note: str, endpoint: WitnessEndpoint, old_size: int = 0,
                        timeout: float = 10.0) -> tuple[NoteSignature, ...]:
    """The witness's verified cosignature(s) on ``note`` (a checkpoint ``log`` signed)."""
    checkpoint, parsed = read_checkpoint_note(note)
    url = endpoint.url.rstrip("/") + "/add-checkpoint"
    old = old_size
    for _ in range(2):
        if old > checkpoint.size:
            raise WitnessError(f"witness {endpoint.key.name} already cosigned size {old}, newer "
                               f"than this checkpoint ({checkpoint.size}): sign a new one")
        proof = () if old in (0, checkpoint.size) else log.consistency_proof(
            old, checkpoint.size).hashes
        body = format_add_checkpoint(old, proof, note)
        if len(body) > MAX_REQUEST_SIZE:
            raise WitnessError("the checkpoint and proof are too large for a witness request")
        status, answer = _post(url, body, timeout)
        if status == 409:
            text = answer.decode("ascii", "replace").strip()
            if not text.isdigit():
                raise WitnessError(f"witness {endpoint.key.name} answered 409 without a size")
            old = int(text)
            continue
        if status != 200:
            raise WitnessError(f"witness {endpoint.key.name} refused (HTTP {status}): "
                               f"{_reason(status, answer)}")
        return _verified(parsed, answer, endpoint)
    raise WitnessError(f"witness {endpoint.key.name} keeps changing its size; try again")


def _verified(note: Note, answer: bytes, endpoint: WitnessEndpoint) -> tuple[NoteSignature, ...]:
    try:
        lines = parse_note(note.text + "\n" + answer.decode("utf-8")).signatures
        mine = tuple(s for s in lines if (s.name, s.key_id) == (endpoint.key.name,
                                                                endpoint.key.key_id))
        if not mine or not verified_witnesses(Note(note.text, mine), [endpoint.key]):
            raise WitnessError(f"witness {endpoint.key.name} answered without a cosignature "
                               "from its trusted key")
    except (NoteError, UnicodeDecodeError) as e:
        detail = e.diagnostics() if isinstance(e, TlogError) else "not UTF-8"
        raise WitnessError(f"witness {endpoint.key.name} answered with bad cosignatures: "
                           f"{detail}") from e
    return mine


def cosign_checkpoint(log: Log, endpoints: Sequence[WitnessEndpoint], note: str | None = None,
                      timeout: float = 10.0) -> tuple[str, tuple[CosignOutcome, ...]]:
    """Ask every witness to cosign ``note`` (default: the latest checkpoint), merge what
    verified into the log, and return the merged note with each witness's outcome."""
    text = note if note is not None else log.latest_checkpoint()
    if text is None:
        raise WitnessError("the log has no signed checkpoint yet: run 'spyless log checkpoint'")
    parsed = parse_note(text)
    outcomes: list[CosignOutcome] = []
    gathered: list[NoteSignature] = []
    for endpoint in endpoints:
        try:
            signatures = request_cosignature(log, text, endpoint, timeout=timeout)
        except (WitnessError, TlogError) as e:
            outcomes.append(CosignOutcome(endpoint.key.name, error=e.diagnostics()))
            continue
        gathered += signatures
        outcomes.append(CosignOutcome(endpoint.key.name, signatures))
    merged = Note(parsed.text, parsed.signatures + tuple(gathered)).render()
    if gathered:
        merged = log.add_signatures(merged)
    return merged, tuple(outcomes)
