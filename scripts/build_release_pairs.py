#!/usr/bin/env python3
"""Build pairs of router images from the same sources, for ``spyless diff``/``equivalence``.

    scripts/build_release_pairs.py OUTDIR [--cache build/images/cache]

Every image is the router of ``scripts/build_images.py`` (real Debian BusyBox and Dropbear
for mipsel, the same planted problems) in an OpenWrt-style layout: uImage kernel, XZ
SquashFS root at an erase-block boundary, the 0xdeadc0de marker and a trailing 256-byte
signature block. On top of it a small C daemon, ``/usr/sbin/vendord``, is compiled from
source with the host's gcc (a native binary: no cross compiler is needed; the point is
the build, not the architecture), with debug info, a GNU build id, ``__DATE__``/``__TIME__``
and ``__FILE__`` (the build directory) embedded.

Images (OUTDIR/<name>.bin):

- ``rebuild-a`` / ``rebuild-b``: the same sources built twice: another SOURCE_DATE_EPOCH
  (compiler date strings, uImage time, kernel banner date, /etc/build-info), another build
  directory of the same length (as Debian's ``/build/<pkg>-XXXXXX/``), another SquashFS
  ``-mkfs-time``/``-all-time``, another signature. Expected: equivalent modulo benign.
- ``patched``: ``rebuild-a`` with a hardcoded support URL compiled into vendord and a uid-0
  account ``maint`` added to /etc/passwd and /etc/shadow. Against ``rebuild-a``: not
  equivalent; ``spyless diff`` shows the new account and endpoint as new findings.
- ``busybox-old``: ``rebuild-a`` with BusyBox's version strings rewritten from 1.35.0 to
  1.30.1 (a constructed older release: apt here only has bookworm's 1.35.0). ``diff
  busybox-old rebuild-a`` shows the upgrade and the CVEs it fixes.

``OUTDIR/pairs.json`` lists the pairs with their expected outcomes, the tools and the
Debian packages used, and a stamp of this script's sources (tests rebuild when it changes).
Exit status: 0 built, 2 a tool is missing (gcc, mksquashfs, mkimage), 3 the Debian
binaries cannot be had (see build_images.py).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import lzma
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from images import rootfs
from images.debs import BinariesUnavailableError, Package, fetch
from images.formats import ALIGN, fake_kernel
from images.rootfs import EPOCH, SQUASHFS_PSEUDO, SUPPORT_HASH

SCRIPTS = Path(__file__).resolve().parent
ROOT = SCRIPTS.parent

EXIT_NO_TOOLS = 2
EXIT_NO_BINARIES = 3
TOOLS = ("gcc", "mksquashfs", "mkimage")
SUPPORT_URL = "http://support-gw.vendor-remote.example:8443/cgi-bin/tunnel"
UPDATE_URL = "https://update.vendor-cloud.example/fw/check"
NEW_ACCOUNT = "maint"
KERNEL_DATE = b"Tue Nov 14 22:13:20 2023"
OLD_BUSYBOX, NEW_BUSYBOX = b"1.30.1", b"1.35.0"

VENDORD_C = r"""
#include <assert.h>
#include <stdio.h>
#include <string.h>

static const char version[] = "vendord 1.2.3 (built " __DATE__ " " __TIME__ ")";
static const char update_server[] = "@UPDATE_URL@";
#ifdef VENDORD_SUPPORT
static const char support_server[] = "@SUPPORT_URL@";
#endif

int main(int argc, char **argv)
{
    assert(argc >= 1);
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        puts(version);
        return 0;
    }
#ifdef VENDORD_SUPPORT
    if (argc > 1 && strcmp(argv[1], "--support") == 0) {
        printf("opening %s\n", support_server);
        return 0;
    }
