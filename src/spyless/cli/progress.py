"""Progress of an unpacking on a terminal (rich status line); nothing when piped or quiet."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console

from spyless.unpack.engine import ProgressCallback


@contextmanager
def unpack_progress(quiet: bool, label: str = "unpacking") -> Iterator[ProgressCallback | None]:
    """A callback for Unpacker/Auditor that updates a status line, or None when not shown."""
    console = Console(stderr=True, quiet=quiet)
    if quiet or not console.is_terminal:
        yield None
        return
    with console.status(f"{label}…") as status:
        def progress(chain: str, files: int, written: int) -> None:
            status.update(f"{label}: {files} files, {written / 1e6:.1f} MB  {chain[-60:]}")
        yield progress
