"""The committed snapshot is what scripts/build_vulndb.py builds from ../shared/vulndata."""

from __future__ import annotations

import importlib.util
import lzma
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import pytest

from spyless.vulndb.snapshot import SNAPSHOT_NAME, age_days, open_writable, user_db_path
from spyless.vulndb.store import Store
from tests.unit.vulndb.conftest import VULNDATA, vulndata

ROOT = Path(__file__).resolve().parents[3]


def test_snapshot_metadata(snapshot: Store) -> None:
    meta = snapshot.meta()
    assert meta["snapshot_date"] == "2026-07-14T12:16:47"  # newest record, not build time
    counts = {s.name: s.records for s in snapshot.sources()}
    assert counts == {"nvd-1.1": 5801, "nvd-2.0": 17, "cve5:openssl": 272, "curl": 206,
                      "cve5:linux": 14626, "osv:OSS-Fuzz": 281}
    assert all(s.licence for s in snapshot.sources())
    data = resources.files("spyless.data.vulndb")
    assert data.joinpath(SNAPSHOT_NAME).read_bytes()[:6] == b"\xfd7zXZ\x00"
    assert len(data.joinpath(SNAPSHOT_NAME).read_bytes()) < 4 << 20
    notice = data.joinpath("NOTICE.md").read_text()
    assert "This product uses data from the NVD API but is not endorsed or certified by the NVD." \
        in notice
    assert "CVE Terms of Use" in notice
    assert "CC BY 4.0" in notice
    for name in ("LICENSE.curl-www", "LICENSE.CC-BY-4.0", "cve-tou.txt"):
        assert data.joinpath(name).is_file()


def test_stale_age() -> None:
    now = datetime(2026, 11, 27, tzinfo=UTC)
    assert age_days("2026-07-14T12:16:47", now) == 135
    assert age_days(None, now) is None
    assert age_days("garbage", now) is None


def test_writable_copy_starts_from_the_snapshot(snapshot: Store) -> None:
    store = open_writable()
    try:
        assert store.path == user_db_path()
        assert store.meta()["snapshot_date"] == snapshot.meta()["snapshot_date"]
    finally:
        store.close()


@pytest.mark.slow
def test_rebuild_matches_committed(tmp_path: Path, snapshot: Store) -> None:
    vulndata("SOURCES.md")
    spec = importlib.util.spec_from_file_location("build_vulndb", ROOT / "scripts/build_vulndb.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rebuilt = module.build(VULNDATA, tmp_path / "vulndb.sqlite")
    try:
        assert rebuilt.meta() == snapshot.meta()
        assert rebuilt.sources() == snapshot.sources()
        for table in ("vulns", "rules", "records"):
            query = f"SELECT count(*) FROM {table}"  # noqa: S608 - constant table names
            assert rebuilt.db.execute(query).fetchone() == snapshot.db.execute(query).fetchone()
    finally:
        rebuilt.close()
    committed = lzma.decompress(resources.files("spyless.data.vulndb").joinpath(
        SNAPSHOT_NAME).read_bytes())
    assert committed[:16] == b"SQLite format 3\x00"
