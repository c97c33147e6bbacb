"""Shared fixtures: the shared vulndata folder, the embedded snapshot, small stores."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from spyless.vulndb.snapshot import embedded_snapshot
from spyless.vulndb.store import Store

VULNDATA = Path(__file__).resolve().parents[4] / "shared" / "vulndata"


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the decompressed snapshot out of the user's real cache (one copy per session)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "cache"))
    monkeypatch.delenv("SPYLESS_VULNDB", raising=False)


@pytest.fixture
def snapshot() -> Iterator[Store]:
    path = embedded_snapshot()
    assert path is not None, "the embedded snapshot is missing: run scripts/build_vulndb.py"
    store = Store(path)
    yield store
    store.close()


@pytest.fixture
def empty_store(tmp_path: Path) -> Iterator[Store]:
    store = Store(tmp_path / "t.sqlite", writable=True)
    yield store
    store.close()


def vulndata(relative: str) -> Path:
    path = VULNDATA / relative
    if not path.exists():
        pytest.skip(f"shared vulndata not present: {path}")
    return path
