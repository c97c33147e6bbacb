"""Where the official vectors are (../shared/vectors); tests skip when it is absent."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SHARED

VECTORS = SHARED / "vectors"
MERKLE = VECTORS / "transparency-dev-merkle" / "testdata"


def vector_files(kind: str) -> list[Path]:
    folder = MERKLE / kind
    return sorted(folder.rglob("*.json")) if folder.is_dir() else []


def load(path: Path) -> dict[str, Any]:
    if not path.is_file():
        pytest.skip(f"shared vectors not present: {path}")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def b64(value: str | None) -> bytes:
    return base64.b64decode(value) if value else b""
