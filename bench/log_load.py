"""Load test of ``spyless log serve`` on loopback: concurrent submitters and proof readers.

1. Builds a log of ``--entries`` (default 1,000,000) DSSE-shaped entries with
   ``Log.append`` batches of 10,000, before any server runs.
2. Starts ``spyless log serve`` on it as a subprocess bound to 127.0.0.1 (ephemeral port).
3. Submitters: ``--submitters`` threads spread over ``--processes`` processes, each sending
   ``--per-submitter`` envelopes over one keep-alive connection to ``POST /add``; reports
   appends/s (all acknowledged = durably committed).
4. Readers: ``--readers`` threads fetch the checkpoint, then ``GET /proof/inclusion`` for
   random indexes across the whole log, each proof verified client-side against the
   signed checkpoint root; plus random full level-0 tiles. Reports p50/p99 latency.

Everything is bounded: fixed counts and ``--time-cap`` seconds per phase; only 127.0.0.1.

    .venv/bin/python bench/log_load.py [--entries 1000000] [--dir /tmp] [--keep]
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import multiprocessing
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from spyless.tlog.bundle import bundle_from_json, verify_bundle
from spyless.tlog.checkpoint import open_checkpoint
from spyless.tlog.interface import InclusionProof
from spyless.tlog.log import Log
from spyless.tlog.merkle import verify_inclusion
from spyless.tlog.note import Ed25519NoteSigner

ORIGIN = "bench.example/log-load"
LOG_KEY = Ed25519NoteSigner(ORIGIN, b"\x42" * 32)
TOKEN = "bench-token-0123456789abcdef"  # noqa: S105 - a throwaway loopback token
AUTH = {"Authorization": f"Bearer {TOKEN}"}
_SIG = base64.b64encode(b"\x07" * 64).decode()


def envelope(tag: str, n: int) -> bytes:
    """A DSSE envelope of about the size of a verdict attestation (signature not valid: the
    log checks the form, verifiers check signatures)."""
    payload = base64.b64encode(b'{"n": "%s-%d", "pad": "%s"}' % (tag.encode(), n,
                                                                  b"x" * 900)).decode()
    return json.dumps({"payloadType": "application/vnd.in-toto+json", "payload": payload,
                       "signatures": [{"keyid": "bench", "sig": _SIG}]}).encode()


def build(path: Path, entries: int) -> float:
    began = time.perf_counter()
    with Log.create(path, ORIGIN) as log:
        for start in range(0, entries, 10_000):
            log.append([envelope("pre", n) for n in range(start, min(entries, start + 10_000))])
        log.checkpoint([LOG_KEY])
    return time.perf_counter() - began


def _connect(port: int) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", port, timeout=30)


def _get(connection: http.client.HTTPConnection, path: str) -> bytes:
    connection.request("GET", path)
    answer = connection.getresponse()
    data = answer.read()
    if answer.status != 200:
        raise RuntimeError(f"GET {path}: HTTP {answer.status} {data[:200]!r}")
    return data


def _submit_process(port: int, worker: int, threads: int, per: int, cap: float,
                    out: Any) -> None:
    """One process of submitter threads; puts (acknowledged, errors, latencies) on ``out``."""
    acked, errors, latencies = [0], [0], []
    lock = threading.Lock()
    deadline = time.monotonic() + cap

    def run(thread: int) -> None:
        connection = _connect(port)
        for i in range(per):
            if time.monotonic() > deadline:
                break
            body = envelope(f"w{worker}t{thread}", i)
            began = time.perf_counter()
            try:
                connection.request("POST", "/add", body=body, headers=AUTH)
                answer = connection.getresponse()
                answer.read()
                ok = answer.status == 200
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = _connect(port)
                ok = False
            with lock:
                latencies.append(time.perf_counter() - began)
                acked[0] += ok
                errors[0] += not ok
        connection.close()

    workers = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    out.put((acked[0], errors[0], latencies))


def submit_phase(port: int, submitters: int, processes: int, per: int,
                 cap: float) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    threads = max(1, submitters // processes)
    began = time.perf_counter()
    procs = [context.Process(target=_submit_process, args=(port, w, threads, per, cap, out))
             for w in range(processes)]
    for p in procs:
        p.start()
    results = [out.get(timeout=cap + 60) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    elapsed = time.perf_counter() - began
    acked = sum(r[0] for r in results)
    latencies = [x for r in results for x in r[2]]
    return {"submitters": threads * processes, "acknowledged": acked,
            "errors": sum(r[1] for r in results), "seconds": round(elapsed, 2),
            "appends_per_s": round(acked / elapsed), **_percentiles("submit", latencies)}


def _percentiles(name: str, values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return {f"{name}_p50_ms": round(statistics.median(ordered) * 1e3, 2),
            f"{name}_p99_ms": round(p99 * 1e3, 2)}


def read_phase(port: int, readers: int, proofs: int, cap: float) -> dict[str, Any]:
    connection = _connect(port)
    checkpoint, _ = open_checkpoint(_get(connection, "/checkpoint"), [LOG_KEY.verifier()])
    connection.close()
    size = checkpoint.size
    proof_ms: list[float] = []
    tile_ms: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + cap

    def run(seed: int) -> None:
        rng = random.Random(seed)  # noqa: S311 - benchmark sampling, not security
        conn = _connect(port)
        for _ in range(proofs // readers):
            if time.monotonic() > deadline:
                break
            index = rng.randrange(size)
            began = time.perf_counter()
            answer = json.loads(_get(conn, f"/proof/inclusion?index={index}&size={size}"))
            elapsed = time.perf_counter() - began
            try:
                verify_inclusion(InclusionProof(index, size, tuple(
                    base64.b64decode(h) for h in answer["hashes"])),
                    base64.b64decode(answer["leaf_hash"]), checkpoint.root_hash)
            except Exception as e:
                with lock:
                    failures.append(str(e))
            tile = rng.randrange(max(1, size // 256))
            began_tile = time.perf_counter()
            _get(conn, f"/tile/0/{_tile_index(tile)}")
            with lock:
                proof_ms.append(elapsed)
                tile_ms.append(time.perf_counter() - began_tile)
        conn.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(readers)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    return {"readers": readers, "tree_size": size, "proofs": len(proof_ms),
            "verify_failures": len(failures), "proofs_per_s": round(len(proof_ms) / elapsed),
            **_percentiles("proof", proof_ms), **_percentiles("tile", tile_ms)}


def _tile_index(n: int) -> str:
    parts = []
    while True:
        n, rest = divmod(n, 1000)
        parts.append(f"{rest:03d}")
        if n == 0:
            break
    parts.reverse()
    return "/".join([*(f"x{p}" for p in parts[:-1]), parts[-1]])


def check_bundle(port: int) -> int:
    """One more submission with ``?proof=1``: its offline bundle verifies and carries it."""
    entry = envelope("final", 0)
    conn = _connect(port)
    conn.request("POST", "/add?proof=1", body=entry, headers=AUTH)
    answer = json.loads(conn.getresponse().read())
    conn.close()
    bundle = bundle_from_json(json.dumps(answer["bundle"]))
    verify_bundle(bundle, [LOG_KEY.verifier()], entry=entry)
    return int(answer["index"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--submitters", type=int, default=32)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--per-submitter", type=int, default=250)
    parser.add_argument("--readers", type=int, default=8,
                        help="Concurrent readers (a 1-reader pass runs first for latency).")
    parser.add_argument("--proofs", type=int, default=4000)
    parser.add_argument("--time-cap", type=float, default=60.0)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--json", type=Path, help="Also write the results here.")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="log-load-", dir=args.dir))
    db = folder / "big.db"
    results: dict[str, Any] = {"entries": args.entries}
    server: subprocess.Popen[str] | None = None
    try:
        results["build_seconds"] = round(build(db, args.entries), 1)
        print(f"built {args.entries} entries in {results['build_seconds']} s", flush=True)
        (folder / "key").write_text(LOG_KEY.signer_key() + "\n")
        (folder / "token").write_text(TOKEN + "\n")
        server = subprocess.Popen(
            [sys.executable, "-m", "spyless.cli.main", "log", "serve", str(db), "--key",
             str(folder / "key"), "--token-file", str(folder / "token"), "--listen",
             "127.0.0.1:0", "--checkpoint-interval", "0.5", "--workers", "48"],
            stderr=subprocess.PIPE, text=True)
        if server.stderr is None:
            raise RuntimeError("no stderr pipe")
        line = server.stderr.readline()
        if "listening on http://127.0.0.1:" not in line:
            raise RuntimeError(f"log serve did not start: {line}")
        port = int(line.rsplit(":", 1)[1])
        results["submit"] = submit_phase(port, args.submitters, args.processes,
                                         args.per_submitter, args.time_cap)
        print("submit:", results["submit"], flush=True)
        results["bundle_checked_index"] = check_bundle(port)
        for readers in sorted({1, args.readers}):
            results[f"read_{readers}"] = read_phase(port, readers, args.proofs, args.time_cap)
            print(f"read ({readers} readers):", results[f"read_{readers}"], flush=True)
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
