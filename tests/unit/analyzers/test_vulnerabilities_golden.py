"""Golden: the whole pipeline on the demo image and the real TP-Link image."""

from __future__ import annotations

from pathlib import Path

import pytest

from spyless.audit import Auditor
from spyless.report.model import Report
from spyless.vulndb.snapshot import embedded_snapshot
from tests.conftest import corpus_file

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "cache"))
    monkeypatch.delenv("SPYLESS_VULNDB", raising=False)
    embedded_snapshot()  # first use unpacks it (about a second); timings below are warm


def _spy610(report: Report) -> dict[str, str]:
    return {f.message.split(":")[0]: f.message for f in report.findings if f.id == "SPY610"}


def test_demo_image(tmp_path: Path) -> None:
    report = Auditor(jobs=1).scan(ROOT / "examples/demo-router.bin", tmp_path / "w")
    found = _spy610(report)
    busybox = found.get("busybox 1.35.0")
    if busybox is None:
        pytest.skip("the components analyzer did not report BusyBox 1.35.0")
    assert "3 known vulnerabilities" in busybox
    ids = {v.id for v in report.vulnerabilities if v.component == "busybox"}
    assert {"CVE-2022-30065", "CVE-2022-48174"} <= ids
    assert report.timings["analyzer:vulnerabilities"] < 1.0


@pytest.mark.corpus
def test_tplink_image(tmp_path: Path) -> None:
    image = corpus_file("firmware/tplink_tl-wr841n_v10_en_3.16.9_build150310.bin")
    report = Auditor(jobs=2).scan(image, tmp_path / "w")
    found = _spy610(report)
    if not any(k.startswith("busybox") for k in found):
        pytest.skip("the components analyzer did not report BusyBox")
    assert "busybox 1.01" in found
    assert "17 known vulnerabilities" in found["busybox 1.01"]
    assert "dropbear 2012.55" in found
    assert "13 known vulnerabilities" in found["dropbear 2012.55"]
    assert "uclibc 0.9.30" in found
    kernel = [k for k in found if k.endswith("2.6.31")]
    assert kernel
    ids = {v.id for v in report.vulnerabilities}
    assert {"CVE-2016-2148", "CVE-2017-16544", "CVE-2016-7406", "CVE-2021-43523"} <= ids
    eol = [f.message for f in report.findings if f.id == "SPY612"]
    assert any("2.6.31" in m and "2016-03-12" in m for m in eol)
    assert report.timings["analyzer:vulnerabilities"] < 0.5
