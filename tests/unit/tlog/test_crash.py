"""Crash test: a child appending in a loop is SIGKILLed at random moments, several times.

The child prints ``<index> <entry>`` for every entry only after ``append`` returned (the
transaction is committed), and signs a checkpoint now and then. After every kill the log
is reopened: every acknowledged entry must be there, unchanged, the tree must recompute
from the entries, and every checkpoint signed so far must be consistent with the new tree.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from spyless.tlog.checkpoint import open_checkpoint
from spyless.tlog.log import Log
from spyless.tlog.merkle import leaf_hash, subtree_root, verify_consistency
from spyless.tlog.note import Ed25519NoteSigner

ORIGIN = "example.org/crash"
SEED = b"\x0c" * 32

CHILD = """
import random, sys
from pathlib import Path
from spyless.tlog.log import Log
from spyless.tlog.note import Ed25519NoteSigner
log = Log.open(Path(sys.argv[1]))
signer = Ed25519NoteSigner(sys.argv[2], bytes.fromhex(sys.argv[3]))
run = sys.argv[4]
n = 0
while True:
    batch = [b"%s-%d" % (run.encode(), n + i) for i in range(random.randint(1, 40))]
    n += len(batch)
    for index, entry in zip(log.append(batch), batch):
        sys.stdout.write(f"{index} {entry.decode()}\\n")
    sys.stdout.flush()
    if random.random() < 0.2:
        log.checkpoint([signer])
"""


@pytest.mark.slow
def test_acknowledged_appends_survive_sigkill(tmp_path: Path) -> None:
    db = tmp_path / "crash.db"
    Log.create(db, ORIGIN).close()
    signer = Ed25519NoteSigner(ORIGIN, SEED)
    acknowledged: dict[int, bytes] = {}
    seen_checkpoints: set[str] = set()
    rng = random.Random(7)
    deadline = time.monotonic() + 90
    rounds = 0
    while rounds < 6 and time.monotonic() < deadline:
        rounds += 1
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(db), ORIGIN, SEED.hex(), f"r{rounds}"],
            stdout=subprocess.PIPE, env={**os.environ, "PYTHONHASHSEED": "0"})
        assert child.stdout is not None
        # Kill at a random moment after the first acknowledgement: on a loaded machine the
        # child may take longer than any fixed delay just to start.
        watchdog = threading.Timer(60, child.kill)
        watchdog.start()
        first = child.stdout.readline()
        watchdog.cancel()
        time.sleep(rng.random() * 0.5)
        child.send_signal(signal.SIGKILL)
        rest, _ = child.communicate(timeout=30)
        output = first + rest
        assert child.returncode == -signal.SIGKILL
        for line in output.decode().split("\n")[:-1]:  # a torn last line is not counted
            index_text, entry_text = line.split(" ")
            acknowledged[int(index_text)] = entry_text.encode()

        with Log.open(db) as log:
            size = log.size()
            assert acknowledged, "the child acknowledged nothing before it was killed"
            assert max(acknowledged) < size, "an acknowledged entry was lost"
            entries = log.entries(0, size)
            for index, entry in acknowledged.items():
                assert entries[index] == entry
            root = subtree_root([leaf_hash(e) for e in entries])
            assert log.root_hash() == root
            seen_checkpoints.update(log.checkpoints())
            for note in seen_checkpoints:
                old, _ = open_checkpoint(note, [signer.verifier()])
                if 0 < old.size <= size:
                    verify_consistency(log.consistency_proof(old.size, size), old.root_hash,
                                       root)
    assert rounds >= 3
    assert seen_checkpoints
