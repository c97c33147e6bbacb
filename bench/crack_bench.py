"""Password-cracking throughput: md5crypt hashes per second with each backend.

Usage: .venv/bin/python bench/crack_bench.py [-n RUNS] [--candidates N]
Runs the real cracker on the TP-Link root hash with N candidates that do not match (so
every candidate is hashed), median over the runs, for the system libcrypt (through ctypes,
two threads) and for our pure-Python fallback.
"""

from __future__ import annotations

import argparse
import statistics
import time

from spyless.analyzers.accounts import libcrypt
from spyless.analyzers.accounts.crack import Cracker, Target
from spyless.analyzers.accounts.wordlists import Candidate

TPLINK_ROOT = "$1$GTN.gpri$DlSyKvZKMR9A9Uj9e9wR3/"


def rate(use_libcrypt: bool, count: int) -> float:
    candidates = tuple(Candidate(f"not-it-{i}", "bench") for i in range(count))
    began = time.perf_counter()
    Cracker(budget=120, use_libcrypt=use_libcrypt).crack(
        [Target("md5crypt", TPLINK_ROOT, candidates)])
    return count / (time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("-n", "--runs", type=int, default=5)
    parser.add_argument("--candidates", type=int, default=2000)
    args = parser.parse_args()
    backends = [("python fallback", False)]
    if libcrypt.load() is not None:
        backends.insert(0, ("libcrypt (ctypes)", True))
    for name, use in backends:
        rates = [rate(use, args.candidates) for _ in range(args.runs)]
        print(f"md5crypt {name:18} median {statistics.median(rates):8.0f} hashes/s "
              f"(min {min(rates):.0f}, max {max(rates):.0f})")


if __name__ == "__main__":
    main()
