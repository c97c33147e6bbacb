"""The format registry and ``spyless check --format`` writing every format at once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spyless.cli import main as cli_main
from spyless.errors import UsageError
from spyless.report.formats import RENDERERS, Format, output_paths, parse_formats
from spyless.report.json_format import render_json
from tests.unit.report.samples import clean


def test_every_format_has_a_renderer() -> None:
    assert set(RENDERERS) == set(Format)
    assert parse_formats("md,markdown,HTML") == [Format.MARKDOWN, Format.HTML]
    with pytest.raises(UsageError, match="unknown format 'pdf'"):
        parse_formats("pdf")
    paths = output_paths(Path("out/report.json"), list(Format))
    assert [p.name for p in paths.values()] == ["report.json", "report.sarif", "report.html",
                                                "report.md"]


def test_check_writes_all_formats(tmp_path: Path) -> None:
    report, _ = clean()
    saved = tmp_path / "scan.json"
    saved.write_text(render_json(report), encoding="utf-8")
    code = cli_main.main(["check", "--report", str(saved), "--format",
                          "json,sarif,html,markdown", "-o", str(tmp_path / "result"), "-q"])
    assert code in (0, 1)
    assert json.loads((tmp_path / "result.json").read_text(encoding="utf-8"))["verdict"]
    assert json.loads((tmp_path / "result.sarif").read_text(encoding="utf-8"))["version"] == \
        "2.1.0"
    assert (tmp_path / "result.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert (tmp_path / "result.md").read_text(encoding="utf-8").startswith("# spyless report")
