"""The witness over HTTP (status codes, media types, limits) and the log-side client that
collects cosignatures and merges them into the log."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from spyless.tlog.cosignature import CosignatureSigner, verified_witnesses
from spyless.tlog.httpd import ListenAddress
from spyless.tlog.log import Log
from spyless.tlog.note import parse_note
from spyless.witness.client import WitnessEndpoint, cosign_checkpoint, request_cosignature
from spyless.witness.interface import WitnessError
from spyless.witness.protocol import format_add_checkpoint
from spyless.witness.server import WitnessServer
from spyless.witness.state import WitnessState
from spyless.witness.witness import Witness
from tests.unit.witness.test_witness import LOG_KEY, ORIGIN, WITNESS_KEY

SECOND = CosignatureSigner("witness.example/w2", b"\x22" * 32)


@pytest.fixture
def log(tmp_path: Path) -> Log:
    log = Log.create(tmp_path / "log.db", ORIGIN)
    log.append([b"entry %d" % i for i in range(5)])
    log.checkpoint([LOG_KEY])
    return log


def _serve(signer: CosignatureSigner, state: Path) -> WitnessServer:
    witness = Witness(signer, [LOG_KEY.verifier()], WitnessState(state))
    server = WitnessServer(witness, ListenAddress("127.0.0.1", 0), request_timeout=5.0)
    server.start_background()
    return server


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[list[WitnessServer]]:
    running = [_serve(WITNESS_KEY, tmp_path / "w1"), _serve(SECOND, tmp_path / "w2")]
    yield running
    for server in running:
        server.shutdown()


def request(url: str, method: str, path: str, body: bytes | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """One request on a fresh connection: (status, headers, body)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        answer = connection.getresponse()
        return answer.status, dict(answer.getheaders()), answer.read()
    finally:
        connection.close()


def _post(url: str, body: bytes, path: str = "/add-checkpoint") -> tuple[int, str, bytes]:
    status, headers, data = request(url, "POST", path, body)
    return status, headers.get("Content-Type", ""), data


def test_status_codes_over_http(log: Log, servers: list[WitnessServer]) -> None:
    url = servers[0].url
    assert url.startswith("http://127.0.0.1:")
    note = log.latest_checkpoint()
    assert note is not None
    status, kind, body = _post(url, format_add_checkpoint(0, (), note))
    assert (status, kind) == (200, "text/plain; charset=utf-8")
    assert body.startswith("\u2014 witness.example/w1 ".encode())
    assert _post(url, format_add_checkpoint(0, (), note))[:3] == (409, "text/x.tlog.size", b"5\n")
    assert _post(url, format_add_checkpoint(5, (b"\0" * 32,), note))[0] == 422
    assert _post(url, b"old x\n\n")[0] == 400
    assert _post(url, format_add_checkpoint(0, (), note.replace(ORIGIN, "other.example/log",
                                                                 1)))[0] == 404
    assert _post(url, b"x" * (300 << 10))[0] == 413
    assert _post(url, b"", path="/elsewhere")[0] == 404
    assert request(url, "GET", "/add-checkpoint")[0] == 404


def test_client_collects_and_merges_cosignatures(log: Log,
                                                 servers: list[WitnessServer]) -> None:
    endpoints = [WitnessEndpoint(servers[0].url, WITNESS_KEY.verifier()),
                 WitnessEndpoint(servers[1].url + "/", SECOND.verifier())]
    merged, outcomes = cosign_checkpoint(log, endpoints)
    assert [o.error for o in outcomes] == [None, None]
    assert merged == log.latest_checkpoint()
    note = parse_note(merged)
    assert verified_witnesses(note, [WITNESS_KEY.verifier(), SECOND.verifier()]) == (
        "witness.example/w1", "witness.example/w2")
    # The log grows: the client learns each witness's size (409) and sends the proof.
    log.append([b"entry %d" % i for i in range(5, 40)])
    log.checkpoint([LOG_KEY])
    merged, outcomes = cosign_checkpoint(log, endpoints)
    assert [o.error for o in outcomes] == [None, None]
    assert len(parse_note(merged).signatures) == 3
    # A witness answering with a key the log does not trust is not merged.
    wrong = WitnessEndpoint(servers[0].url, SECOND.verifier())
    log.append([b"entry 40"])
    log.checkpoint([LOG_KEY])
    _, outcomes = cosign_checkpoint(log, [wrong])
    assert outcomes[0].error is not None
    assert "without a cosignature from its trusted key" in outcomes[0].error


def test_client_reports_unreachable_and_ahead_witnesses(log: Log,
                                                        servers: list[WitnessServer]) -> None:
    endpoint = WitnessEndpoint(servers[0].url, WITNESS_KEY.verifier())
    note = log.latest_checkpoint()
    assert note is not None
    log.append([b"entry 5"])
    newer = log.checkpoint([LOG_KEY]).render()
    request_cosignature(log, newer, endpoint)
    with pytest.raises(WitnessError, match="already cosigned size 6"):
        request_cosignature(log, note, endpoint)
    dead = WitnessEndpoint("http://127.0.0.1:9", WITNESS_KEY.verifier())
    _, outcomes = cosign_checkpoint(log, [dead], timeout=2)
    assert outcomes[0].error is not None
    assert "cannot reach witness" in outcomes[0].error
