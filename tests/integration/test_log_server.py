"""``spyless log serve``: authentication, limits, C2SP tiles equal to the static export,
proofs, concurrent submissions batched by the sequencer, timeouts and graceful shutdown.

Servers listen on 127.0.0.1 with an ephemeral port and are shut down by each test.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from spyless.attest.dsse import envelope_to_json, sign_envelope
from spyless.attest.keys import KeySigner, generate_private_key
from spyless.errors import UsageError
from spyless.tlog.bundle import bundle_from_json, verify_bundle
from spyless.tlog.checkpoint import open_checkpoint
from spyless.tlog.entries import check_envelope_entry
from spyless.tlog.httpd import ListenAddress, parse_listen
from spyless.tlog.interface import ConsistencyProof, InclusionProof
from spyless.tlog.log import Log
from spyless.tlog.merkle import leaf_hash, verify_consistency, verify_inclusion
from spyless.tlog.note import Ed25519NoteSigner
from spyless.tlog.server import LogServer, ServerConfig, token_digest
from spyless.tlog.tiles import decode_entry_bundle, write_tiles

ORIGIN = "example.org/served-log"
LOG_KEY = Ed25519NoteSigner(ORIGIN, b"\x31" * 32)
TOKEN = "test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SIGNER = KeySigner(generate_private_key())


def envelope(n: int) -> bytes:
    return envelope_to_json(sign_envelope(b'{"n": %d}' % n, "application/vnd.test+json",
                                          [SIGNER])).encode("utf-8")


class Client:
    """A keep-alive HTTP/1.1 connection to one server."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.connection = http.client.HTTPConnection(parts.hostname or "", parts.port,
                                                     timeout=30)

    def __call__(self, method: str, path: str, body: bytes | None = None,
                 headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        self.connection.request(method, path, body=body, headers=headers or {})
        answer = self.connection.getresponse()
        data = answer.read()
        if answer.will_close:
            self.connection.close()
        return answer.status, dict(answer.getheaders()), data

    def close(self) -> None:
        self.connection.close()


def address(server: LogServer) -> tuple[str, int]:
    bound = server.httpd.bound
    return bound.host, bound.port


@pytest.fixture
def log(tmp_path: Path) -> Log:
    return Log.create(tmp_path / "log.db", ORIGIN, check_envelope_entry)


def start(log: Log, interval: float = 0.05, timeout: float = 5.0) -> LogServer:
    config = ServerConfig(ListenAddress("127.0.0.1", 0), token_digest(TOKEN), interval,
                          request_timeout=timeout, proof_wait=5.0)
    server = LogServer(log, [LOG_KEY], config)
    server.start_background()
    return server


@pytest.fixture
def server(log: Log) -> Iterator[LogServer]:
    running = start(log)
    yield running
    running.shutdown()


def test_submissions_need_the_token(server: LogServer) -> None:
    client = Client(server.url)
    status, headers, _ = client("POST", "/add", envelope(0))
    assert status == 401
    assert headers["WWW-Authenticate"].startswith("Bearer")
    assert client("POST", "/add", envelope(0), {"Authorization": "Basic " + TOKEN})[0] == 401
    assert client("POST", "/add", envelope(0), {"Authorization": "Bearer "})[0] == 401
    assert client("POST", "/add", envelope(0), {"Authorization": "Bearer wrong"})[0] == 403
    assert client("POST", "/add", envelope(0), {"Authorization": f"Bearer {TOKEN}x"})[0] == 403
    status, _, body = client("POST", "/add", envelope(0), AUTH)
    assert (status, json.loads(body)) == (200, {"index": 0})
    assert server.service.log.size() == 1


def test_limits_and_refusals(server: LogServer) -> None:
    client = Client(server.url)
    big = b" " * (65535 - len(envelope(1))) + envelope(1)
    assert client("POST", "/add", big, AUTH)[0] == 200  # exactly 65,535 bytes
    status, _, body = client("POST", "/add", big + b" ", AUTH)
    assert status == 413
    assert b"65535" in body
    status, _, body = client("POST", "/add", b"not an envelope", AUTH)
    assert (status, body.startswith(b"entry refused: not a DSSE envelope")) == (400, True)
    assert client("POST", "/elsewhere", b"x", AUTH)[0] == 404
    assert client("GET", "/nothing")[0] == 404
    assert client("PUT", "/add", b"x", AUTH)[0] == 501
    raw = socket.create_connection(address(server), timeout=10)
    with raw:
        raw.sendall(b"POST /add HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN.encode() +
                    b"\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
        assert raw.recv(100).startswith(b"HTTP/1.1 411")
    assert server.service.log.size() == 1


def test_slow_clients_are_cut_off(log: Log) -> None:
    running = start(log, timeout=0.5)
    try:
        raw = socket.create_connection(address(running), timeout=10)
        with raw:
            raw.sendall(b"GET /checkpoint HTTP/1.1\r\nHost: x\r\n")  # never finishes
            began = time.monotonic()
            assert raw.recv(100) == b""
            assert time.monotonic() - began < 5
        assert Client(running.url)("GET", "/checkpoint")[0] == 200
    finally:
        running.shutdown()


def test_tiles_served_equal_the_static_export(log: Log, tmp_path: Path) -> None:
    log.append([envelope(n) for n in range(700)])
    running = start(log)
    try:
        client = Client(running.url)
        for n in range(700, 705):
            assert client("POST", "/add", envelope(n), AUTH)[0] == 200
        assert running.service.wait_signed(704, 5)
        status, headers, note = client("GET", "/checkpoint")
        assert status == 200
        assert headers["Content-Type"] == "text/plain; charset=utf-8"
        assert headers["Cache-Control"] == "public, max-age=2"
        checkpoint, _ = open_checkpoint(note, [LOG_KEY.verifier()])
        assert checkpoint.size == 705
        export = tmp_path / "static"
        write_tiles(log, export)
        files = sorted(p for p in export.rglob("*") if p.is_file() and p.name != "checkpoint")
        assert len(files) == 3 + 1 + 3  # level 0: 2 full + partial; level 1; 3 bundles
        for file in files:
            path = "/" + file.relative_to(export).as_posix()
            status, headers, data = client("GET", path)
            assert (status, data) == (200, file.read_bytes()), path
            assert headers["Content-Type"] == "application/octet-stream"
            partial = ".p/" in path
            assert ("immutable" in headers["Cache-Control"]) is not partial, path
        assert decode_entry_bundle(client("GET", "/tile/entries/002.p/193")[2])[-1] == envelope(
            704)
        assert client("HEAD", "/tile/0/000")[0] == 200
        for missing in ("/tile/0/003", "/tile/0/002.p/194", "/tile/entries/x001/000",
                        "/tile/0/x000/001", "/tile/64/000", "/tile/0/000.p/0", "/tile/0/000.p/256"):
            assert client("GET", missing)[0] == 404, missing
    finally:
        running.shutdown()


def test_proof_endpoints_verify_against_the_checkpoint(log: Log) -> None:
    log.append([envelope(n) for n in range(300)])
    running = start(log)
    try:
        client = Client(running.url)
        _, _, note = client("GET", "/checkpoint")
        checkpoint, _ = open_checkpoint(note, [LOG_KEY.verifier()])
        for index in (0, 1, 255, 256, 299):
            status, headers, body = client("GET", f"/proof/inclusion?index={index}")
            assert status == 200
            assert headers["Content-Type"] == "application/json"
            answer = json.loads(body)
            proof = InclusionProof(index, answer["size"],
                                   tuple(base64.b64decode(h) for h in answer["hashes"]))
            assert answer["size"] == checkpoint.size
            verify_inclusion(proof, leaf_hash(envelope(index)), checkpoint.root_hash)
        status, headers, body = client("GET", "/proof/consistency?old=100&size=300")
        assert "immutable" in headers["Cache-Control"]
        answer = json.loads(body)
        verify_consistency(ConsistencyProof(100, 300, tuple(
            base64.b64decode(h) for h in answer["hashes"])), log.root_hash(100),
            checkpoint.root_hash)
        for bad in ("/proof/inclusion?index=300", "/proof/inclusion?index=1&size=301",
                    "/proof/inclusion", "/proof/inclusion?index=-1",
                    "/proof/consistency?old=0", "/proof/consistency?old=301"):
            assert client("GET", bad)[0] == 400, bad
    finally:
        running.shutdown()


def test_add_with_proof_returns_an_offline_bundle(server: LogServer) -> None:
    status, _, body = Client(server.url)("POST", "/add?proof=1", envelope(7), AUTH)
    assert status == 200
    answer = json.loads(body)
    bundle = bundle_from_json(json.dumps(answer["bundle"]))
    proved = verify_bundle(bundle, [LOG_KEY.verifier()])
    assert (proved.index, bundle.entry) == (answer["index"], envelope(7))


def test_concurrent_submissions_are_batched_and_contiguous(server: LogServer) -> None:
    threads_n, each = 16, 25
    indexes: dict[int, int] = {}
    lock = threading.Lock()
    errors: list[BaseException] = []

    def submit(worker: int) -> None:
        client = Client(server.url)
        try:
            for i in range(each):
                n = worker * each + i
                status, _, body = client("POST", "/add", envelope(n), AUTH)
                assert status == 200
                with lock:
                    indexes[n] = json.loads(body)["index"]
        except BaseException as e:
            errors.append(e)
        finally:
            client.close()

    threads = [threading.Thread(target=submit, args=(w,)) for w in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    total = threads_n * each
    assert sorted(indexes.values()) == list(range(total))
    log = server.service.log
    for n, index in indexes.items():
        assert log.entry(index) == envelope(n)
    assert server.service.wait_signed(total - 1, 5)


def test_shutdown_signs_the_last_checkpoint_and_closes_the_port(log: Log) -> None:
    running = start(log, interval=3600)  # only the start-up and shutdown checkpoints
    client = Client(running.url)
    for n in range(3):
        assert client("POST", "/add", envelope(n), AUTH)[0] == 200
    bound = address(running)
    running.shutdown()
    note = log.latest_checkpoint()
    assert note is not None
    assert open_checkpoint(note, [LOG_KEY.verifier()])[0].size == 3
    with pytest.raises(OSError):  # noqa: PT011 - refused or reset, depending on timing
        socket.create_connection(bound, timeout=2).close()


def test_listen_takes_ip_addresses_only() -> None:
    assert parse_listen("127.0.0.1:0") == ListenAddress("127.0.0.1", 0)
    assert parse_listen("[::1]:8080").url() == "http://[::1]:8080"
    for bad in ("localhost:80", "example.org:80", "127.0.0.1", "127.0.0.1:99999", ":80"):
        with pytest.raises(UsageError):
            parse_listen(bad)


def test_log_serve_command_runs_and_stops_on_sigterm(tmp_path: Path) -> None:
    with Log.create(tmp_path / "cli.db", ORIGIN):
        pass
    key = tmp_path / "log.note"
    key.write_text(LOG_KEY.signer_key() + "\n")
    token = tmp_path / "token"
    token.write_text(TOKEN + "\n")
    short = tmp_path / "short"
    short.write_text("short\n")
    command = [sys.executable, "-m", "spyless.cli.main", "log", "serve", str(tmp_path / "cli.db"),
               "--key", str(key), "--listen", "127.0.0.1:0", "--checkpoint-interval", "0.1"]
    refused = subprocess.run([*command, "--token-file", str(short)], capture_output=True,
                             text=True, timeout=60, check=False)
    assert refused.returncode == 2
    assert "shorter than 16" in refused.stderr
    process = subprocess.Popen([*command, "--token-file", str(token)], stderr=subprocess.PIPE,
                               text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        assert "listening on http://127.0.0.1:" in line
        client = Client(line.split("listening on ")[1].strip())
        assert client("POST", "/add", envelope(0), AUTH)[0] == 200
        assert client("GET", "/checkpoint")[0] == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        assert "stopped" in process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    with Log.open(tmp_path / "cli.db") as reopened:
        note = reopened.latest_checkpoint()
        assert note is not None
        assert open_checkpoint(note, [LOG_KEY.verifier()])[0].size == 1
