"""The fuzz targets in fuzz/ keep working: each runs on mutated seeds without a crash."""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import ROOT

TARGETS = sorted((ROOT / "fuzz").glob("fuzz_*.py"))


def load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def seeds_of(module: ModuleType) -> list[bytes]:
    for name in ("seeds", "_seeds", "_fixtures"):
        found = getattr(module, name, None)
        if callable(found):
            result = found()
            if result:
                return list(result)
    return [b"\x00" * 64]


def test_every_handler_package_has_a_target() -> None:
    names = {p.stem for p in TARGETS}
    assert {"fuzz_archive", "fuzz_compression", "fuzz_filesystem", "fuzz_firmware",
            "fuzz_squashfs", "fuzz_engine"} <= names


@pytest.mark.parametrize("path", TARGETS, ids=lambda p: p.stem)
def test_target_survives_mutations(path: Path) -> None:
    module = load(path)
    rng = random.Random(1234)
    pool = seeds_of(module)
    for seed in pool[:6]:
        module.TestOneInput(seed)
    for _ in range(25):
        raw = bytearray(rng.choice(pool))
        for _ in range(rng.randint(1, 6)):
            if raw:
                raw[rng.randrange(len(raw))] = rng.randrange(256)
        if rng.random() < 0.3 and raw:
            del raw[rng.randrange(len(raw)):]
        module.TestOneInput(bytes(raw))
