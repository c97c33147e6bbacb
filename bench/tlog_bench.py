"""Transparency-log throughput and proof latency.

1. Appends/s at several batch sizes (one transaction per batch, synchronous=FULL, entries
   of realistic DSSE size), and through the group-commit Sequencer with concurrent threads.
2. A 1,000,000-entry log built in large batches, then inclusion and consistency proof
   latency (p50/p99, cold and warm tile cache) and tile reads, each proof verified.

    .venv/bin/python bench/tlog_bench.py [--entries 1000000] [--dir /tmp] [--keep]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path

from spyless.tlog.interface import ConsistencyProof
from spyless.tlog.log import Log
from spyless.tlog.merkle import leaf_hash, verify_consistency, verify_inclusion
from spyless.tlog.sequencer import Sequencer
from spyless.tlog.tiles import TileRef, read_resource


def _ms(values: list[float]) -> str:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (f"p50 {statistics.median(ordered) * 1e3:.2f} ms, p99 {p99 * 1e3:.2f} ms, "
            f"max {ordered[-1] * 1e3:.2f} ms")


def bench_appends(folder: Path) -> None:
    entry = os.urandom(1200)  # about the size of a verdict envelope
    for batch in (1, 10, 100, 1000):
        with Log.create(folder / f"append-{batch}.db", "bench.example/append") as log:
            total, start = 0, time.perf_counter()
            while time.perf_counter() - start < 2.0:
                log.append([entry + b"%d" % (total + i) for i in range(batch)])
                total += batch
            elapsed = time.perf_counter() - start
        print(f"append batch {batch:>5}: {total / elapsed:>9.0f} entries/s "
              f"({total / batch / elapsed:.0f} commits/s)")
    with Log.create(folder / "sequencer.db", "bench.example/seq") as log:
        sequencer = Sequencer(log)
        threads_n, per_thread = 32, 200

        def submit(n: int) -> None:
            for i in range(per_thread):
                sequencer.submit(entry + b"%d-%d" % (n, i))

        threads = [threading.Thread(target=submit, args=(n,)) for n in range(threads_n)]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - start
        sequencer.close()
        print(f"sequencer, {threads_n} threads submitting one entry at a time: "
              f"{threads_n * per_thread / elapsed:.0f} entries/s")


def bench_proofs(folder: Path, entries: int) -> None:
    path = folder / "big.db"
    start = time.perf_counter()
    with Log.create(path, "bench.example/big") as log:
        batch = 20000
        for first in range(0, entries, batch):
            log.append([b"entry %d" % i for i in range(first, min(entries, first + batch))])
    print(f"built a {entries}-entry log in {time.perf_counter() - start:.1f} s "
          f"({path.stat().st_size / 1e6:.0f} MB)")
    rng = random.Random(1)  # noqa: S311 - sampling indexes, not cryptography
    with Log.open(path) as log:
        size = log.size()
        root = log.root_hash(size)
        for label in ("cold", "warm"):
            times = []
            cpu = time.process_time()
            for _ in range(1000):
                index = rng.randrange(size)
                t = time.perf_counter()
                proof = log.inclusion_proof(index, size)
                times.append(time.perf_counter() - t)
                verify_inclusion(proof, leaf_hash(b"entry %d" % index), root)
            cpu_ms = (time.process_time() - cpu) / 1000 * 1e3
            print(f"inclusion proof ({label} cache, {len(proof.hashes)} hashes): {_ms(times)}"
                  f"; CPU {cpu_ms:.2f} ms per proof incl. verification")
        times = []
        for _ in range(300):
            old = rng.randrange(1, size)
            t = time.perf_counter()
            consistency: ConsistencyProof = log.consistency_proof(old, size)
            times.append(time.perf_counter() - t)
            verify_consistency(consistency, log.root_hash(old), root)
        print(f"consistency proof: {_ms(times)}")
        times = []
        for _ in range(1000):
            ref = TileRef(0, rng.randrange(size // 256))
            t = time.perf_counter()
            if read_resource(log, ref) is None:
                raise SystemExit(f"tile {ref.path()} missing")
            times.append(time.perf_counter() - t)
        print(f"level-0 tile read: {_ms(times)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="tlog-bench-", dir=args.dir))
    try:
        bench_appends(folder)
        bench_proofs(folder, args.entries)
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
