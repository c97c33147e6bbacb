"""Hardening benchmark: the ELF hardening analyzers over every file of the TP-Link image.

Owns the measurement only. The image is unpacked once into /dev/shm (tmpfs, so disk speed
does not count), then, N times each:

- ``single``: the per-file analyzer over every file of the image in this process, as
  the runner does with one job (files read from tmpfs, each handed to the analyzer);
- ``pool``: ``run_analyzers`` with only the two hardening analyzers and ``--jobs`` workers,
  i.e. the wall time including the process pool;
- ``summary``: the image analyzer alone (folding the facts into findings).

Reports median, min and max in seconds and writes ``bench/results/hardening.json``.

Usage: .venv/bin/python bench/hardening_bench.py [-n 5] [--jobs 2] [IMAGE]
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from spyless.analyzers.hardening.analyzer import ElfHardening, HardeningSummary
from spyless.analyzers.image import ImageView
from spyless.analyzers.interface import Fact, Output
from spyless.analyzers.runner import analyze_files, plan, run_analyzers
from spyless.model.facts import Hardening
from spyless.unpack.engine import Unpacker

ROOT = Path(__file__).resolve().parents[1]
TPLINK = ROOT.parent / "shared/corpus/firmware/tplink_tl-wr841n_v10_en_3.16.9_build150310.bin"
RESULTS = ROOT / "bench" / "results" / "hardening.json"
TMPFS = Path("/dev/shm")


def timed(runs: int, work: Callable[[], object]) -> dict[str, float]:
    work()  # warm-up: page cache, imports
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        work()
        samples.append(time.perf_counter() - began)
    return {"median": round(statistics.median(samples), 4), "min": round(min(samples), 4),
            "max": round(max(samples), 4)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("image", nargs="?", type=Path, default=TPLINK)
    parser.add_argument("-n", "--runs", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    if not args.image.is_file():
        print(f"image not found: {args.image}")
        return 1
    base = TMPFS if TMPFS.is_dir() else None
    workdir = Path(tempfile.mkdtemp(prefix="spyless-hardening-", dir=base))
    try:
        result = Unpacker().unpack(args.image, workdir / "unpacked")
        analyzer = ElfHardening()
        tasks = plan(result, [analyzer])
        files = sum(1 for a in result.artifacts if a.sha256 is not None)
        facts: list[Fact] = list(analyze_files(tasks, [analyzer]).facts)
        view = ImageView.build(result, facts)

        def summary() -> None:
            HardeningSummary().analyze(view, Output("hardening-summary"))

        figures = {
            "single": timed(args.runs, lambda: analyze_files(tasks, [analyzer])),
            "pool": timed(args.runs, lambda: run_analyzers(
                result, [analyzer], [HardeningSummary()], jobs=args.jobs)),
            "summary": timed(args.runs, summary),
        }
        report = {
            "image": args.image.name, "files": files, "elf_files": len(tasks),
            "hardening_facts": sum(1 for f in facts if isinstance(f, Hardening)),
            "runs": args.runs, "jobs": args.jobs, "seconds": figures,
            "machine": {"python": platform.python_version(), "cpu": platform.processor()
                        or platform.machine()},
        }
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"{report['image']}: {files} files, {len(tasks)} ELF, "
          f"{report['hardening_facts']} judged; median of {args.runs} runs")
    for name, figure in figures.items():
        print(f"  {name:8} {figure['median']:.4f} s  (min {figure['min']:.4f}, "
              f"max {figure['max']:.4f})")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
