"""Tamper-evident transparency log: RFC 9162 Merkle tree, C2SP checkpoints, notes and tiles.

Public API (the CLI, ``spyless log serve`` and the witness build on these):

- :class:`Log` (``create``/``open``, ``append``, ``checkpoint``, ``inclusion_proof``,
  ``consistency_proof``, ``tile``, ``entries``) and :class:`Sequencer` (group commit);
- proofs: :func:`verify_inclusion`, :func:`verify_consistency`, :func:`leaf_hash`;
- notes and checkpoints: :func:`open_note`, :func:`sign_note`, :func:`open_checkpoint`,
  :func:`parse_verifier_key`, :func:`parse_signer_key`, :class:`Ed25519NoteSigner`;
- cosignatures: :class:`CosignatureSigner`, :class:`CosignatureVerifier`, :func:`cosign`;
- tiles: :func:`write_tiles`, :func:`read_resource`, :func:`parse_tile_path`;
- offline bundles: :func:`make_bundle`, :func:`verify_bundle`;
- :func:`check_envelope_entry`, the validator that makes a Log accept DSSE envelopes only.
"""

from spyless.tlog.bundle import (
    ProofBundle,
    VerifiedInclusion,
    bundle_from_json,
    bundle_to_json,
    make_bundle,
    verify_bundle,
)
from spyless.tlog.checkpoint import (
    format_checkpoint,
    open_checkpoint,
    parse_checkpoint,
    sign_checkpoint,
)
from spyless.tlog.cosignature import (
    CosignatureSigner,
    CosignatureVerifier,
    cosign,
    parse_witness_key,
    verified_witnesses,
)
from spyless.tlog.entries import check_envelope_entry
from spyless.tlog.interface import (
    MAX_ENTRY_SIZE,
    BundleError,
    Checkpoint,
    ConsistencyProof,
    EntryError,
    InclusionProof,
    NoteError,
    ProofError,
    StorageError,
    TlogError,
)
from spyless.tlog.log import Log
from spyless.tlog.merkle import leaf_hash, verify_consistency, verify_inclusion
from spyless.tlog.note import (
    Ed25519NoteSigner,
    Ed25519NoteVerifier,
    Note,
    open_note,
    parse_note,
    parse_signer_key,
    parse_verifier_key,
    sign_note,
)
from spyless.tlog.sequencer import Sequencer
from spyless.tlog.tiles import TileRef, parse_tile_path, read_resource, write_tiles

__all__ = [
    "MAX_ENTRY_SIZE",
    "BundleError",
    "Checkpoint",
    "ConsistencyProof",
    "CosignatureSigner",
    "CosignatureVerifier",
    "Ed25519NoteSigner",
    "Ed25519NoteVerifier",
    "EntryError",
    "InclusionProof",
    "Log",
    "Note",
    "NoteError",
    "ProofBundle",
    "ProofError",
    "Sequencer",
    "StorageError",
    "TileRef",
    "TlogError",
    "VerifiedInclusion",
    "bundle_from_json",
    "bundle_to_json",
    "check_envelope_entry",
    "cosign",
    "format_checkpoint",
    "leaf_hash",
    "make_bundle",
    "open_checkpoint",
    "open_note",
    "parse_checkpoint",
    "parse_note",
    "parse_signer_key",
    "parse_tile_path",
    "parse_verifier_key",
    "parse_witness_key",
    "read_resource",
    "sign_checkpoint",
    "sign_note",
    "verified_witnesses",
    "verify_bundle",
    "verify_consistency",
    "verify_inclusion",
    "write_tiles",
]
