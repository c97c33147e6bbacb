"""Realistic firmware images (built by scripts/build_images.py) unpack to their exact trees.

Two readers are checked against each image's expected tree: the reference tools
(unsquashfs, jefferson, ubireader, debugfs, cpio), which proves the images themselves, and
``spyless.unpack.engine.unpack``, which must find every expected file with its sha256 and
every symlink with its target in the root filesystem it extracts.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import (
    BUILD,
    EXAMPLES,
    IMAGE_NAMES,
    IMAGES_DIR,
    expected_tree,
    image_record,
)

pytestmark = [pytest.mark.tools, pytest.mark.slow]

VENV_BIN = Path(sys.executable).parent


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _disk_tree(root: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                found[rel] = "-> " + str(path.readlink())
            elif path.is_file():
                found[rel] = _sha256(path)
    return found


def _tool(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path=str(VENV_BIN))
    if found is None:
        pytest.skip(f"reference tool {name} is not installed")
    return found


def _run(args: list[str], cwd: Path | None = None) -> None:
    subprocess.run(args, check=True, cwd=cwd, capture_output=True, timeout=300)


def _unsquashfs(image: Path, dest: Path, offset: int = 0) -> Path:
    _run([_tool("unsquashfs"), "-no-xattrs", "-quiet", "-no-progress", "-d", str(dest),
          "-o", str(offset), str(image)])
    return dest


def _bundle_squashfs(image: Path, work: Path) -> Path:
    target = work / "rootfs.squashfs"
    if image.suffix == ".zip":
        with zipfile.ZipFile(image) as archive:
            names = [n for n in archive.namelist() if n.endswith("/rootfs.squashfs")]
            target.write_bytes(archive.read(names[0]))
    else:
        with tarfile.open(image, "r:gz") as archive:
            member = next(m for m in archive.getmembers()
                          if m.name.endswith("/rootfs.squashfs"))
            handle = archive.extractfile(member)
            assert handle is not None
            target.write_bytes(handle.read())
    return target


def _reference_extract(record: dict[str, Any], image: Path, work: Path) -> Path:
    """Unpack the image's root tree with the usual tools; return the tree's folder."""
    dest = work / "root"
    container = record["container"]
    if image.name.endswith((".zip", ".tar.gz")):
        return _unsquashfs(_bundle_squashfs(image, work), dest)
    if container == "squashfs":
        return _unsquashfs(image, dest, record["rootfs_offset"])
    if container == "jffs2":
        _run([_tool("jefferson"), "-d", str(dest), str(image)])
        return dest / "fs_1" if (dest / "fs_1").is_dir() else dest  # older jefferson
    if container == "ubi":
        # extract_files stops at the kernel volume, which is not UBIFS: take volumes first
        _run([_tool("ubireader_extract_images"), "-o", str(work / "vols"), str(image)])
        volume = next((work / "vols").glob("*/*_vol-rootfs.ubifs"))
        _run([_tool("ubireader_extract_files"), "-k", "-o", str(dest), str(volume)])
        return dest
    if container == "ext":
        dest.mkdir()
        _run([_tool("debugfs"), "-R", f"rdump / {dest}", str(image)])
        return dest
    if container == "cpio":
        dest.mkdir()
        archive = gzip.decompress(image.read_bytes())
        subprocess.run([_tool("cpio"), "-id", "--quiet", "--no-absolute-filenames"],
                       input=archive, cwd=dest, check=True, capture_output=True)
        return dest
    raise AssertionError(f"no reference reader for {container}")


@pytest.mark.parametrize("name", IMAGE_NAMES)
def test_reference_tools_read_the_expected_tree(
    built_images: dict[str, Any], name: str, tmp_path: Path
) -> None:
    record = image_record(built_images, name)
    image = IMAGES_DIR / record["file"]
    assert _sha256(image) == record["sha256"]
    root = _reference_extract(record, image, tmp_path)
    expected = expected_tree(name)
    if record["container"] == "jffs2":
        # jefferson writes one name per inode: the first name of a hard link is lost
        expected.pop("etc/os-release")
    assert _disk_tree(root) == expected


def test_demo_image_planted_problems(tmp_path: Path) -> None:
    """The committed demo carries the problems its README promises, and its tree matches."""
    image = EXAMPLES / "demo-router.bin"
    root = _unsquashfs(image, tmp_path / "root", 0x10000)
    assert _disk_tree(root) == expected_tree("demo-router", EXAMPLES)
    rootfs = BUILD.rootfs
    assert f"root:{rootfs.ROOT_HASH}:" in (root / "etc/shadow").read_text()
    assert "support:x:0:0:" in (root / "etc/passwd").read_text()
    rcs = (root / "etc/init.d/rcS").read_text()
    assert "telnetd -l /bin/sh" in rcs
    assert "/usr/sbin/callhome.sh" in rcs
    assert (root / "etc/ssh/ssh_host_ecdsa_key").read_text().startswith(
        "-----BEGIN EC PRIVATE KEY-----")
    assert "vendor-support@" in (root / "etc/dropbear/authorized_keys").read_text()
    for rel in ("etc/config/telemetry", "usr/sbin/callhome.sh"):
        assert rootfs.CALL_HOME_URL in (root / rel).read_text()
    assert rootfs.BACKDOOR_MARKER in (root / "www/cgi-bin/diag.cgi").read_text()
    assert (root / "bin/busybox").read_bytes()[:4] == b"\x7fELF"


def test_demo_rebuilds_identically(built_images: dict[str, Any], tmp_path: Path) -> None:
    """``build_images.py --demo`` reproduces the committed demo byte for byte."""
    done = subprocess.run(
        [sys.executable, str(BUILD.__file__), "--demo", str(tmp_path),
         "--cache", str(IMAGES_DIR / "cache")],
        check=False, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr
    rebuilt = expected_tree("demo-router", tmp_path)
    committed = expected_tree("demo-router", EXAMPLES)
    if rebuilt["bin/busybox"] != committed["bin/busybox"]:
        pytest.skip("Debian's busybox-static:mipsel changed since the demo was committed")
    assert rebuilt == committed
    assert _sha256(tmp_path / "demo-router.bin") == _sha256(EXAMPLES / "demo-router.bin")


# -- the engine ------------------------------------------------------------------------


def _engine_mismatches(image: Path, expected: dict[str, str], out: Path) -> list[str]:
    from spyless.unpack.engine import unpack

    result = unpack(image, out)
    busyboxes = [a.chain for a in result.artifacts
                 if a.chain.endswith("/bin/busybox") and a.link_target is None]
    assert busyboxes, "the engine found no root filesystem with bin/busybox"
    best: list[str] = []
    for chain in busyboxes:
        prefix = chain[: -len("bin/busybox")]
        found = {a.chain[len(prefix):]: a for a in result.artifacts
                 if a.chain.startswith(prefix)}
        problems: list[str] = []
        for rel, want in expected.items():
            artifact = found.get(rel)
            if artifact is None:
                problems.append(f"missing {rel}")
            elif want.startswith("-> "):
                if artifact.link_target != want[3:]:
                    problems.append(f"{rel}: link to {artifact.link_target!r}, want {want}")
            elif artifact.sha256 is None and artifact.link_target is not None:
                # a hard link is reported as an alias of its first name, without a hash
                if expected.get(artifact.link_target.lstrip("/")) != want:
                    problems.append(f"{rel}: hard link to {artifact.link_target!r}")
                elif artifact.path is None or _sha256(out / artifact.path) != want:
                    problems.append(f"{rel}: hard link not written at {artifact.path!r}")
            elif artifact.sha256 != want:
                problems.append(f"{rel}: sha256 {artifact.sha256}, want {want}")
            elif artifact.path is None or _sha256(out / artifact.path) != want:
                problems.append(f"{rel}: not written correctly at {artifact.path!r}")
        if not best or len(problems) < len(best):
            best = problems
        if not problems:
            return []
    return best


@pytest.mark.parametrize("name", IMAGE_NAMES)
def test_engine_extracts_the_expected_tree(
    built_images: dict[str, Any], name: str, tmp_path: Path
) -> None:
    record = image_record(built_images, name)
    mismatches = _engine_mismatches(IMAGES_DIR / record["file"], expected_tree(name),
                                    tmp_path / "out")
    assert mismatches == []


def test_engine_extracts_the_demo(tmp_path: Path) -> None:
    mismatches = _engine_mismatches(EXAMPLES / "demo-router.bin",
                                    expected_tree("demo-router", EXAMPLES), tmp_path / "out")
    assert mismatches == []
