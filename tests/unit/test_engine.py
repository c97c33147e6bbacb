"""The engine: carving, recursion, provenance chains, gaps, budgets and error containment."""

from __future__ import annotations

import gzip
import io
import json
import os
import random
import tarfile
import zipfile
from pathlib import Path
from typing import ClassVar

import pytest

from spyless.cli.main import main
from spyless.errors import InputError, UsageError
from spyless.unpack.engine import Unpacker, UnpackResult, unpack
from spyless.unpack.interface import (
    ArtifactKind,
    Blob,
    Category,
    Chunk,
    EventKind,
    Handler,
    Limits,
    Magic,
)
from spyless.unpack.manifest import write_manifest
from spyless.unpack.registry import builtin_handlers
from spyless.unpack.sandbox import Sink


def make_tar(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 1_600_000_000
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def make_zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buf.getvalue()


def chains(result: UnpackResult) -> set[str]:
    return {a.chain for a in result.artifacts}


@pytest.fixture
def image(tmp_path: Path) -> Path:
    rng = random.Random(7)
    inner_zip = make_zip({"etc/config/network": b"option proto dhcp\n"})
    tar = make_tar({"etc/passwd": b"root:x:0:0:root:/root:/bin/sh\n", "pkg/conf.zip": inner_zip})
    blob = (rng.randbytes(1000) + gzip.compress(tar, mtime=0) + b"\xff" * 4096
            + rng.randbytes(3000))
    path = tmp_path / "fw.bin"
    path.write_bytes(blob)
    return path


def test_nested_containers_get_provenance_chains(image: Path, tmp_path: Path) -> None:
    result = unpack(image, tmp_path / "out")
    found = chains(result)
    gz = "fw.bin!gzip@0x3e8"
    tar_chain = next(c for c in found if c.startswith(gz + "/") and "!tar@0x0" in c
                     and c.endswith("/etc/passwd"))
    assert tar_chain.startswith(gz)
    assert any(c.endswith("!zip@0x0/etc/config/network") for c in found)
    passwd = result.artifact(tar_chain)
    assert passwd is not None
    assert passwd.path is not None
    assert passwd.kind is ArtifactKind.TEXT
    assert (tmp_path / "out" / passwd.path).read_bytes().startswith(b"root:x:0:0")


def test_gaps_are_reported_with_entropy_and_padding(image: Path, tmp_path: Path) -> None:
    result = unpack(image, tmp_path / "out")
    unknown = [e for e in result.events_of(EventKind.UNKNOWN) if e.chain == "fw.bin"]
    padding = [e for e in result.events_of(EventKind.PADDING) if e.chain == "fw.bin"]
    assert unknown[0].offset == 0
    assert unknown[0].size == 1000
    assert unknown[0].entropy is not None
    assert unknown[0].entropy > 7.0
    assert padding
    assert padding[0].size == 4096
    assert unknown[-1].size == 3000


def test_manifest_is_written_and_readable(image: Path, tmp_path: Path) -> None:
    result = unpack(image, tmp_path / "out")
    data = json.loads(write_manifest(result).read_text())
    assert data["image"]["sha256"] == result.image.sha256
    assert {a["chain"] for a in data["artifacts"]} == chains(result)
    assert any(e["kind"] == "extracted" and e["format"] == "gzip" for e in data["events"])


def test_non_utf8_names_survive_the_manifest(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT,
                      encoding="utf-8", errors="surrogateescape") as archive:
        info = tarfile.TarInfo("caf\udce9.txt")
        info.size = 1
        archive.addfile(info, io.BytesIO(b"x"))
    tar = buf.getvalue()
    path = tmp_path / "names.tar"
    path.write_bytes(tar)
    result = unpack(path, tmp_path / "out")
    data = json.loads(write_manifest(result).read_text(encoding="utf-8"))
    assert "names.tar!tar@0x0/caf\\xe9.txt" in {a["chain"] for a in data["artifacts"]}


def test_traversal_inside_nested_archive_is_refused(tmp_path: Path) -> None:
    tar = make_tar({"../../escape.txt": b"bad", "/etc/abs": b"bad", "ok.txt": b"good"})
    path = tmp_path / "evil.tar.gz"
    path.write_bytes(gzip.compress(tar))
    out = tmp_path / "out"
    result = unpack(path, out)
    assert not (tmp_path / "escape.txt").exists()
    assert not list(tmp_path.rglob("abs"))
    refused = result.events_of(EventKind.REFUSED)
    assert len(refused) == 2
    assert any(c.endswith("/ok.txt") for c in chains(result))
    for root, _dirs, files in os.walk(out):
        for name in files:
            assert Path(root, name).resolve().is_relative_to(out.resolve())


def test_nested_gzip_bomb_hits_the_byte_budget(tmp_path: Path) -> None:
    payload = gzip.compress(b"\0" * (64 << 20), compresslevel=9)
    for _ in range(3):
        payload = gzip.compress(payload, compresslevel=9)
    path = tmp_path / "bomb.gz"
    path.write_bytes(payload)
    limits = Limits(max_total_bytes=8 << 20)
    result = unpack(path, tmp_path / "out", limits=limits)
    assert result.events_of(EventKind.LIMIT)
    assert result.bytes_written <= 8 << 20


def test_depth_limit_is_reported(tmp_path: Path) -> None:
    payload = b"deep data " * 10
    for _ in range(8):
        payload = gzip.compress(payload, mtime=0)
    path = tmp_path / "deep.gz"
    path.write_bytes(payload)
    result = unpack(path, tmp_path / "out", limits=Limits(max_depth=4))
    limit = result.events_of(EventKind.LIMIT)
    assert limit
    assert "depth" in limit[0].message
    assert max(a.depth for a in result.artifacts) == 4


class _Crashing(Handler):
    name = "crash"
    category = Category.ARCHIVE
    magics: ClassVar[tuple[Magic, ...]] = (Magic(b"CRASHME!"),)

    def parse(self, blob: Blob, start: int) -> Chunk | None:
        return Chunk(start, start + 8, self.name)

    def extract(self, blob: Blob, chunk: Chunk, sink: Sink) -> int | None:
        raise RuntimeError("bug in a handler")


def test_a_crashing_handler_becomes_an_event(tmp_path: Path) -> None:
    path = tmp_path / "x.bin"
    path.write_bytes(b"CRASHME!" + gzip.compress(b"after the crash"))
    unpacker = Unpacker(handlers=(_Crashing(), *builtin_handlers()))
    result = unpacker.unpack(path, tmp_path / "out")
    failed = result.events_of(EventKind.FAILED)
    assert any("RuntimeError" in e.message for e in failed)
    assert any(e.format == "gzip" for e in result.events_of(EventKind.EXTRACTED))


def test_unknown_image_is_not_a_silent_nothing(tmp_path: Path) -> None:
    path = tmp_path / "noise.bin"
    path.write_bytes(random.Random(1).randbytes(50_000))
    result = unpack(path, tmp_path / "out")
    unknown = result.events_of(EventKind.UNKNOWN)
    assert len(unknown) == 1
    assert unknown[0].size == 50_000


def test_output_must_be_empty_and_input_must_exist(image: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "x").write_text("keep")
    with pytest.raises(UsageError):
        unpack(image, out)
    with pytest.raises(InputError):
        unpack(tmp_path / "missing.bin", tmp_path / "out2")


def test_cli_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["unpack", str(tmp_path / "missing.bin"), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert err.startswith("spyless: error: cannot read")


def test_cli_unpack_writes_manifest(image: Path, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "o"
    assert main(["unpack", str(image), "--out", str(out), "--max-bytes", "64M"]) == 0
    assert json.loads((out / "manifest.json").read_text())["limits"]["max_total_bytes"] == 64 << 20
    assert "manifest" in capsys.readouterr().out


def test_an_archive_starting_with_a_key_is_still_unpacked(tmp_path: Path) -> None:
    pem = b"-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----\n"
    path = tmp_path / "keys.tar"
    path.write_bytes(make_tar({"key.pem": pem, "other": b"x"}))
    result = unpack(path, tmp_path / "out")
    key = result.artifact("keys.tar!tar@0x0/key.pem")
    assert key is not None
    assert key.kind is ArtifactKind.KEY
    assert result.artifacts[0].kind is ArtifactKind.DATA


def test_openwrt_ipk_unpacks_to_control_and_data(tmp_path: Path) -> None:
    data = gzip.compress(make_tar({"./usr/sbin/dropbear": b"\x7fELF" + b"\0" * 60}), mtime=0)
    control = gzip.compress(make_tar({"./control": b"Package: dropbear\nVersion: 2022.82\n"}),
                            mtime=0)
    ipk = gzip.compress(make_tar({"./debian-binary": b"2.0\n", "./data.tar.gz": data,
                                  "./control.tar.gz": control}), mtime=0)
    path = tmp_path / "dropbear.ipk"
    path.write_bytes(ipk)
    result = unpack(path, tmp_path / "out")
    tails = {a.chain.rsplit("!", 1)[-1] for a in result.artifacts}
    assert "tar@0x0/usr/sbin/dropbear" in tails
    assert "tar@0x0/control" in tails


def test_one_unpacker_serves_several_threads(image: Path, tmp_path: Path) -> None:
    """yara-x scanners cannot change threads; the engine keeps one per thread."""
    from concurrent.futures import ThreadPoolExecutor

    unpacker = Unpacker()
    unpacker.unpack(image, tmp_path / "main-thread")
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda n: unpacker.unpack(image, tmp_path / f"t{n}"), range(4)))
    assert all(len(r.artifacts) == len(results[0].artifacts) for r in results)


def test_analyzers_run_from_another_thread(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from spyless.audit import Auditor

    demo = Path(__file__).resolve().parents[2] / "examples/demo-router.bin"
    auditor = Auditor(jobs=1)
    auditor.scan(demo, tmp_path / "a")
    with ThreadPoolExecutor(1) as pool:
        report = pool.submit(auditor.scan, demo, tmp_path / "b").result()
    assert {f.id for f in report.findings} >= {"SPY103", "SPY301", "SPY411"}
