"""Fixtures for the integration tests: the images built by ``scripts/build_images.py``.

The images are built once into ``build/images`` (or ``$SPYLESS_IMAGES_DIR``) and reused
while the script's sources are unchanged. Where the Debian binaries cannot be had, the
tests that need them skip with the script's reason.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "build_images.py"
EXAMPLES = ROOT / "examples"
IMAGES_DIR = Path(os.environ.get("SPYLESS_IMAGES_DIR", ROOT / "build" / "images"))
BUILD_TIMEOUT = 1200


def load_build_script() -> ModuleType:
    """``scripts/build_images.py`` as a module (for its image list and source stamp)."""
    spec = importlib.util.spec_from_file_location("spyless_build_images", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BUILD = load_build_script()
IMAGE_NAMES = [spec.name for spec in BUILD.IMAGES]


@pytest.fixture(scope="session")
def built_images() -> dict[str, Any]:
    """The manifest of the built images (building them when absent or stale)."""
    manifest_path = IMAGES_DIR / "manifest.json"
    if manifest_path.is_file():
        manifest: dict[str, Any] = json.loads(manifest_path.read_text())
        if manifest.get("stamp") == BUILD.source_stamp() and not manifest.get("skipped"):
            return manifest
    done = subprocess.run([sys.executable, str(SCRIPT), str(IMAGES_DIR)], check=False,
                          capture_output=True, text=True, timeout=BUILD_TIMEOUT)
    if done.returncode == BUILD.EXIT_NO_BINARIES:
        pytest.skip(f"test images cannot be built here: {done.stderr.strip()}")
    assert done.returncode == 0, f"build_images.py failed:\n{done.stdout}\n{done.stderr}"
    built: dict[str, Any] = json.loads(manifest_path.read_text())
    return built


def image_record(manifest: dict[str, Any], name: str) -> dict[str, Any]:
    """The manifest entry of one image, or skip with the reason it was not built."""
    if name in manifest["skipped"]:
        pytest.skip(f"{name} was not built: {manifest['skipped'][name]}")
    record: dict[str, Any] = manifest["images"][name]
    return record


def expected_tree(name: str, folder: Path = IMAGES_DIR) -> dict[str, str]:
    tree: dict[str, str] = json.loads((folder / f"{name}.expected.json").read_text())
    return tree
