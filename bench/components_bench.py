"""Component-identification benchmark: spyless's component analyzers against cve-bin-tool.

Owns the measurement only. The TP-Link image is unpacked once into /dev/shm; then

* spyless: the component analyzers (``BinaryComponents``, ``PackageMetadata``, then the
  ``ComponentInventory`` fold) over every file of the unpacked image, in this process, one
  worker (the same code path as ``analyze_files`` in the runner), N timed runs after one
  warm-up, median reported;
* cve-bin-tool (if ``bench/peers/cve-venv`` exists; set it up with
  ``python -m venv bench/peers/cve-venv && bench/peers/cve-venv/bin/pip install cve-bin-tool``)
  on the unpacked root filesystem, offline, as a subprocess, same N; its component list is
  read from its JSON output when it produces one.

Usage: .venv/bin/python bench/components_bench.py [-n 5] [IMAGE]
Results go to bench/results/components.json (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from spyless.analyzers.components.binaries import BinaryComponents
from spyless.analyzers.components.inventory import ComponentInventory
from spyless.analyzers.components.packages import PackageMetadata
from spyless.analyzers.image import ImageView
from spyless.analyzers.interface import Output
from spyless.analyzers.runner import analyze_files, plan
from spyless.model.facts import Component
from spyless.unpack.engine import Unpacker

ROOT = Path(__file__).resolve().parents[1]
TPLINK = ROOT.parent / "shared/corpus/firmware/tplink_tl-wr841n_v10_en_3.16.9_build150310.bin"
CVE_BIN_TOOL = ROOT / "bench" / "peers" / "cve-venv" / "bin" / "cve-bin-tool"
CVE_HOME = ROOT / "bench" / "peers" / "cve-home"
RESULTS = ROOT / "bench" / "results" / "components.json"


def spyless_once(result: Any) -> tuple[float, list[tuple[str, str | None]]]:
    analyzers = [BinaryComponents(), PackageMetadata()]
    began = time.perf_counter()
    analysis = analyze_files(plan(result, analyzers), analyzers)
    view = ImageView.build(result, analysis.facts)
    out = Output("components-inventory")
    ComponentInventory().analyze(view, out)
    spent = time.perf_counter() - began
    found = sorted((f.name, f.version) for f in out.facts if isinstance(f, Component))
    return spent, found


def cve_bin_tool_once(rootfs: Path, out: Path) -> tuple[float, int, list[tuple[str, str]], str]:
    report = out / "cbt.json"
    argv = [str(CVE_BIN_TOOL), "--offline", "-f", "json", "-o", str(report), str(rootfs)]
    # Its NVD cache lives under $HOME; keep it beside the peer, out of the user's home.
    env = {**os.environ, "HOME": str(CVE_HOME)}
    began = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=900, check=False,
                          env=env)
    spent = time.perf_counter() - began
    found: list[tuple[str, str]] = []
    if report.is_file():
        try:
            rows = json.loads(report.read_text(encoding="utf-8"))
            found = sorted({(r.get("product", ""), r.get("version", "")) for r in rows})
        except ValueError:
            pass
    return spent, proc.returncode, found, (proc.stderr or proc.stdout)[-800:]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=5)
    parser.add_argument("image", nargs="?", type=Path, default=TPLINK)
    args = parser.parse_args()
    if not args.image.is_file():
        print(f"image not found: {args.image}", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="spyless-components-", dir="/dev/shm"))
    try:
        result = Unpacker().unpack(args.image, work / "unpacked")
        files = [a for a in result.artifacts if a.sha256 is not None and a.path is not None]
        size = sum(a.size for a in files)
        spyless_once(result)  # warm-up: compiles the signatures, fills the page cache
        runs = [spyless_once(result) for _ in range(args.n)]
        times = [t for t, _ in runs]
        record: dict[str, Any] = {
            "image": str(args.image), "files": len(files), "bytes": size, "n": args.n,
            "spyless": {"median_s": statistics.median(times), "min_s": min(times),
                        "max_s": max(times), "components": runs[-1][1]},
        }
        print(f"{args.image.name}: {len(files)} files, {size / 1e6:.1f} MB")
        print(f"spyless components: median {statistics.median(times) * 1000:.0f} ms "
              f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}), "
              f"{len(runs[-1][1])} components: "
              + ", ".join(f"{n} {v}" for n, v in runs[-1][1]))
        rootfs = next((p for p in (work / "unpacked").rglob("squashfs@*") if p.is_dir()), None)
        if CVE_BIN_TOOL.is_file() and rootfs is not None:
            peer = [cve_bin_tool_once(rootfs, work) for _ in range(args.n)]
            peer_times = [p[0] for p in peer]
            record["cve-bin-tool"] = {
                "median_s": statistics.median(peer_times), "min_s": min(peer_times),
                "max_s": max(peer_times), "returncode": peer[-1][1],
                "components": peer[-1][2], "output_tail": peer[-1][3],
            }
            if peer[-1][1] != 0 and not peer[-1][2]:
                print(f"cve-bin-tool: failed (rc={peer[-1][1]}) after "
                      f"{statistics.median(peer_times):.1f} s; offline it needs a populated NVD "
                      "database; the issue's reference figure is 13.4 s. Its output ends:\n"
                      + peer[-1][3])
                record["cve-bin-tool"]["reference_s"] = 13.4
            else:
                print(f"cve-bin-tool: median {statistics.median(peer_times):.2f} s "
                      f"(rc={peer[-1][1]}), components: "
                      + ", ".join(f"{n} {v}" for n, v in peer[-1][2]))
        else:
            record["cve-bin-tool"] = {"missing": str(CVE_BIN_TOOL),
                                      "reference_s": 13.4}
            print("cve-bin-tool: not installed; the issue's reference figure is 13.4 s")
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(record, indent=1), encoding="utf-8")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
