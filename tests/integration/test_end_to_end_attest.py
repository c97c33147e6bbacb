"""End to end over the network: scan → check → attest → append through ``log serve`` →
cosign through two ``witness serve`` processes → offline ``spyless verify`` of the image.

And verification fails, one line naming the broken link, for a changed image, an unknown
signer, a failing verdict, a missing witness quorum and a forked log; the witnesses refuse
to cosign the fork and keep both signed checkpoints as evidence. Every server listens on
127.0.0.1 with an ephemeral port and is stopped (SIGTERM) at the end.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from spyless.cli import main as cli_main
from spyless.tlog.checkpoint import open_checkpoint
from spyless.tlog.note import parse_verifier_key

Run = Callable[..., tuple[int, str, str]]

#: Commands this test needs, for as long as they are not registered in the CLI yet.
LAUNCH = "import sys; from spyless.cli import main; sys.exit(main.main(sys.argv[1:]))"
AGREEMENT = """schema_version = "1"
name = "e2e"
extends = "baseline"

[clauses.TR-2]
enabled = false
reason = "the test image has no components, so no SBOM"

[clauses.TR-6]
enabled = false
reason = "the test image is one opaque blob"
"""
TOKEN = "e2e-token-0123456789abcdef"


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        tmp_path: Path) -> Run:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SPYLESS_KEY_PASSPHRASE", raising=False)
    monkeypatch.delenv("SPYLESS_LOG", raising=False)

    def call(*args: str) -> tuple[int, str, str]:
        code = cli_main.main([str(a) for a in args])
        out = capsys.readouterr()
        return code, out.out, out.err

    return call


class Servers:
    """Server subprocesses started by the test; all stopped with SIGTERM at the end."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self.processes: list[subprocess.Popen[str]] = []

    def start(self, *args: str) -> str:
        process = subprocess.Popen([sys.executable, "-c", LAUNCH, *args], cwd=self.cwd,
                                   stderr=subprocess.PIPE, text=True,
                                   env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self.processes.append(process)
        assert process.stderr is not None
        line = process.stderr.readline()
        assert "listening on http://127.0.0.1:" in line, line
        return line.rsplit(" ", 1)[1].strip()

    def stop(self) -> list[int]:
        codes = []
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
            try:
                codes.append(process.wait(timeout=30))
            except subprocess.TimeoutExpired:
                process.kill()
                codes.append(process.wait())
        return codes


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[Servers]:
    running = Servers(tmp_path)
    yield running
    running.stop()


def _request(url: str, method: str, path: str, body: bytes | None = None,
             headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


def _keys(run: Run, tmp_path: Path) -> None:
    for name in ("vendor", "stranger"):
        assert run("key", "generate", "-o", f"{name}.key")[0] == 0
    code, vkey, _ = run("key", "generate", "-o", "log.key", "--note-name", "example.org/log")
    assert code == 0
    (tmp_path / "log.vkey").write_text(vkey)
    for w in ("w1", "w2", "w3"):
        assert run("key", "generate", "-o", f"{w}.key", "--note-name", f"{w}.example")[0] == 0
        code, line, _ = run("note", "vkey", "--key", f"{w}.key.note", "--cosignature")
        (tmp_path / f"{w}.vkey").write_text(line)
    (tmp_path / "token").write_text(TOKEN + "\n")


def _wait_for_size(url: str, size: int) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status, body = _request(url, "GET", "/checkpoint")
        if status == 200:
            note = body.decode()
            checkpoint, _ = open_checkpoint(note, [parse_verifier_key(
                Path("log.vkey").read_text().strip())])
            if checkpoint.size >= size:
                return note
        time.sleep(0.05)
    raise AssertionError(f"no checkpoint of size {size} within 30 s")


def _verify(run: Run, image: str = "fw.bin", bundle: str = "good.json",
            signer: str = "vendor.key.pub", quorum: str = "2") -> tuple[int, str]:
    code, out, err = run("verify", image, "--bundle", bundle, "--signer", signer,
                         "--log-key", "log.vkey", "--witness", "w1.vkey", "--witness",
                         "w2.vkey", "--witness", "w3.vkey", "--quorum", quorum)
    return code, out + err


def _fails(result: tuple[int, str], what: str) -> None:
    code, text = result
    assert code == 1, text
    assert text.count("\n") == 1, text
    assert text.startswith("spyless: verification failed: "), text
    assert what in text, text


def test_scan_check_attest_append_cosign_verify(run: Run, servers: Servers,
                                                tmp_path: Path) -> None:
    _keys(run, tmp_path)
    image = tmp_path / "fw.bin"
    image.write_bytes(b"firmware image " * 300)
    (tmp_path / "agreement.toml").write_text(AGREEMENT)

    # scan + check: conforming under the agreement, failing against the bare baseline.
    assert run("check", "fw.bin", "-a", "agreement.toml", "-o", "check.json", "-q",
               "-j", "1")[0] == 0
    assert run("check", "fw.bin", "-o", "failing.json", "-q", "-j", "1")[0] == 1
    assert run("attest", "check.json", "--key", "vendor.key", "-o", "v.dsse.json")[0] == 0
    assert run("attest", "failing.json", "--key", "vendor.key", "-o", "f.dsse.json")[0] == 0

    # append through the HTTP server.
    assert run("log", "init", "--log", "log.db", "--origin", "example.org/log")[0] == 0
    log_url = servers.start("log", "serve", "log.db", "--key", "log.key.note", "--listen",
                            "127.0.0.1:0", "--token-file", "token", "--checkpoint-interval",
                            "0.1")
    auth = {"Authorization": f"Bearer {TOKEN}"}
    indexes = []
    for envelope in ("v.dsse.json", "f.dsse.json"):
        status, body = _request(log_url, "POST", "/add", (tmp_path / envelope).read_bytes(),
                                auth)
        assert status == 200, body
        indexes.append(json.loads(body)["index"])
    assert indexes == [0, 1]
    _wait_for_size(log_url, 2)

    # witness cosign through two witness servers (w3 is trusted by verifiers but offline).
    urls = {}
    for w in ("w1", "w2"):
        urls[w] = servers.start("witness", "serve", "--key", f"{w}.key.note", "--log-key",
                                "log.vkey", "--state", f"{w}-state", "--listen", "127.0.0.1:0")
    code, cosigned, err = run("witness", "add-checkpoint", "--log", "log.db",
                              "--witness", urls["w1"], "--witness-key", "w1.vkey",
                              "--witness", urls["w2"], "--witness-key", "w2.vkey")
    assert code == 0, err
    assert "w1.example: cosigned" in err
    assert "w2.example: cosigned" in err
    assert cosigned.count("\u2014 ") == 3
    # The server now serves the cosigned checkpoint (readers see the witnesses too).
    assert _request(log_url, "GET", "/checkpoint")[1].decode() == cosigned

    assert run("log", "bundle", "--log", "log.db", "--index", "0", "-o", "good.json")[0] == 0
    assert run("log", "bundle", "--log", "log.db", "--index", "1", "-o", "failing.json")[0] == 0

    # offline verify of the image: OK, then every broken link.
    code, text = _verify(run)
    assert code == 0, text
    assert "passing verdict for agreement 'e2e'" in text
    assert "cosigned by w1.example, w2.example (2 of 2 required)" in text
    (tmp_path / "changed.bin").write_bytes(image.read_bytes() + b"\0")
    _fails(_verify(run, image="changed.bin"), "not about this image")
    _fails(_verify(run, signer="stranger.key.pub"), "attestation: 0 of 1")
    _fails(_verify(run, bundle="failing.json"), "verdict is 'fail'")
    _fails(_verify(run, quorum="3"), "witness quorum not met: 2 of the 3")

    # A forked log: the same log key signs a different history of the same size. The
    # witnesses refuse it and keep both signed checkpoints as evidence; a bundle from the
    # fork has no witness cosignature, so verify fails on the quorum.
    assert run("log", "init", "--log", "fork.db", "--origin", "example.org/log")[0] == 0
    assert run("log", "append", "--log", "fork.db", "f.dsse.json", "v.dsse.json")[0] == 0
    assert run("log", "checkpoint", "--log", "fork.db", "--key", "log.key.note")[0] == 0
    code, _, err = run("witness", "add-checkpoint", "--log", "fork.db",
                       "--witness", urls["w1"], "--witness-key", "w1.vkey")
    assert code == 1
    assert "w1.example: refused: witness w1.example refused (HTTP 422)" in err
    evidence_files = list((tmp_path / "w1-state" / "forks").iterdir())
    assert len(evidence_files) == 1
    evidence = json.loads(evidence_files[0].read_text())
    assert evidence["kind"] == "same-size-different-root"
    log_key = parse_verifier_key((tmp_path / "log.vkey").read_text().strip())
    honest, _ = open_checkpoint(evidence["cosigned_checkpoint"], [log_key])
    forked, _ = open_checkpoint(evidence["submitted_checkpoint"], [log_key])
    assert honest.size == forked.size == 2
    assert honest.root_hash != forked.root_hash
    assert run("log", "bundle", "--log", "fork.db", "--index", "1", "-o", "fork.json")[0] == 0
    _fails(_verify(run, bundle="fork.json"), "witness quorum not met: 0 of the 2")

    assert servers.stop() == [0, 0, 0]
