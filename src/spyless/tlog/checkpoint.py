"""C2SP tlog-checkpoint note text: formatting, strict parsing, signing and opening.

"Note text": origin line, tree size in decimal without leading zeroes, base64 root hash,
then optional non-empty extension lines. The log signs it as a signed note whose key name
should match the origin ("Signatures").
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence

from spyless.tlog.interface import HASH_SIZE, Checkpoint, NoteError
from spyless.tlog.merkle import EMPTY_ROOT
from spyless.tlog.note import (
    Note,
    NoteSigner,
    NoteVerifier,
    b64decode_strict,
    open_note,
    parse_note,
    sign_note,
)


def format_checkpoint(checkpoint: Checkpoint) -> str:
    """The checkpoint's note text, ending in a newline."""
    if not checkpoint.origin or "\n" in checkpoint.origin:
        raise NoteError("checkpoint origin must be one non-empty line")
    if len(checkpoint.root_hash) != HASH_SIZE or checkpoint.size < 0:
        raise NoteError("checkpoint needs a non-negative size and a 32-byte root hash")
    if any(not line or "\n" in line for line in checkpoint.extensions):
        raise NoteError("checkpoint extension lines must be non-empty single lines")
    lines = [checkpoint.origin, str(checkpoint.size),
             base64.b64encode(checkpoint.root_hash).decode("ascii"), *checkpoint.extensions]
    return "\n".join(lines) + "\n"


def parse_checkpoint(text: str) -> Checkpoint:
    """Parse checkpoint note text (no signatures) strictly."""
    if not text.endswith("\n"):
        raise NoteError("checkpoint text must end in a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise NoteError("checkpoint needs origin, tree size and root hash lines")
    origin, size_text, root_text, *extensions = lines
    if not origin:
        raise NoteError("checkpoint origin line is empty")
    if not size_text.isascii() or not size_text.isdigit() or (
            size_text != "0" and size_text.startswith("0")) or len(size_text) > 20:
        raise NoteError(f"checkpoint tree size {size_text[:30]!r} is not a decimal number")
    size = int(size_text)
    if size >= 1 << 64:
        raise NoteError("checkpoint tree size does not fit in 64 bits")
    root = b64decode_strict(root_text, "checkpoint root hash")
    if len(root) != HASH_SIZE:
        raise NoteError(f"checkpoint root hash is {len(root)} bytes, not {HASH_SIZE}")
    if size == 0 and root != EMPTY_ROOT:
        raise NoteError("checkpoint of size 0 must carry the empty tree's root hash")
    if any(not line for line in extensions):
        raise NoteError("checkpoint extension lines must be non-empty")
    return Checkpoint(origin, size, root, tuple(extensions))


def sign_checkpoint(checkpoint: Checkpoint, signers: Sequence[NoteSigner]) -> Note:
    """The signed checkpoint note."""
    return sign_note(format_checkpoint(checkpoint), signers)


def open_checkpoint(data: bytes | str, log_keys: Iterable[NoteVerifier],
                    origin: str | None = None) -> tuple[Checkpoint, Note]:
    """Verify a signed checkpoint with the log's key(s) and parse it.

    ``origin`` defaults to the first log key's name (the spec's recommendation).
    """
    keys = list(log_keys)
    note, _ = open_note(data, keys)
    checkpoint = parse_checkpoint(note.text)
    expected = origin if origin is not None else (keys[0].name if keys else None)
    if expected is not None and checkpoint.origin != expected:
        raise NoteError(f"checkpoint origin {checkpoint.origin!r} is not the expected "
                        f"{expected!r} (pass the log's origin if it differs from its key name)")
    return checkpoint, note


def read_checkpoint_note(data: bytes | str) -> tuple[Checkpoint, Note]:
    """Parse a signed checkpoint without verifying it (for storage and display only)."""
    note = parse_note(data)
    return parse_checkpoint(note.text), note
