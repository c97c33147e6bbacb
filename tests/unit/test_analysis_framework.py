"""The analyzer framework: parallel runs, error containment, plugins, masking, report keys."""

from __future__ import annotations

import json
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import ClassVar

import pytest

from spyless.analyzers import registry
from spyless.analyzers.image import ImageView
from spyless.analyzers.interface import FileAnalyzer, FileInput, ImageAnalyzer, Output, split_chain
from spyless.cli.main import main
from spyless.errors import Error
from spyless.model.facts import Credential
from spyless.model.findings import FindingSpec, Severity, mask_secret
from spyless.report.json_format import render_json
from spyless.unpack.interface import ArtifactKind
from tests.analyzers_helpers import scan_tree

SPY199 = FindingSpec("SPY199", "Test secret", Severity.HIGH, 798, "A test finding.", "Fix it.")


class SecretFinder(FileAnalyzer):
    """Reports every line 'secret=VALUE' as a credential and a finding."""

    name = "test-secret-finder"
    description = "test"
    findings: ClassVar[tuple[FindingSpec, ...]] = (SPY199,)
    kinds = frozenset({ArtifactKind.TEXT})

    def analyze(self, file: FileInput, out: Output) -> None:
        text = file.text()
        start = text.find("secret=")
        if start < 0:
            return
        value = text[start + 7:].split("\n", 1)[0]
        where = file.location(offset=start)
        out.add(Credential("hardcoded-password", value, where, context="secret="))
        out.finding(SPY199, f"secret {value} in {file.fs_path}", where,
                    excerpt=f"secret={value}", secret=value)


class Exploding(FileAnalyzer):
    name = "test-exploding"
    description = "test"
    path_patterns = ("/etc/boom*",)

    def analyze(self, file: FileInput, out: Output) -> None:
        raise ZeroDivisionError("analyzer bug")


class CountFiles(ImageAnalyzer):
    name = "test-count"
    description = "test"
    seen: ClassVar[list[int]] = []

    def analyze(self, image: ImageView, out: Output) -> None:
        CountFiles.seen.append(sum(len(fs.files()) for fs in image.filesystems))
        fs = image.filesystems[0]
        sh = fs.resolve("/bin/sh")
        assert sh is not None
        assert sh.chain.endswith("/bin/busybox")
        assert fs.resolve("/usr/bin/sh") is not None  # through a linked directory


def tree(n: int) -> dict[str, bytes | str]:
    files: dict[str, bytes | str] = {f"/etc/conf{i}.txt": f"name=x{i}\n" for i in range(n)}
    files["/etc/app.conf"] = "mode=1\nsecret=hunter2hunter2\n"
    files["/etc/boom.conf"] = "x"
    files["/bin/busybox"] = b"\x7fELF" + b"\0" * 60
    files["/bin/sh"] = "-> busybox"
    files["/usr/bin"] = "-> ../bin"
    return files


@pytest.mark.parametrize("jobs", [1, 2])
def test_runner_single_and_pool(tmp_path: Path, jobs: int) -> None:
    report = scan_tree(tmp_path, tree(100), file_analyzers=(SecretFinder(), Exploding()),
                       image_analyzers=(CountFiles(),), jobs=jobs)
    assert [c.secret for c in report.credentials] == ["hunter2hunter2"]
    assert [f.id for f in report.findings] == ["SPY199"]
    assert report.findings[0].location.path == "/etc/app.conf"
    assert [e.analyzer for e in report.errors] == ["test-exploding"]
    assert "ZeroDivisionError" in report.errors[0].message
    assert "analyzer:test-secret-finder" in report.timings
    assert CountFiles.seen[-1] >= 103


def test_pool_is_used_for_many_files(tmp_path: Path) -> None:
    from spyless.audit import Auditor

    report = scan_tree(tmp_path, tree(200), file_analyzers=(SecretFinder(),),
                       image_analyzers=())
    auditor = Auditor(jobs=2, file_analyzers=(SecretFinder(),), image_analyzers=())
    again = auditor.scan(tmp_path / "image.tar", tmp_path / "work2")
    assert [c.secret for c in again.credentials] == [c.secret for c in report.credentials]


def test_json_report_masks_secrets_unless_asked(tmp_path: Path) -> None:
    report = scan_tree(tmp_path, tree(3), file_analyzers=(SecretFinder(),), image_analyzers=())
    masked = render_json(report)
    assert "hunter2hunter2" not in masked
    assert mask_secret("hunter2hunter2") in masked
    shown = json.loads(render_json(report, show_secrets=True))
    assert shown["credentials"][0]["secret"] == "hunter2hunter2"
    for key in ("image", "findings", "accounts", "credentials", "keys", "services",
                "endpoints", "components", "errors", "timings"):
        assert key in shown


def test_split_chain() -> None:
    assert split_chain("fw!squashfs@0x10/etc/shadow") == ("fw!squashfs@0x10", "/etc/shadow")
    assert split_chain("fw!a@0x0/x!tar@0x0/b/c") == ("fw!a@0x0/x!tar@0x0", "/b/c")
    assert split_chain("fw") == ("fw", "/")


def test_plugins_come_from_entry_points(monkeypatch: pytest.MonkeyPatch) -> None:
    point = EntryPoint("secret", f"{__name__}:SecretFinder", registry.ENTRY_POINT_GROUP)
    monkeypatch.setattr(registry, "entry_points", lambda group: [point])
    files, _images = registry.all_analyzers()
    assert any(isinstance(a, SecretFinder) for a in files)
    assert "SPY199" in registry.catalogue()
    bad = EntryPoint("bad", "json:dumps", registry.ENTRY_POINT_GROUP)
    monkeypatch.setattr(registry, "entry_points", lambda group: [bad])
    with pytest.raises(Error, match="not an analyzer"):
        registry.all_analyzers()


def test_explain_known_and_unknown(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "SPY801"]) == 0
    assert "escape the extraction root" in capsys.readouterr().out
    assert main(["explain", "SPY000"]) == 2
    assert "unknown finding id" in capsys.readouterr().err


def test_scan_cli_writes_report(tmp_path: Path) -> None:
    image = Path(__file__).resolve().parents[2] / "examples/demo-router.bin"
    out = tmp_path / "r.json"
    assert main(["scan", str(image), "-o", str(out), "-q", "-j", "1"]) == 0
    data = json.loads(out.read_text())
    assert data["image"]["name"] == "demo-router.bin"
    assert data["extraction"]["files"] > 20


def test_image_view_reads_each_file_once(tmp_path: Path) -> None:
    from spyless.analyzers.image import ImageView
    from spyless.unpack.engine import unpack

    image = tmp_path / "image.tar"
    scan_tree(tmp_path, {"/etc/app.conf": "secret=x\n" * 1000}, file_analyzers=(),
              image_analyzers=())
    result = unpack(image, tmp_path / "again")
    view = ImageView.build(result, [])
    conf = next(a for a in result.artifacts if a.chain.endswith("/etc/app.conf"))
    first = view.read(conf, 100)
    assert conf.path is not None
    (result.output / conf.path).unlink()  # a second read must come from the cache
    assert view.read(conf, 100) == first
    assert view.read(conf) == b"secret=x\n" * 1000