#endif
    printf("checking %s\n", update_server);
    return 0;
}
""".replace("@UPDATE_URL@", UPDATE_URL).replace("@SUPPORT_URL@", SUPPORT_URL)


@dataclass(frozen=True)
class Variant:
    name: str
    epoch: int
    build_token: str  # the random part of the build directory, always 6 characters
    support_backdoor: bool = False
    old_busybox: bool = False


VARIANTS = (
    Variant("rebuild-a", EPOCH, "a1b2c3"),
    Variant("rebuild-b", EPOCH + 3 * 86400 + 3723, "x9y8z7"),
    Variant("patched", EPOCH, "a1b2c3", support_backdoor=True),
    Variant("busybox-old", EPOCH, "a1b2c3", old_busybox=True),
)

PAIRS = [
    {"name": "rebuild", "built": "rebuild-a.bin", "deployed": "rebuild-b.bin",
     "expect": "equivalent-modulo-benign",
     "description": "same sources, other timestamps, build directory and build id"},
    {"name": "patched", "built": "rebuild-a.bin", "deployed": "patched.bin",
     "expect": "not-equivalent", "new_account": NEW_ACCOUNT,
     "new_endpoint": "support-gw.vendor-remote.example",
     "description": "a uid-0 account and a hardcoded support URL added"},
    {"name": "upgrade", "built": "busybox-old.bin", "deployed": "rebuild-a.bin",
     "expect": "not-equivalent", "component": "busybox",
     "old_version": OLD_BUSYBOX.decode(), "new_version": NEW_BUSYBOX.decode(),
     "description": "BusyBox 1.30.1 (constructed) upgraded to 1.35.0"},
]


def source_stamp() -> str:
    digest = hashlib.sha256()
    for path in sorted([Path(__file__).resolve(), *(SCRIPTS / "images").glob("*.py")]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _run(args: list[str], env: dict[str, str], cwd: Path | None = None) -> str:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False,
                          timeout=300)
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-2000:])
        done.check_returncode()
    return done.stdout


def _env(epoch: int | None) -> dict[str, str]:
    env = {**os.environ, "TZ": "UTC", "LC_ALL": "C"}
    env.pop("SOURCE_DATE_EPOCH", None)
    if epoch is not None:
        env["SOURCE_DATE_EPOCH"] = str(epoch)
    return env


def compile_vendord(work: Path, variant: Variant, dest: Path) -> None:
    """gcc in ``<work>/build-<token>``: the directory lands in __FILE__ and DW_AT_comp_dir."""
    build = work / f"build-{variant.build_token}"
    shutil.rmtree(build, ignore_errors=True)
    build.mkdir(parents=True)
    source = build / "vendord.c"
    source.write_text(VENDORD_C)
    # The debug info is mapped to one path, as reproducible builds do: without it the
    # assembler orders .debug_line_str by content, so two build directories of the same
    # length still shift string offsets. __FILE__ in .rodata keeps the real build path.
    args = ["gcc", "-O2", "-g", f"-fdebug-prefix-map={build}=/build/vendord",
            "-Wl,--build-id=sha1", "-o", str(dest), str(source)]
    if variant.support_backdoor:
        args.insert(1, "-DVENDORD_SUPPORT")
    _run(args, _env(variant.epoch), cwd=build)
    dest.chmod(0o755)


def kernel_uimage(work: Path, epoch: int) -> bytes:
    """The demo kernel with this build's date in its banner, in a uImage of this time."""
    body = lzma.decompress(fake_kernel("mipsel"), format=lzma.FORMAT_ALONE)
    date = time.strftime("%a %b %d %H:%M:%S %Y", time.gmtime(epoch)).encode()
    body = body.replace(KERNEL_DATE, date)
    src, dest = work / "kernel.lzma", work / "kernel.uimage"
    src.write_bytes(lzma.compress(body, format=lzma.FORMAT_ALONE, preset=6))
    _run(["mkimage", "-A", "mips", "-O", "linux", "-T", "kernel", "-C", "lzma",
          "-a", "0x80060000", "-e", "0x80060000", "-n", "MIPS OpenWrt Linux-5.10.176",
          "-d", str(src), str(dest)], _env(epoch))
    return dest.read_bytes()


def squashfs(root: Path, dest: Path, epoch: int) -> bytes:
    args = ["mksquashfs", str(root), str(dest), "-comp", "xz", "-b", "256K",
            "-Xdict-size", "100%", "-noappend", "-all-root", "-no-progress", "-quiet",
            "-mkfs-time", str(epoch), "-all-time", str(epoch)]
    for pseudo in SQUASHFS_PSEUDO:
        args += ["-p", pseudo]
    _run(args, _env(None))  # mksquashfs refuses SOURCE_DATE_EPOCH with -mkfs-time
    return dest.read_bytes()


