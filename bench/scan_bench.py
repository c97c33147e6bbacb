"""Full-scan benchmark: `spyless scan` of an image, wall time and per-analyzer time.

Usage: .venv/bin/python bench/scan_bench.py [-n RUNS] [--jobs N] [IMAGE ...]
Default image: the TP-Link TL-WR841N image from ../shared/corpus/firmware. Each run is a
fresh `spyless scan IMAGE -o report.json -q` subprocess (interpreter start-up included);
the report's own timings give the unpack, analysis and per-analyzer seconds (summed over
worker processes). Prints the medians and writes bench/results/scan.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TPLINK = ROOT.parent / "shared/corpus/firmware/tplink_tl-wr841n_v10_en_3.16.9_build150310.bin"
SPYLESS = ROOT / ".venv/bin/spyless"


def one_run(image: Path, jobs: int | None) -> tuple[float, dict[str, float]]:
    with tempfile.TemporaryDirectory(dir="/dev/shm" if Path("/dev/shm").is_dir() else None) as t:
        report = Path(t) / "report.json"
        args = [str(SPYLESS), "scan", str(image), "-o", str(report), "-q"]
        if jobs:
            args += ["--jobs", str(jobs)]
        began = time.perf_counter()
        subprocess.run(args, check=True, env={**os.environ, "TMPDIR": t})
        wall = time.perf_counter() - began
        timings: dict[str, float] = json.loads(report.read_text())["timings"]
    return wall, timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("-n", "--runs", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("images", nargs="*", type=Path)
    args = parser.parse_args()
    images = args.images or [TPLINK]
    results = {}
    for image in images:
        if not image.is_file():
            print(f"{image}: missing, skipped")
            continue
        one_run(image, args.jobs)  # warm-up: the vulnerability snapshot's first unpacking
        runs = [one_run(image, args.jobs) for _ in range(args.runs)]
        walls = [w for w, _ in runs]
        keys = sorted({k for _, t in runs for k in t})
        medians = {k: statistics.median(t.get(k, 0.0) for _, t in runs) for k in keys}
        results[image.name] = {"wall_median": statistics.median(walls), "wall_min": min(walls),
                               "wall_max": max(walls), "timings_median": medians}
        print(f"\n{image.name}: wall median {statistics.median(walls):.2f} s "
              f"(min {min(walls):.2f}, max {max(walls):.2f}), {args.runs} runs, "
              f"jobs={args.jobs or 'all cores'}")
        for key in keys:
            print(f"  {key:40} {medians[key]:8.3f} s")
        print(f"  load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    out = ROOT / "bench/results/scan.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
