"""``spyless diff`` and ``spyless equivalence`` on image pairs built from the same sources
by ``scripts/build_release_pairs.py`` (real gcc, mksquashfs, mkimage, Debian BusyBox), on
the demo image and on the TP-Link image of the shared corpus."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from spyless.cli import main as cli_main
from spyless.diff.delta import diff_images
from spyless.diff.equivalence import equivalence_verdict
from spyless.diff.interface import EXIT_USAGE, EquivalenceVerdict, PairStatus, Rule
from tests.conftest import corpus_file

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "build_release_pairs.py"
PAIRS_DIR = Path(os.environ.get("SPYLESS_PAIRS_DIR", ROOT / "build" / "release-pairs"))
TPLINK = "firmware/tplink_tl-wr841n_v10_en_3.16.9_build150310.bin"


def _script_stamp() -> str:
    spec = importlib.util.spec_from_file_location("spyless_release_pairs", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return str(module.source_stamp())


@pytest.fixture(scope="session")
def pairs() -> Path:
    """The built pairs (built once, rebuilt when the script changes)."""
    manifest = PAIRS_DIR / "pairs.json"
    if manifest.is_file() and json.loads(manifest.read_text()).get("stamp") == _script_stamp():
        return PAIRS_DIR
    done = subprocess.run([sys.executable, str(SCRIPT), str(PAIRS_DIR)], check=False,
                          capture_output=True, text=True, timeout=900)
    if done.returncode in (2, 3):
        pytest.skip(f"release pairs cannot be built here: {done.stderr.strip()}")
    assert done.returncode == 0, f"build_release_pairs.py failed:\n{done.stderr}"
    return PAIRS_DIR


@pytest.fixture
def run_cli() -> Any:
    return cli_main.main


def test_same_sources_built_twice_are_equivalent_modulo_benign(pairs: Path) -> None:
    result = equivalence_verdict(pairs / "rebuild-a.bin", pairs / "rebuild-b.bin")
    assert result.verdict is EquivalenceVerdict.EQUIVALENT_MODULO_BENIGN
    counts = result.counts()
    assert counts[PairStatus.DIFFERENT] == counts[PairStatus.ONLY_BUILT] == 0
    assert counts[PairStatus.ONLY_DEPLOYED] == 0
    benign = {p.key: set(p.rules) for p in result.with_status(PairStatus.BENIGN)}
    assert benign == {
        "": {Rule.CONTAINER_REENCODED, Rule.PADDING, Rule.SIGNATURE},
        "!squashfs#0/etc/build-info": {Rule.TIMESTAMP},
        "!squashfs#0/usr/sbin/vendord": {Rule.BUILD_ID, Rule.BUILD_PATH, Rule.TIMESTAMP},
        "!uimage#0/kernel.lzma": {Rule.CONTAINER_REENCODED},
        "!uimage#0/kernel.lzma!lzma#0/lzma.out": {Rule.TIMESTAMP},
    }
    vendord = next(p for p in result.pairs if p.key == "!squashfs#0/usr/sbin/vendord")
    # The debug info is path-mapped by the build (as reproducible builds do); the build path
    # that remains is __FILE__ in .rodata.
    assert {n.detail for n in vendord.normalisations} >= {
        "section .note.gnu.build-id", "section .rodata"}


def test_a_patched_image_is_not_equivalent_and_diff_shows_the_backdoor(pairs: Path) -> None:
    result = equivalence_verdict(pairs / "rebuild-a.bin", pairs / "patched.bin")
    assert result.verdict is EquivalenceVerdict.NOT_EQUIVALENT
    different = {p.key for p in result.with_status(PairStatus.DIFFERENT)}
    assert different == {"", "!squashfs#0/etc/passwd", "!squashfs#0/etc/shadow",
                         "!squashfs#0/usr/sbin/vendord"}
    vendord = next(p for p in result.pairs if p.key == "!squashfs#0/usr/sbin/vendord")
    assert {".text", ".rodata"} <= set(vendord.sections)

    delta = diff_images(pairs / "rebuild-a.bin", pairs / "patched.bin", jobs=1)
    added = {(f.kind, f.item) for f in delta.facts if f.change.value == "added"}
    assert ("account", "maint") in added
    assert ("endpoint", "support-gw.vendor-remote.example") in added
    new = {(f.id, f.location.path) for f in delta.new_findings()}
    assert ("SPY101", "/etc/shadow") in new  # a second uid-0 account
    assert delta.resolved_findings() == ()
    changed = {f.key: f for f in delta.files}
    assert set(changed) == {"!squashfs#0/etc/passwd", "!squashfs#0/etc/shadow",
                            "!squashfs#0/usr/sbin/vendord"}
    # the patched daemon is the same program with a feature added, not another program
    assert changed["!squashfs#0/usr/sbin/vendord"].similarity in ("rebuilt", "modified")


def test_a_component_upgrade_shows_the_version_and_the_fixed_cves(pairs: Path) -> None:
    delta = diff_images(pairs / "busybox-old.bin", pairs / "rebuild-a.bin", jobs=1)
    busybox = next(c for c in delta.components if c.name == "busybox")
    assert (busybox.change, busybox.old_version, busybox.new_version) == (
        "upgraded", "1.30.1", "1.35.0")
    assert "CVE-2021-28831" in busybox.fixed  # fixed in 1.33.1
    assert {v.id for v in delta.vulnerabilities if v.change == "fixed"} == set(busybox.fixed)
    assert [(f.key, f.similarity) for f in delta.files] == [("!squashfs#0/bin/busybox",
                                                             "rebuilt")]


def test_cli_exit_codes(pairs: Path, run_cli: Any, tmp_path: Path,
                        capsys: pytest.CaptureFixture[str]) -> None:
    a, b, patched = (str(pairs / f"{n}.bin") for n in ("rebuild-a", "rebuild-b", "patched"))
    assert run_cli(["equivalence", a, a, "-q"]) == 0
    assert run_cli(["equivalence", a, b, "-q"]) == 1
    assert run_cli(["equivalence", a, b, "-q", "--benign-ok"]) == 0
    assert run_cli(["equivalence", a, patched, "-q", "--format", "json", "-o",
                    str(tmp_path / "eq")]) == 2
    assert json.loads((tmp_path / "eq.json").read_text())["verdict"] == "not-equivalent"
    assert run_cli(["equivalence", a, str(tmp_path / "missing.bin"), "-q"]) == EXIT_USAGE
    assert run_cli(["equivalence", a]) == EXIT_USAGE
    assert run_cli(["equivalence", a, b, "--format", "pdf"]) == EXIT_USAGE
    assert "unknown format 'pdf'" in capsys.readouterr().err

    notes = tmp_path / "notes.toml"
    notes.write_text('[[changes]]\nkind = "account"\nchange = "added"\nitem = "maint"\n')
    assert run_cli(["diff", a, patched, "-q", "--release-notes", str(notes)]) == 1
    notes.write_text(notes.read_text() + '\n[[changes]]\nkind = "endpoint"\nchange = "added"\n'
                     'item = "vendor-remote.example"\n')
    assert run_cli(["diff", a, patched, "-q", "--release-notes", str(notes), "--format",
                    "sarif,markdown", "-o", str(tmp_path / "d")]) == 0
    sarif = json.loads((tmp_path / "d.sarif").read_text())
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} >= {"SPY101"}


def test_diff_from_reports(pairs: Path, tmp_path: Path, run_cli: Any) -> None:
    for name in ("rebuild-a", "patched"):
        assert run_cli(["scan", str(pairs / f"{name}.bin"), "-q", "-o",
                        str(tmp_path / f"{name}.json")]) == 0
    assert run_cli(["diff", "--old-report", str(tmp_path / "rebuild-a.json"), "--new-report",
                    str(tmp_path / "patched.json"), "-q", "--format", "json", "-o",
                    str(tmp_path / "delta.json")]) == 0
    data = json.loads((tmp_path / "delta.json").read_text())
    assert data["files_compared"] is False
    assert "maint" in [f["item"] for f in data["facts"]]


@pytest.mark.skipif(shutil.which("diffoscope") is None, reason="diffoscope is not installed")
def test_deep_look_with_diffoscope(pairs: Path, run_cli: Any,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["equivalence", str(pairs / "rebuild-a.bin"), str(pairs / "rebuild-b.bin"),
                    "--deep", "/etc/build-info"]) == 1
    assert "2023-11-17" in capsys.readouterr().out


def test_demo_image_is_equivalent_to_itself() -> None:
    demo = ROOT / "examples" / "demo-router.bin"
    result = equivalence_verdict(demo, demo)
    assert result.verdict is EquivalenceVerdict.EQUIVALENT
    assert len(result.pairs) == 111


def test_tplink_repacked_with_new_timestamps(tmp_path: Path) -> None:
    image = corpus_file(TPLINK)
    spec = importlib.util.spec_from_file_location("spyless_eq_bench",
                                                  ROOT / "bench" / "equivalence_bench.py")
    assert spec is not None
    assert spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)  # the bench's own re-packer
    copy = tmp_path / "repacked.bin"
    bench.repack(image, copy)
    result = equivalence_verdict(image, copy)
    assert result.verdict is EquivalenceVerdict.EQUIVALENT_MODULO_BENIGN
    benign = {p.key: [(n.rule, n.detail) for n in p.normalisations if n.rule is not
                      Rule.CHILD_FILE] for p in result.with_status(PairStatus.BENIGN)}
    assert benign == {
        "": [(Rule.CHECKSUM, "TP-Link header MD5"), (Rule.CHECKSUM, "TP-Link header MD5")],
        "!tplink#0/rootfs": [(Rule.TIMESTAMP, "SquashFS mkfs_time")],
        "!tplink#0/u-boot.bin": [(Rule.CHECKSUM, "uImage ih_hcrc"),
                                 (Rule.TIMESTAMP, "uImage ih_time")],
    }
