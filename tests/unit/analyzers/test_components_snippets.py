"""Every snippet of a real banner (tests/fixtures/snippets) is detected as exactly its product."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from spyless.analyzers.components.binaries import BinaryComponents
from spyless.analyzers.components.catalog import PRODUCTS
from spyless.analyzers.interface import Output
from spyless.model.facts import Component
from spyless.unpack.interface import ArtifactKind
from tests.analyzers_helpers import run_file_analyzer

SNIPPETS = Path(__file__).resolve().parents[2] / "fixtures" / "snippets"
ROWS = list(csv.DictReader((SNIPPETS / "index.tsv").open(encoding="utf-8"), delimiter="\t"))
#: Products whose evidence is not a banner (see the snippets README).
NOT_BY_BANNER = {"uclibc", "uclibc-ng", "uhttpd", "openwrt"}


def components_of(out: Output) -> list[Component]:
    return [f for f in out.facts if isinstance(f, Component)]


@pytest.mark.parametrize("row", ROWS, ids=[r["file"] for r in ROWS])
def test_snippet_is_detected_exactly(row: dict[str, str]) -> None:
    data = (SNIPPETS / row["file"]).read_bytes()
    out = run_file_analyzer(BinaryComponents(), data, "/usr/lib/" + row["file"],
                            kind=ArtifactKind.DATA)
    assert [(c.name, c.version) for c in components_of(out)] == [(row["product"], row["version"])]


def test_every_catalogue_product_has_a_snippet() -> None:
    covered = {r["product"] for r in ROWS}
    assert set(PRODUCTS) - covered - NOT_BY_BANNER == {"xl2tpd"}


def test_snippets_are_small() -> None:
    assert all((SNIPPETS / r["file"]).stat().st_size < 2048 for r in ROWS)
