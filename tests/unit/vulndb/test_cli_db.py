"""``spyless db info|import`` through click, on temporary databases."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from spyless.cli.db import db_group


def test_info_on_the_snapshot_warns_stale() -> None:
    result = CliRunner().invoke(db_group, ["info"])
    assert result.exit_code == 0, result.output
    assert "newest record: 2026-07-14T12:16:47" in result.output
    assert "cve5:linux" in result.output
    assert "14626" in result.output
    assert "warning: the newest record is" in result.output  # stale, but not a failure
    assert "not endorsed or certified by the NVD" in result.output


def test_import_autodetects_into_db(tmp_path: Path) -> None:
    feed = tmp_path / "page.json"
    feed.write_text(json.dumps({"format": "NVD_CVE", "version": "2.0", "vulnerabilities": [
        {"cve": {"id": "CVE-2099-0100", "vulnStatus": "Analyzed",
                 "lastModified": "2099-01-01T00:00:00.000", "descriptions": []}}]}))
    db = tmp_path / "my.sqlite"
    result = CliRunner().invoke(db_group, ["import", str(feed), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "nvd-2.0: 1 records" in result.output
    info = CliRunner().invoke(db_group, ["info", "--db", str(db)])
    assert "newest record: 2099-01-01T00:00:00" in info.output
    assert "warning" not in info.output


def test_import_of_garbage_is_a_spyless_error(tmp_path: Path) -> None:
    feed = tmp_path / "x.json"
    feed.write_text('{"a": 1}')
    result = CliRunner().invoke(db_group, ["import", str(feed), "--db", str(tmp_path / "d")])
    assert result.exit_code != 0
    assert "not a known vulnerability feed" in str(result.exception)
