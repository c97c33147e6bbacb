"""Endpoint-extraction benchmark: MB/s over an image's files, and the engine comparison.

Owns the measurement only. The image (the TP-Link TL-WR841N v10 corpus image by default)
is unpacked once into /dev/shm; the leaf files the ``endpoints`` analyzer would read
(containers whose content was unpacked are left out, as in the analyzer) are loaded into
memory, and then:

1. ``extract`` (the analyzer's per-file work: anchors, validation, context, categories) is
   timed over all of them N times; median, min, max and MB/s are printed;
2. the *anchor search* alone is timed with each engine over the same bytes:
   - yara-x rules (what spyless uses; already a dependency),
   - Hyperscan through ``pyperscan`` (optional; skipped when not installed),
   - Python ``re`` with the same anchors as one alternation,
   - Python ``re`` with the full token pattern over whole files (the naive design),
   with compile time reported separately (it is paid once per process).

Usage: .venv/bin/python bench/endpoints_bench.py [-n 5] [IMAGE]
Results also go to bench/results/endpoints.json.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import yara_x  # noqa: E402

from spyless.analyzers.endpoints.analyzer import _leaf_files, _shown_path  # noqa: E402
from spyless.analyzers.endpoints.categories import categorize  # noqa: E402
from spyless.analyzers.endpoints.extract import extract  # noqa: E402
from spyless.analyzers.endpoints.scan import _RULES, _TOKEN  # noqa: E402
from spyless.analyzers.endpoints.validate import check_host, is_namespace, psl  # noqa: E402
from spyless.analyzers.image import ImageView  # noqa: E402
from spyless.unpack.engine import unpack  # noqa: E402
from spyless.unpack.interface import ArtifactKind  # noqa: E402

TPLINK = ROOT.parent / "shared/corpus/firmware/tplink_tl-wr841n_v10_en_3.16.9_build150310.bin"
RESULTS = ROOT / "bench" / "results" / "endpoints.json"

Files = list[tuple[str, ArtifactKind, bytes]]


def load(image: Path) -> Files:
    work = Path(tempfile.mkdtemp(prefix="spyless-endpoints-", dir="/dev/shm"))
    try:
        result = unpack(image, work / "out")
        view = ImageView.build(result, [])
        return [(_shown_path(a.chain), a.kind, view.read(a)) for a in _leaf_files(view)]
    finally:
        shutil.rmtree(work, ignore_errors=True)


def timed(runs: int, work: Callable[[], object], cold: bool = False) -> list[float]:
    work()  # warm-up: lazy compiles and the public suffix list
    spent = []
    for _ in range(runs):
        if cold:  # what one scan pays: no host names validated yet
            check_host.cache_clear()
            categorize.cache_clear()
            is_namespace.cache_clear()
        began = time.perf_counter()
        work()
        spent.append(time.perf_counter() - began)
    return spent


def anchor_sources() -> list[tuple[str, str]]:
    """The anchors of the yara-x rule set, as (name, regex) for the other engines."""
    found = re.findall(r'\$(\w+) = (/.*/|".*")', _RULES)
    sources = []
    for name, body in found:
        if body.startswith('"'):
            literal = body[1:-1].encode().decode("unicode_escape")
            sources.append((name, "".join(c if c.isalnum() else f"\\x{ord(c):02x}"
                                          for c in literal)))
        else:
            sources.append((name, body[1:-1]))
    return sources


def engines(files: Files, runs: int) -> dict[str, dict[str, float]]:
    blobs = [data for _, _, data in files]
    report: dict[str, dict[str, float]] = {}

    began = time.perf_counter()
    scanner = yara_x.Scanner(yara_x.compile(_RULES))
    compile_s = time.perf_counter() - began

    def run_yara() -> int:
        return sum(sum(len(p.matches) for r in scanner.scan(b).matching_rules
                       for p in r.patterns) for b in blobs)
    report["yara-x anchors"] = {"compile_s": compile_s, "hits": run_yara(),
                                **_stats(timed(runs, run_yara), blobs)}

    if importlib.util.find_spec("pyperscan") is not None:
        import pyperscan as ps  # noqa: PLC0415 - optional engine, compared when installed

        began = time.perf_counter()
        database = ps.BlockDatabase(*[ps.Pattern(src.encode("latin-1"), ps.Flag.DOTALL, tag=i)
                                      for i, (_, src) in enumerate(anchor_sources())])
        hits: list[int] = []

        def on_match(sink: list[int], _tag: int, _start: int, end: int) -> Any:
            sink.append(end)
            return ps.Scan.Continue
        hs_scanner = database.build(hits, on_match)
        compile_s = time.perf_counter() - began

        def run_hs() -> int:
            hits.clear()
            for b in blobs:
                hs_scanner.scan(b)
            return len(hits)
        report["hyperscan anchors"] = {"compile_s": compile_s, "hits": run_hs(),
                                       **_stats(timed(runs, run_hs), blobs)}

    alternation = re.compile("|".join(f"(?:{src})" for _, src in anchor_sources())
                             .encode("latin-1"), re.DOTALL)
    report["python re anchors"] = {
        "compile_s": 0.0, "hits": sum(1 for b in blobs for _ in alternation.finditer(b)),
        **_stats(timed(1, lambda: [sum(1 for _ in alternation.finditer(b)) for b in blobs]),
                 blobs)}
    token = re.compile(_TOKEN.pattern.encode("latin-1"))
    report["python re full tokens (naive)"] = {
        "compile_s": 0.0, "hits": sum(1 for b in blobs for _ in token.finditer(b)),
        **_stats(timed(1, lambda: [sum(1 for _ in token.finditer(b)) for b in blobs]), blobs)}
    return report


def _stats(spent: list[float], blobs: list[bytes]) -> dict[str, float]:
    size = sum(map(len, blobs))
    median = statistics.median(spent)
    return {"median_s": median, "min_s": min(spent), "max_s": max(spent),
            "mb_per_s": size / median / 1e6 if median else float("inf")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--runs", type=int, default=5)
    parser.add_argument("image", nargs="?", type=Path, default=TPLINK)
    args = parser.parse_args()
    if not args.image.is_file():
        sys.exit(f"image not found: {args.image}")
    files = load(args.image)
    size = sum(len(d) for _, _, d in files)
    print(f"{args.image.name}: {len(files)} files, {size / 1e6:.2f} MB (leaf files)")

    found: list[int] = []

    def run_extract() -> None:
        found.clear()
        for path, kind, data in files:
            found.append(len(extract(data, path, kind)))
    began = time.perf_counter()
    psl.cache_clear()
    psl()
    print(f"public suffix list load (once per process): {time.perf_counter() - began:.3f} s")
    stats = _stats(timed(args.runs, run_extract, cold=True), [d for _, _, d in files])
    print(f"extract (analyzer work): median {stats['median_s']:.3f} s "
          f"(min {stats['min_s']:.3f}, max {stats['max_s']:.3f}), "
          f"{stats['mb_per_s']:.1f} MB/s, {sum(found)} occurrences")

    print("\nanchor search engines (same anchors, same bytes):")
    comparison = engines(files, args.runs)
    for name, row in comparison.items():
        print(f"  {name:32} {row['median_s']:.3f} s  {row['mb_per_s']:8.1f} MB/s  "
              f"compile {row['compile_s']:.3f} s  hits {int(row['hits'])}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"image": args.image.name, "files": len(files),
                                   "bytes": size, "extract": stats,
                                   "engines": comparison}, indent=2) + "\n")


if __name__ == "__main__":
    main()
