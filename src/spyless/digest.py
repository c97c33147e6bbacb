"""The sha256 of a file, read in blocks: how spyless names an image everywhere."""

from __future__ import annotations

import hashlib
from pathlib import Path

from spyless.errors import InputError


def file_sha256(path: Path) -> str:
    """Hex sha256 of the file's bytes; an unreadable file is an InputError."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
    except OSError as e:
        raise InputError(f"cannot read {path}: {e.strerror or e}") from e
    return digest.hexdigest()