def _pad(data: bytes) -> bytes:
    return data + b"\xff" * (-len(data) % ALIGN)


def signature(body: bytes, variant: Variant) -> bytes:
    """256 bytes standing in for a vendor signature: different for every build."""
    seed = hashlib.sha512(variant.build_token.encode() + str(variant.epoch).encode() + body)
    blocks = [seed.digest()]
    while len(blocks) < 4:
        blocks.append(hashlib.sha512(blocks[-1]).digest())
    return b"".join(blocks)


def build_variant(variant: Variant, busybox: Package, dropbear: Package, work: Path,
                  outdir: Path) -> dict[str, Any]:
    root = work / variant.name / "root"
    rootfs.build(root, "mipsel", busybox, dropbear)
    if variant.old_busybox:
        binary = root / "bin/busybox"
        binary.write_bytes(binary.read_bytes().replace(NEW_BUSYBOX, OLD_BUSYBOX))
    compile_vendord(work, variant, root / "usr/sbin/vendord")
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(variant.epoch))
    (root / "etc/build-info").write_text(f"VR-2400 firmware 1.2.3\nbuilt {stamp}\n")
    if variant.support_backdoor:
        with (root / "etc/passwd").open("a") as passwd:
            passwd.write(f"{NEW_ACCOUNT}:x:0:0:Maintenance:/root:/bin/sh\n")
        with (root / "etc/shadow").open("a") as shadow:
            shadow.write(f"{NEW_ACCOUNT}:{SUPPORT_HASH}:19000:0:99999:7:::\n")
    kernel = kernel_uimage(work / variant.name, variant.epoch)
    rootfs_image = squashfs(root, work / variant.name / "rootfs.sqfs", variant.epoch)
    body = _pad(kernel) + _pad(rootfs_image) + b"\xde\xad\xc0\xde"
    data = body + signature(body, variant)
    out = outdir / f"{variant.name}.bin"
    out.write_bytes(data)
    return {"file": out.name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest(),
            "epoch": variant.epoch, "build_dir": f"build-{variant.build_token}",
            "rootfs_offset": len(_pad(kernel))}


def _tool_versions() -> dict[str, str]:
    versions = {}
    for tool, flag in (("gcc", "--version"), ("mksquashfs", "-version"), ("mkimage", "-V")):
        done = subprocess.run([tool, flag], capture_output=True, text=True, check=False)
        versions[tool] = (done.stdout or done.stderr).splitlines()[0] if (
            done.stdout or done.stderr) else "?"
    return versions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--cache", type=Path, default=ROOT / "build" / "images" / "cache",
                        help="Debian package cache shared with build_images.py")
    args = parser.parse_args(argv)
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        print(f"missing tools: {', '.join(missing)} (Debian: gcc squashfs-tools "
              "u-boot-tools)", file=sys.stderr)
        return EXIT_NO_TOOLS
    try:
        busybox = fetch(args.cache, "busybox-static", "mipsel")
        dropbear = fetch(args.cache, "dropbear-bin", "mipsel")
    except BinariesUnavailableError as e:
        print(f"cannot get the mipsel binaries: {e}", file=sys.stderr)
        return EXIT_NO_BINARIES
    args.outdir.mkdir(parents=True, exist_ok=True)
    began = time.monotonic()
    images = {}
    with tempfile.TemporaryDirectory(prefix="spyless-pairs-") as tmp:
        for variant in VARIANTS:
            images[variant.name] = build_variant(variant, busybox, dropbear, Path(tmp),
                                                 args.outdir)
            print(f"built {variant.name}.bin ({images[variant.name]['size']} bytes)")
    manifest = {
        "stamp": source_stamp(), "images": images, "pairs": PAIRS, "tools": _tool_versions(),
        "packages": [{"name": p.name, "arch": p.arch, "version": p.version,
                      "sha256": p.sha256} for p in (busybox, dropbear)],
    }
    (args.outdir / "pairs.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"done in {time.monotonic() - began:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
