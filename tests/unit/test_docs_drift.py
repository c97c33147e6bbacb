"""Generated documentation must match the code; regenerate with `python -m spyless.docs`."""

from __future__ import annotations

import pytest

from spyless.docs import GENERATED
from tests.conftest import ROOT


@pytest.mark.parametrize("name", sorted(GENERATED))
def test_generated_doc_is_current(name: str) -> None:
    committed = (ROOT / name).read_text(encoding="utf-8")
    assert committed == GENERATED[name](), f"{name} is stale: run python -m spyless.docs"
