"""Unpacking benchmark: spyless against peer tools on the same images, in one run.

Owns the measurement only; the peers are set up by ``bench/peers.sh``. For every image
(the TP-Link corpus image, every file in ``build/images/``, ``examples/demo-router.bin``)
each tool runs as a subprocess N times with its output on tmpfs, and we report the median,
min and max wall time, the peak RSS, the bytes and files written and MB/s of output, plus
spyless' time and memory relative to each peer. Results go to ``bench/results/unpack.json``.

Peak memory: ``ru_maxrss`` of a child can not be read in this process. The parent's
``getrusage(RUSAGE_CHILDREN)`` is a running maximum over every child so far, and even a
per-child ``os.wait4`` is floored at this process' own RSS, because Linux folds the RSS
high-water mark of the image a child had before ``exec`` (a copy of ours) into its
``maxrss``. So each tool runs under GNU ``/usr/bin/time -f %M``: a ~2 MiB process forks and
reaps it, and reports ``ru_maxrss`` of that child tree, i.e. the peak of its largest single
process. With ``--tree-rss`` a sampler also sums RSS over the live tree below ``time`` every
20 ms, which sees concurrent workers (unblob's pool) but can miss short spikes and counts
pages shared between forked processes more than once. Wall time is taken here with
``perf_counter`` around the whole run (``time`` adds about a millisecond).

Usage: .venv/bin/python bench/unpack_bench.py [-n 5] [--tools spyless,unblob] [IMAGE ...]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import platform
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PEERS = ROOT / "bench" / "peers"
RESULTS = ROOT / "bench" / "results" / "unpack.json"
TPLINK = ROOT.parent / "shared/corpus/firmware/tplink_tl-wr841n_v10_en_3.16.9_build150310.bin"
TMPFS = Path("/dev/shm")
GNU_TIME = Path("/usr/bin/time")  # Debian package "time"
PAGE = os.sysconf("SC_PAGE_SIZE")

# binwalk v3 has no CLI here (crates.io is out of reach); pybinwalk wraps the same engine.
# One level of extraction, like ``binwalk -e`` without ``-M``.
BINWALK3_CODE = """
import sys, pybinwalk
bw = pybinwalk.Binwalk.configure(target_file_name=sys.argv[1], output_directory=sys.argv[2])
res = bw.analyze_path(bw.base_target_file, True)
sys.exit(0 if all(e.success for e in res.extractions.values()) else 1)
"""


@dataclass(frozen=True)
class Job:
    """What one tool needs to run on one image."""

    image: Path
    carved: Path | None
    out: Path


@dataclass(frozen=True)
class Tool:
    name: str
    exe: Path
    argv: Callable[[Job], list[str] | None]  # None: does not apply to this image
    path_prefix: tuple[Path, ...] = ()
    recursive: bool = True


@dataclass(frozen=True)
class Run:
    wall_s: float
    rc: int
    maxrss_kib: int
    tree_rss_kib: int | None
    out_bytes: int
    out_files: int
    stderr_tail: str


@dataclass
class ToolResult:
    status: str
    argv: list[str] = field(default_factory=list)
    runs: list[Run] = field(default_factory=list)
    summary: dict[str, float | int | None] = field(default_factory=dict)


def tools() -> list[Tool]:
    peer_bin = PEERS / "bin"
    sasquatch = peer_bin / "sasquatch"
    unsquashfs = Path(shutil.which("unsquashfs") or "/usr/bin/unsquashfs")

    def sqfs(exe: Path) -> Callable[[Job], list[str] | None]:
        def argv(j: Job) -> list[str] | None:
            if j.carved is None:
                return None
            return [str(exe), "-no-progress", "-d", str(j.out), str(j.carved)]

        return argv

    return [
        Tool("spyless", ROOT / ".venv/bin/spyless",
             lambda j: [str(ROOT / ".venv/bin/spyless"), "unpack", str(j.image), "--out", str(j.out), "-q"]),
        Tool("unblob", PEERS / "unblob-venv/bin/unblob",
             lambda j: [str(PEERS / "unblob-venv/bin/unblob"), "--log", str(j.out.parent / "unblob.log"),
                        "-e", str(j.out), str(j.image)],
             path_prefix=(peer_bin, PEERS / "unblob-venv/bin")),
        Tool("binwalk3", PEERS / "binwalk-venv/bin/python",
             lambda j: [str(PEERS / "binwalk-venv/bin/python"), "-c", BINWALK3_CODE, str(j.image), str(j.out)],
             path_prefix=(peer_bin, PEERS / "unblob-venv/bin"), recursive=False),
        Tool("unsquashfs", unsquashfs, sqfs(unsquashfs), recursive=False),
        Tool("sasquatch", sasquatch, sqfs(sasquatch), recursive=False),
    ]


def find_images() -> list[Path]:
    found = [TPLINK] if TPLINK.is_file() else []
    gen = ROOT / "build" / "images"
    if gen.is_dir():
        # NAME.expected.json and manifest.json sit beside the images; cache/ is a folder.
        found += sorted(p for p in gen.iterdir() if p.is_file() and p.suffix != ".json")
    demo = ROOT / "examples" / "demo-router.bin"
    if demo.is_file():
        found.append(demo)
    return found


def carve_squashfs(data: bytes) -> tuple[int, int] | None:
    """(offset, size) of the first plausible SquashFS 4 superblock; size from bytes_used."""
    for magic, end in ((b"hsqs", "<"), (b"sqsh", ">")):
        pos = data.find(magic)
        while pos != -1 and pos + 96 <= len(data):
            block_size, = struct.unpack_from(end + "I", data, pos + 12)
            block_log, = struct.unpack_from(end + "H", data, pos + 22)
            major, = struct.unpack_from(end + "H", data, pos + 28)
            used, = struct.unpack_from(end + "Q", data, pos + 40)
            if major == 4 and 12 <= block_log <= 20 and block_size == 1 << block_log \
                    and 96 <= used <= len(data) - pos:
                return pos, used
            pos = data.find(magic, pos + 1)
    return None


def tree_pids(root: int) -> list[int]:
    parent: dict[int, int] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_bytes()
            except OSError:
                continue
            parent[int(d.name)] = int(stat[stat.rfind(b")") + 2:].split()[1])
    tree, frontier = [root], [root]
    while frontier:
        kids = [p for p, pp in parent.items() if pp in frontier]
        tree += kids
        frontier = kids
    return tree


def tree_rss_kib(root: int) -> int:
    total = 0
    for pid in tree_pids(root)[1:]:  # below the root, which is GNU time itself
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            continue
    return total // 1024


def output_stats(out: Path) -> tuple[int, int]:
    size = files = 0
    for dirpath, _dirs, names in os.walk(out):
        for n in names:
            st = Path(dirpath, n).lstat()
            if (st.st_mode & 0o170000) == 0o100000:
                size += st.st_size
                files += 1
    return size, files


def run_once(argv: list[str], env: dict[str, str], work: Path, out: Path,
             timeout: float, sample_tree: bool) -> Run:
    err_path = work / "stderr.txt"
    rss_path = work / "maxrss.txt"
    peak_tree = 0
    stop = threading.Event()
    with err_path.open("wb") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen([str(GNU_TIME), "-q", "-f", "%M", "-o", str(rss_path), *argv],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                                cwd=work, env=env, start_new_session=True)

        def kill() -> None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)

        def sample() -> None:
            nonlocal peak_tree
            while not stop.wait(0.02):
                peak_tree = max(peak_tree, tree_rss_kib(proc.pid))

        timer = threading.Timer(timeout, kill)
        timer.start()
        sampler = threading.Thread(target=sample, daemon=True)
        if sample_tree:
            sampler.start()
        rc = proc.wait()
        wall = time.perf_counter() - t0
        timer.cancel()
        stop.set()
    if sample_tree:
        sampler.join()
    size, files = output_stats(out) if out.exists() else (0, 0)
    tail = err_path.read_text(errors="replace")[-600:]
    try:
        maxrss = int(rss_path.read_text().split()[-1])
    except (OSError, ValueError, IndexError):
        maxrss = 0  # killed before time could write it
    return Run(wall, rc, maxrss, peak_tree if sample_tree else None,
               size, files, tail)


def summarize(runs: list[Run]) -> dict[str, float | int | None]:
    walls = [r.wall_s for r in runs]
    med = statistics.median(walls)
    out_bytes = max(r.out_bytes for r in runs)
    trees = [r.tree_rss_kib for r in runs if r.tree_rss_kib is not None]
    return {
        "wall_median_s": med, "wall_min_s": min(walls), "wall_max_s": max(walls),
        "peak_rss_mib": max(r.maxrss_kib for r in runs) / 1024,
        "tree_rss_mib": max(trees) / 1024 if trees else None,
        "out_bytes": out_bytes, "out_files": max(r.out_files for r in runs),
        "out_mb_per_s": out_bytes / 1e6 / med if med > 0 else None,
    }


def bench_tool(tool: Tool, job_base: Job, work: Path, args: argparse.Namespace) -> ToolResult:
    if not GNU_TIME.exists():
        return ToolResult(status=f"missing: {GNU_TIME} (apt-get install time)")
    if not tool.exe.exists():
        return ToolResult(status=f"missing: {tool.exe}")
    out = work / f"{tool.name}-out"
    argv = tool.argv(Job(job_base.image, job_base.carved, out))
    if argv is None:
        return ToolResult(status="n/a (no SquashFS 4 found)")
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([*map(str, tool.path_prefix), env.get("PATH", "")])
    result = ToolResult(status="ok", argv=argv)
    for i in range(args.warmup + args.runs):
        run = run_once(argv, env, work, out, args.timeout, args.tree_rss)
        shutil.rmtree(out, ignore_errors=True)
        if i >= args.warmup:
            result.runs.append(run)
        if run.rc != 0:
            result.status = f"failed (rc={run.rc})"
    result.summary = summarize(result.runs)
    if result.summary["out_files"] == 0 and result.status == "ok":
        result.status = "no output"
    return result


def versions(ts: list[Tool]) -> dict[str, str]:
    asks = {"spyless": ["--version"], "unblob": ["--version"], "unsquashfs": ["-version"],
            "sasquatch": ["-version"], "binwalk3": ["-c", "import pybinwalk; print(pybinwalk.version())"]}
    found = {}
    for t in ts:
        if not t.exe.exists():
            continue
        try:
            cp = subprocess.run([str(t.exe), *asks[t.name]], capture_output=True, text=True,
                                timeout=60, check=False)
            found[t.name] = (cp.stdout or cp.stderr).strip().splitlines()[0]
        except (OSError, subprocess.TimeoutExpired, IndexError):
            found[t.name] = "?"
    return found


def fmt(v: float | int | None, spec: str) -> str:
    return "-" if v is None else format(v, spec)


def print_table(image: Path, results: dict[str, ToolResult], ratios: dict[str, Any]) -> None:
    print(f"\n{image.name}")
    print(f"  {'tool':<11}{'median s':>9}{'min s':>8}{'max s':>8}{'RSS MiB':>9}{'tree MiB':>9}"
          f"{'out MB':>8}{'files':>7}{'MB/s':>8}  {'spyless/peer':<15} status")
    for name, r in results.items():
        s = r.summary
        ratio = ratios.get(name)
        rtxt = f"t {ratio['time']:.2f} m {ratio['rss']:.2f}" if ratio else ""
        out_mb = None if not s else int(s["out_bytes"] or 0) / 1e6
        print(f"  {name:<11}{fmt(s.get('wall_median_s'), '.3f'):>9}{fmt(s.get('wall_min_s'), '.3f'):>8}"
              f"{fmt(s.get('wall_max_s'), '.3f'):>8}{fmt(s.get('peak_rss_mib'), '.1f'):>9}"
              f"{fmt(s.get('tree_rss_mib'), '.1f'):>9}{fmt(out_mb, '.2f'):>8}"
              f"{fmt(s.get('out_files'), 'd'):>7}{fmt(s.get('out_mb_per_s'), '.1f'):>8}  {rtxt:<15} {r.status}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("images", nargs="*", type=Path, help="default: corpus, build/images, examples")
    ap.add_argument("-n", "--runs", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1, help="untimed runs first (page cache, imports)")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds per run")
    ap.add_argument("--tools", default="", help="comma-separated subset of tool names")
    ap.add_argument("--tree-rss", action="store_true", help="also sample RSS summed over the tree")
    ap.add_argument("--json", type=Path, default=RESULTS)
    args = ap.parse_args()

    all_tools = tools()
    wanted = {t for t in args.tools.split(",") if t}
    ts = [t for t in all_tools if not wanted or t.name in wanted]
    images = args.images or find_images()
    if not images:
        print("no images found", file=sys.stderr)
        return 2
    report: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "kernel": platform.release(), "tmpfs": str(TMPFS)},
        "settings": {"runs": args.runs, "warmup": args.warmup, "tree_rss": args.tree_rss},
        "versions": versions(ts), "images": [],
    }
    for image in images:
        try:
            data = image.read_bytes()
        except OSError as e:
            print(f"\n{image}: skipped ({e})", file=sys.stderr)
            continue
        work = Path(tempfile.mkdtemp(prefix="spyless-bench-", dir=TMPFS if TMPFS.is_dir() else None))
        try:
            carved_at = carve_squashfs(data)
            carved = None
            if carved_at:
                carved = work / "carved.sqfs"
                carved.write_bytes(data[carved_at[0]:carved_at[0] + carved_at[1]])
            job = Job(image.resolve(), carved, work / "out")  # out is set per tool
            results = {t.name: bench_tool(t, job, work, args) for t in ts}
        finally:
            shutil.rmtree(work, ignore_errors=True)
        ratios: dict[str, Any] = {}
        mine = results.get("spyless")
        if mine and mine.status == "ok":
            for name, r in results.items():
                if name != "spyless" and r.status == "ok":
                    ratios[name] = {
                        "time": float(mine.summary["wall_median_s"] or 0) / float(r.summary["wall_median_s"] or 1),
                        "rss": float(mine.summary["peak_rss_mib"] or 0) / float(r.summary["peak_rss_mib"] or 1),
                    }
        print_table(image, results, ratios)
        load = os.getloadavg()
        print(f"  load average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} CPUs")
        report["images"].append({
            "path": str(image), "size": len(data), "sha256": hashlib.sha256(data).hexdigest(),
            "squashfs": {"offset": carved_at[0], "size": carved_at[1]} if carved_at else None,
            "tools": {n: {**asdict(r), "recursive": next(t.recursive for t in ts if t.name == n)}
                      for n, r in results.items()},
            "spyless_over_peer": ratios, "loadavg_after": load,
        })
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwritten {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
