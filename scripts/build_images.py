#!/usr/bin/env python3
"""Build realistic router firmware test images from real Debian binaries of other arches.

    scripts/build_images.py OUTDIR [--only NAME ...]   all images (or some) into OUTDIR
    scripts/build_images.py --demo examples/ [--cache DIR]   the bundled demo image
    scripts/build_images.py --list                     names and descriptions
    scripts/build_images.py --setup                    as root: apt architectures and tools

Next to each image ``NAME.<ext>`` it writes ``NAME.expected.json``: the root tree it packed
(relative path -> sha256 for regular files, "-> target" for symlinks). ``OUTDIR/manifest.json``
records what was built, what was skipped and why, and the Debian packages used. Downloads
are cached in ``OUTDIR/cache``. Needs apt to know the foreign architectures (as root, once:
``dpkg --add-architecture mipsel`` etc. and ``apt-get update``); exits with status 3 and
says so when the binaries cannot be had.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from images import rootfs
from images.catalog import DEMO, IMAGES, TOOL_PACKAGES, ImageSpec
from images.debs import BinariesUnavailableError, Package, fetch

EXIT_NO_BINARIES = 3
SCRIPTS = Path(__file__).resolve().parent


def source_stamp() -> str:
    """A digest of this script and its modules: a cache built by other code is stale."""
    digest = hashlib.sha256()
    for path in sorted([Path(__file__).resolve(), *(SCRIPTS / "images").glob("*.py")]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _missing_tools(spec: ImageSpec) -> list[str]:
    return [tool for tool in spec.tools if shutil.which(tool) is None]


def _root_for(arch: str, cache: Path, trees: dict[str, Path], packages: list[Package]) -> Path:
    if arch in trees:
        return trees[arch]
    busybox = fetch(cache, "busybox-static", arch)
    dropbear = fetch(cache, "dropbear-bin", arch)
    packages += [busybox, dropbear]
    dest = cache / f"rootfs-{arch}"
    shutil.rmtree(dest, ignore_errors=True)
    rootfs.build(dest, arch, busybox, dropbear)
    trees[arch] = dest
    return dest


def _build_one(spec: ImageSpec, root: Path, outdir: Path) -> dict[str, Any]:
    out = outdir / spec.filename
    partial = outdir / (spec.filename + ".partial")
    partial.unlink(missing_ok=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f"img-{spec.name}-") as work:
        offset = spec.build(root, partial, Path(work))
    partial.replace(out)
    tree = rootfs.expected_tree(root)
    (outdir / f"{spec.name}.expected.json").write_text(json.dumps(tree, indent=1) + "\n")
    data = out.read_bytes()
    return {
        "file": spec.filename, "arch": spec.arch, "container": spec.container,
        "rootfs_offset": offset, "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(), "description": spec.description,
        "seconds": round(time.monotonic() - started, 2),
    }


def _package_record(pkg: Package) -> dict[str, str]:
    return {"name": pkg.name, "arch": pkg.arch, "version": pkg.version,
            "deb": pkg.deb.name, "sha256": pkg.sha256}


def build_all(outdir: Path, only: list[str]) -> int:
    selected = [spec for spec in IMAGES if not only or spec.name in only]
    unknown = set(only) - {spec.name for spec in IMAGES}
    if unknown:
        print(f"unknown image names: {', '.join(sorted(unknown))} (see --list)",
              file=sys.stderr)
        return 2
    outdir.mkdir(parents=True, exist_ok=True)
    cache = outdir / "cache"
    manifest_path = outdir / "manifest.json"
    manifest: dict[str, Any] = {"images": {}, "skipped": {}, "packages": []}
    if only and manifest_path.is_file():
        manifest = json.loads(manifest_path.read_text())
    manifest["stamp"] = source_stamp()
    trees: dict[str, Path] = {}
    packages: list[Package] = []
    started = time.monotonic()
    for spec in selected:
        manifest["images"].pop(spec.name, None)
        manifest["skipped"].pop(spec.name, None)
        missing = _missing_tools(spec)
        if missing:
            needs = sorted({TOOL_PACKAGES.get(t, t) for t in missing})
            reason = f"missing tools {', '.join(missing)} (Debian: {' '.join(needs)})"
            print(f"skip {spec.name}: {reason}")
            manifest["skipped"][spec.name] = reason
            continue
        try:
            root = _root_for(spec.arch, cache, trees, packages)
        except BinariesUnavailableError as e:
            print(f"cannot get the {spec.arch} binaries: {e}", file=sys.stderr)
            return EXIT_NO_BINARIES
        record = _build_one(spec, root, outdir)
        manifest["images"][spec.name] = record
        print(f"built {spec.filename}: {record['size']} bytes in {record['seconds']} s")
    known = {(p["name"], p["arch"]): p for p in manifest["packages"]}
    known.update({(p.name, p.arch): _package_record(p) for p in packages})
    manifest["packages"] = sorted(known.values(), key=lambda p: (p["arch"], p["name"]))
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    print(f"done in {time.monotonic() - started:.1f} s: {len(manifest['images'])} images, "
          f"{len(manifest['skipped'])} skipped")
    return 0


def build_demo(dest: Path, cache: Path | None) -> int:
    missing = _missing_tools(DEMO)
    if missing:
        needs = sorted({TOOL_PACKAGES.get(t, t) for t in missing})
        print(f"cannot build the demo: missing {', '.join(missing)} "
              f"(Debian: {' '.join(needs)})", file=sys.stderr)
        return 2
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="demo-cache-") as scratch:
        packages: list[Package] = []
        try:
            root = _root_for(DEMO.arch, cache or Path(scratch) / "cache", {}, packages)
        except BinariesUnavailableError as e:
            print(f"cannot get the {DEMO.arch} binaries: {e}", file=sys.stderr)
            return EXIT_NO_BINARIES
        record = _build_one(DEMO, root, dest)
    for pkg in packages:
        print(f"used {pkg.deb.name} (version {pkg.version}, sha256 {pkg.sha256})")
    print(f"built {DEMO.filename}: {record['size']} bytes, sha256 {record['sha256']}, "
          f"rootfs at 0x{record['rootfs_offset']:x}")
    return 0


def setup() -> int:
    """As root: teach apt the foreign architectures and install the tools (for CI)."""
    arches = sorted({spec.arch for spec in (*IMAGES, DEMO)})
    tools = sorted(set(TOOL_PACKAGES.values()))
    commands = [["dpkg", "--add-architecture", arch] for arch in arches]
    commands += [["apt-get", "update"], ["apt-get", "install", "-y", *tools]]
    if os.geteuid() != 0:
        print("needs root; run these as root:", file=sys.stderr)
        for command in commands:
            print("  " + " ".join(command), file=sys.stderr)
        return 1
    for command in commands:
        print("+ " + " ".join(command))
        subprocess.run(command, check=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("outdir", nargs="?", type=Path, help="where the images go")
    parser.add_argument("--only", action="append", default=[], metavar="NAME",
                        help="build only this image (repeatable)")
    parser.add_argument("--demo", type=Path, metavar="DIR",
                        help="build the bundled demo image into DIR")
    parser.add_argument("--cache", type=Path, metavar="DIR",
                        help="with --demo: download cache to reuse (default: a temporary one)")
    parser.add_argument("--list", action="store_true", help="list the images and exit")
    parser.add_argument("--setup", action="store_true",
                        help="as root: add the Debian architectures, install the tools")
    args = parser.parse_args(argv)
    if args.setup:
        return setup()
    if args.list:
        for spec in IMAGES:
            print(f"{spec.name:30} {spec.arch:9} {spec.description}")
        return 0
    if args.demo is not None:
        return build_demo(args.demo, args.cache)
    if args.outdir is None:
        parser.error("OUTDIR is required (or --demo DIR / --list)")
    return build_all(args.outdir, args.only)


if __name__ == "__main__":
    sys.exit(main())
