"""Progress of an unpacking on a terminal (rich status line); nothing when piped or quiet."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from spyless.unpack.engine import ProgressCallback


@contextmanager
def unpack_progress(quiet: bool, label: str = "unpacking") -> Iterator[ProgressCallback | None]:
    """A callback for Unpacker/Auditor that updates a status line, or None when not shown."""
    if quiet or not sys.stderr.isatty():  # rich is loaded only when a status is shown
        yield None
        return
    from rich.console import Console  # noqa: PLC0415

    console = Console(stderr=True)
    if not console.is_terminal:
        yield None
        return
    with console.status(f"{label}…") as status:
        def progress(chain: str, files: int, written: int) -> None:
            status.update(f"{label}: {files} files, {written / 1e6:.1f} MB  {chain[-60:]}")
        yield progress
