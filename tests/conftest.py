"""Shared test helpers: where the shared corpus is, and running one handler on bytes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from spyless.unpack.interface import Handler, Limits
from spyless.unpack.sandbox import Budget, Sink

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SPYLESS_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus"


def corpus_file(relative: str) -> Path:
    """A file of ../shared/corpus, or skip the test with the reason."""
    path = CORPUS / relative
    if not path.is_file():
        pytest.skip(f"shared corpus file not present: {path}")
    return path


def run_handler(
    handler: Handler, blob: bytes, out: Path, start: int = 0, limits: Limits | None = None
) -> tuple[Sink, int | None]:
    """Parse at ``start`` and extract through a fresh sink into ``out``; return sink and end."""
    chunk = handler.parse(blob, start)
    assert chunk is not None, f"{handler.name} did not recognise its input at {start}"
    sink = Sink(out, f"test!{handler.name}@0x{start:x}", Budget(limits or Limits(), len(blob)))
    end = handler.extract(blob, chunk, sink)
    sink.finish()
    return sink, end if chunk.end is None else chunk.end


def tree(root: Path) -> dict[str, bytes | str]:
    """Regular files (content) and symlinks ('-> target') below root, by relative path."""
    found: dict[str, bytes | str] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            found[rel] = "-> " + os.readlink(path)
        elif path.is_file():
            found[rel] = path.read_bytes()
    return found


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    return tmp_path / "out"
