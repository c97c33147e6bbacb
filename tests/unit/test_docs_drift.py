"""Generated documentation must match the code; regenerate with `python -m spyless.docs`."""

from __future__ import annotations

from spyless.docs import formats_markdown
from tests.conftest import ROOT


def test_formats_doc_is_current() -> None:
    committed = (ROOT / "docs/formats.md").read_text(encoding="utf-8")
    assert committed == formats_markdown(), "docs/formats.md is stale: run python -m spyless.docs"
