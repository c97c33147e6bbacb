"""The same log on a real PostgreSQL server, started by the test (skips without one).

Needs the ``postgres`` and ``initdb`` binaries (Debian: ``apt-get install postgresql``) and
psycopg 3. As root the server runs as the ``postgres`` user, as PostgreSQL requires.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from spyless.tlog.log import Log
from spyless.tlog.merkle import leaf_hash, subtree_root, verify_consistency, verify_inclusion
from spyless.tlog.note import Ed25519NoteSigner

pytest.importorskip("psycopg", reason="psycopg 3 is not installed")


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    return str(candidates[-1]) if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def postgres_dsn() -> Iterator[str]:
    initdb, postgres = _binary("initdb"), _binary("postgres")
    if not initdb or not postgres:
        pytest.skip("PostgreSQL server binaries not installed (apt-get install postgresql)")
    run_as: dict[str, Any] = {}
    root = Path(tempfile.mkdtemp(prefix="spyless-pg-"))
    if os.geteuid() == 0:
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no 'postgres' user to run the server")
        os.chown(root, user.pw_uid, user.pw_gid)
        run_as = {"user": user.pw_uid, "group": user.pw_gid}
    data, sockets = root / "data", root
    subprocess.run([initdb, "-D", str(data), "-A", "trust", "-U", "spyless", "--no-sync"],
                   check=True, capture_output=True, timeout=120, **run_as)
    port = _free_port()
    server = subprocess.Popen(
        [postgres, "-D", str(data), "-k", str(sockets), "-p", str(port), "-c",
         "listen_addresses=", "-c", "fsync=off"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **run_as)
    try:
        socket_file = sockets / f".s.PGSQL.{port}"
        for _ in range(300):
            if socket_file.exists():
                break
            time.sleep(0.05)
        else:
            pytest.fail("PostgreSQL did not start")
        time.sleep(0.3)
        yield f"postgresql://spyless@/postgres?host={sockets}&port={port}"
    finally:
        server.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(timeout=20)
        shutil.rmtree(root, ignore_errors=True)


def test_log_on_postgresql(postgres_dsn: str) -> None:
    signer = Ed25519NoteSigner("example.org/pg", b"\x08" * 32)
    log = Log.create(postgres_dsn, "example.org/pg")
    other = Log.open(postgres_dsn)  # a second writer, as another process would be

    def worker(target: Log, tag: bytes) -> None:
        for i in range(25):
            target.append([b"%s-%d-%d" % (tag, i, j) for j in range(i % 7 + 1)])

    threads = [threading.Thread(target=worker, args=(target, tag))
               for target, tag in ((log, b"a"), (other, b"b"), (log, b"c"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    size = log.size()
    assert size == 3 * sum(i % 7 + 1 for i in range(25))
    hashes = [leaf_hash(e) for e in log.entries(0, size)]
    root = subtree_root(hashes)
    assert log.root_hash() == root == other.root_hash()
    for index in (0, 255, 256, size - 1):
        verify_inclusion(log.inclusion_proof(index), hashes[index], root)
    verify_consistency(log.consistency_proof(100, size), subtree_root(hashes[:100]), root)
    note = log.checkpoint([signer])
    assert other.latest_checkpoint() == note.render()
    log.close()
    other.close()
