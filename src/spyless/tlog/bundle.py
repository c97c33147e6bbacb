"""Offline proof bundles: one entry's inclusion in a signed, cosigned checkpoint.

The JSON bundle (``*.tlog-proof.json``) carries the entry itself (a DSSE envelope) or its
leaf hash, the index, the RFC 9162 inclusion path and the checkpoint note verbatim with
all its signatures. The same content converts to and from the text format of
c2sp.org/tlog-proof@v1 (entry carried in its ``extra`` line). Verification follows the
steps of that spec's "Verifying a tlog proof": leaf hash, log signature and origin,
witness cosignatures against a quorum, then the inclusion proof.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from spyless.tlog.checkpoint import open_checkpoint, read_checkpoint_note
from spyless.tlog.cosignature import verified_witnesses
from spyless.tlog.interface import (
    HASH_SIZE,
    BundleError,
    Checkpoint,
    InclusionProof,
    NoteError,
    ProofError,
)
from spyless.tlog.log import Log
from spyless.tlog.merkle import leaf_hash, verify_inclusion
from spyless.tlog.note import NoteVerifier, b64decode_strict

BUNDLE_FORMAT = "https://spyless.dev/tlog-proof/v1"
TLOG_PROOF_HEADER = "c2sp.org/tlog-proof@v1"
MAX_BUNDLE_SIZE = 4 << 20


@dataclass(frozen=True, slots=True)
class ProofBundle:
    index: int
    leaf_hash: bytes
    proof: tuple[bytes, ...]
    checkpoint: str
    entry: bytes | None = None


@dataclass(frozen=True, slots=True)
class VerifiedInclusion:
    """What a bundle proved: the checkpoint and the witnesses that cosigned it."""

    checkpoint: Checkpoint
    witnesses: tuple[str, ...]
    index: int


def make_bundle(log: Log, index: int, checkpoint_note: str | None = None,
                include_entry: bool = True) -> ProofBundle:
    """A bundle for entry ``index`` against the given (or the latest stored) checkpoint."""
    note = checkpoint_note if checkpoint_note is not None else log.latest_checkpoint()
    if note is None:
        raise BundleError("the log has no signed checkpoint yet: run 'spyless log checkpoint'")
    checkpoint, _ = read_checkpoint_note(note)
    if checkpoint.origin != log.origin:
        raise BundleError(f"checkpoint is for {checkpoint.origin!r}, not this log "
                          f"{log.origin!r}")
    if not 0 <= index < checkpoint.size:
        raise BundleError(f"entry {index} is not covered by the checkpoint of size "
                          f"{checkpoint.size}; sign a newer checkpoint")
    if log.root_hash(checkpoint.size) != checkpoint.root_hash:
        raise BundleError("the checkpoint's root hash is not this log's root at that size")
    entry = log.entry(index) if include_entry else None
    proof = log.inclusion_proof(index, checkpoint.size)
    return ProofBundle(index, log.leaf_hash(index), proof.hashes, note, entry)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def bundle_to_json(bundle: ProofBundle) -> str:
    data: dict[str, Any] = {
        "format": BUNDLE_FORMAT,
        "index": bundle.index,
        "leaf_hash": _b64(bundle.leaf_hash),
        "inclusion_proof": [_b64(h) for h in bundle.proof],
        "checkpoint": bundle.checkpoint,
    }
    if bundle.entry is not None:
        data["entry"] = _b64(bundle.entry)
    return json.dumps(data, indent=1) + "\n"


def _field(data: dict[str, Any], name: str, kind: type) -> Any:
    value = data.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise BundleError(f"proof bundle field {name!r} is missing or not a {kind.__name__}")
    return value


def bundle_from_json(text: str | bytes) -> ProofBundle:
    if len(text) > MAX_BUNDLE_SIZE:
        raise BundleError("proof bundle is too large")
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise BundleError(f"proof bundle is not JSON: {e}") from e
    if not isinstance(data, dict) or data.get("format") != BUNDLE_FORMAT:
        raise BundleError(f"not a spyless proof bundle (format must be {BUNDLE_FORMAT})")
    try:
        proof = tuple(b64decode_strict(h, "inclusion proof hash") if isinstance(h, str) else b""
                      for h in _field(data, "inclusion_proof", list))
        entry_text = data.get("entry")
        entry = b64decode_strict(entry_text, "entry") if isinstance(entry_text, str) else None
        leaf = b64decode_strict(_field(data, "leaf_hash", str), "leaf hash")
    except NoteError as e:
        raise BundleError(f"proof bundle: {e}") from e
    index = _field(data, "index", int)
    if index < 0 or len(leaf) != HASH_SIZE:
        raise BundleError("proof bundle has a negative index or a malformed leaf hash")
    return ProofBundle(index, leaf, proof, _field(data, "checkpoint", str), entry)


def bundle_to_tlog_proof(bundle: ProofBundle) -> str:
    """The c2sp.org/tlog-proof@v1 text form; the entry, if any, goes in ``extra``."""
    lines = [TLOG_PROOF_HEADER]
    if bundle.entry is not None:
        lines.append(f"extra {_b64(bundle.entry)}")
    lines.append(f"index {bundle.index}")
    lines += [_b64(h) for h in bundle.proof]
    return "\n".join(lines) + "\n\n" + bundle.checkpoint


def bundle_from_tlog_proof(text: str) -> ProofBundle:
    """Parse the text form; without ``extra`` the leaf hash must come from elsewhere."""
    if len(text) > MAX_BUNDLE_SIZE:
        raise BundleError("proof is too large")
    head, sep, checkpoint = text.partition("\n\n")
    lines = head.split("\n")
    if not sep or lines[0] != TLOG_PROOF_HEADER:
        raise BundleError(f"not a {TLOG_PROOF_HEADER} proof")
    rest = lines[1:]
    entry = None
    try:
        if rest and rest[0].startswith("extra "):
            entry = b64decode_strict(rest.pop(0)[6:], "extra data")
        if not rest or not rest[0].startswith("index "):
            raise BundleError("tlog-proof has no index line")
        index_text = rest.pop(0)[6:]
        if not index_text.isdigit() or (index_text != "0" and index_text.startswith("0")):
            raise BundleError(f"tlog-proof index {index_text!r} is not a decimal number")
        proof = tuple(b64decode_strict(line, "inclusion proof hash") for line in rest)
    except NoteError as e:
        raise BundleError(f"tlog-proof: {e}") from e
    leaf = leaf_hash(entry) if entry is not None else b""
    return ProofBundle(int(index_text), leaf, proof, checkpoint, entry)


def verify_bundle(bundle: ProofBundle, log_keys: Sequence[NoteVerifier],
                  witnesses: Sequence[NoteVerifier] = (), quorum: int = 0,
                  origin: str | None = None, entry: bytes | None = None) -> VerifiedInclusion:
    """Check the bundle offline; raise a :class:`~spyless.tlog.interface.TlogError` naming
    the first thing that failed."""
    entry = entry if entry is not None else bundle.entry
    leaf = leaf_hash(entry) if entry is not None else bundle.leaf_hash
    if entry is not None and bundle.leaf_hash and leaf != bundle.leaf_hash:
        raise BundleError("the entry does not hash to the bundle's leaf hash")
    if len(leaf) != HASH_SIZE:
        raise BundleError("the bundle carries neither the entry nor a valid leaf hash")
    try:
        checkpoint, note = open_checkpoint(bundle.checkpoint, log_keys, origin)
    except NoteError as e:
        raise BundleError(f"log checkpoint: {e.diagnostics()}") from e
    try:
        cosigned = verified_witnesses(note, witnesses)
    except NoteError as e:
        raise BundleError(f"witness cosignature: {e.diagnostics()}") from e
    if len(cosigned) < quorum:
        names = ", ".join(cosigned) or "none"
        raise BundleError(f"witness quorum not met: {len(cosigned)} of the {quorum} required "
                          f"trusted witnesses cosigned the checkpoint (verified: {names})")
    try:
        verify_inclusion(InclusionProof(bundle.index, checkpoint.size, bundle.proof), leaf,
                         checkpoint.root_hash)
    except ProofError as e:
        raise BundleError(f"inclusion proof: {e.diagnostics()}") from e
    return VerifiedInclusion(checkpoint, cosigned, bundle.index)
