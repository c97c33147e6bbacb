"""``spyless log serve``: the log over HTTP, as C2SP tlog-tiles plus a submission endpoint.

Read side (no authentication, cacheable, what a CDN could serve): ``GET /checkpoint``,
``GET /tile/<L>/<N>[.p/<W>]``, ``GET /tile/entries/<N>[.p/<W>]`` (c2sp.org/tlog-tiles),
and for clients that do not walk tiles ``GET /proof/inclusion?index=N[&size=M]`` and
``GET /proof/consistency?old=M[&size=N]`` (JSON, sizes up to the latest checkpoint).

Write side: ``POST /add`` with ``Authorization: Bearer <token>`` and a DSSE envelope of at
most 65,535 bytes; the entry goes through the :class:`Sequencer` (many concurrent
submissions, one transaction per batch) and the answer is its index once durably
committed. With ``?proof=1`` the answer waits (bounded) for the next checkpoint and also
carries an offline proof bundle. A background thread signs a checkpoint every
``checkpoint_interval`` seconds when the tree has grown.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

from spyless.tlog.bundle import bundle_to_json, make_bundle
from spyless.tlog.checkpoint import read_checkpoint_note
from spyless.tlog.httpd import (
    DEFAULT_REQUEST_TIMEOUT,
    ListenAddress,
    PooledHTTPServer,
    body_or_refuse,
    refuse,
    send,
    send_text,
)
from spyless.tlog.interface import MAX_ENTRY_SIZE, EntryError, ProofError, TlogError
from spyless.tlog.log import Log
from spyless.tlog.note import NoteSigner
from spyless.tlog.sequencer import Sequencer
from spyless.tlog.tiles import parse_tile_path, read_resource

#: Full tiles and bundles never change (tlog-tiles: "immutable, long-lived").
CACHE_IMMUTABLE = "public, max-age=31536000, immutable"
#: A partial tile's bytes never change either, but it is superseded by the full tile: keep
#: it briefly so caches move on to the full tile.
CACHE_PARTIAL = "public, max-age=60"
#: The checkpoint is mutable: "prevent caching beyond a few seconds".
CACHE_CHECKPOINT = "public, max-age=2"
CACHE_NONE = "no-store"

OCTET_STREAM = "application/octet-stream"
JSON_TYPE = "application/json"


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """How ``log serve`` runs; ``token_sha256`` is the digest of the submission token."""

    listen: ListenAddress
    token_sha256: bytes
    checkpoint_interval: float = 1.0
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT
    proof_wait: float = 10.0
    workers: int = 32


def token_digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


class LogService:
    """The log, its sequencer and its checkpoint signer, independent of HTTP."""

    def __init__(self, log: Log, signers: Sequence[NoteSigner], interval: float) -> None:
        self.log = log
        self._signers = list(signers)
        self._interval = interval
        self.sequencer = Sequencer(log)
        self._signed = threading.Condition()
        self._signed_size = self._latest_size()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tlog-checkpointer", daemon=True)

    def _latest_size(self) -> int:
        note = self.log.latest_checkpoint()
        return -1 if note is None else read_checkpoint_note(note)[0].size

    def start(self) -> None:
        self.sign_if_grown()
        self._thread.start()

    def sign_if_grown(self) -> None:
        """Sign a checkpoint if entries were committed since the last one (or none exists)."""
        size = self.log.size()
        if size > self._signed_size:
            self.log.checkpoint(self._signers, size)
            with self._signed:
                self._signed_size = size
                self._signed.notify_all()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self.sign_if_grown()
            except TlogError:  # storage hiccup: try again at the next tick
                continue

    def wait_signed(self, index: int, timeout: float) -> bool:
        """Block until a checkpoint covers entry ``index`` (or ``timeout`` passes)."""
        with self._signed:
            return self._signed.wait_for(lambda: self._signed_size > index, timeout)

    def close(self) -> None:
        """Drain the submissions, sign a last checkpoint, stop the signer thread."""
        self.sequencer.close()
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        self.sign_if_grown()


def _query_int(query: dict[str, list[str]], name: str) -> int | None:
    values = query.get(name)
    if not values:
        return None
    text = values[-1]
    if not text.isdigit() or len(text) > 20:
        raise ValueError(f"{name} must be a non-negative decimal integer")
    return int(text)


def _required(query: dict[str, list[str]], name: str) -> int:
    value = _query_int(query, name)
    if value is None:
        raise ValueError(f"{name} is required")
    return value


def proof_answer(log: Log, path: str, query: dict[str, list[str]]) -> tuple[dict[str, Any], bool]:
    """The JSON of a proof request, and whether it is for an explicit (fixed) tree size.

    Sizes default to, and may not exceed, the latest signed checkpoint: a proof against a
    tree no checkpoint commits to proves nothing to a client.
    """
    note = log.latest_checkpoint()
    signed = -1 if note is None else read_checkpoint_note(note)[0].size
    asked = _query_int(query, "size")
    size = signed if asked is None else asked
    if not 0 <= size <= signed:
        raise ValueError(f"size must be at most the latest checkpoint's size {signed}")
    if path == "/proof/inclusion":
        index = _required(query, "index")
        proof = log.inclusion_proof(index, size)
        return {"index": index, "size": size, "leaf_hash": _b64(log.leaf_hash(index)),
                "hashes": [_b64(h) for h in proof.hashes]}, asked is not None
    old = _required(query, "old")
    consistency = log.consistency_proof(old, size)
    return {"old_size": old, "size": size,
            "hashes": [_b64(h) for h in consistency.hashes]}, asked is not None


class LogRequestHandler(BaseHTTPRequestHandler):
    """One request against the log; the service and config come from the server."""

    protocol_version = "HTTP/1.1"
    server_version = "spyless-log"
    sys_version = ""
    # Headers and body go out in separate writes: without this, Nagle's algorithm and the
    # peer's delayed ACK add ~40 ms to every keep-alive answer.
    disable_nagle_algorithm = True
    timeout = DEFAULT_REQUEST_TIMEOUT
    service: ClassVar[LogService]
    config: ClassVar[ServerConfig]

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
        """Quiet: no per-request lines on stderr (the load test makes thousands)."""

    # -- reads -------------------------------------------------------------------------

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        path = url.path
        try:
            if path == "/checkpoint":
                self._checkpoint()
            elif path.startswith("/tile/"):
                self._tile(path)
            elif path in ("/proof/inclusion", "/proof/consistency"):
                self._proof(path, parse_qs(url.query))
            else:
                send_text(self, 404, "not found")
        except TlogError as e:
            send_text(self, 500, f"log error: {e.diagnostics()}")

    def _checkpoint(self) -> None:
        note = self.service.log.latest_checkpoint()
        if note is None:
            send_text(self, 404, "no checkpoint signed yet", {"Cache-Control": CACHE_NONE})
            return
        send(self, 200, note.encode("utf-8"), headers={"Cache-Control": CACHE_CHECKPOINT})

    def _tile(self, path: str) -> None:
        ref = parse_tile_path(path.removeprefix("/"))
        data = None if ref is None else read_resource(self.service.log, ref)
        if ref is None or data is None:
            send_text(self, 404, "no such tile", {"Cache-Control": CACHE_NONE})
            return
        cache = CACHE_IMMUTABLE if ref.width is None else CACHE_PARTIAL
        send(self, 200, data, OCTET_STREAM, {"Cache-Control": cache})

    def _proof(self, path: str, query: dict[str, list[str]]) -> None:
        try:
            body, fixed = proof_answer(self.service.log, path, query)
        except (ValueError, ProofError, EntryError) as e:
            message = e.diagnostics() if isinstance(e, TlogError) else str(e)
            send_text(self, 400, message, {"Cache-Control": CACHE_NONE})
            return
        send(self, 200, json.dumps(body).encode("utf-8"), JSON_TYPE,
             {"Cache-Control": CACHE_IMMUTABLE if fixed else CACHE_CHECKPOINT})

    # -- submissions -------------------------------------------------------------------

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        if url.path != "/add":
            self._refuse(404, "not found")
            return
        authorization = self.headers.get("Authorization", "")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            self._refuse(401, "submissions need 'Authorization: Bearer <token>'",
                         {"WWW-Authenticate": 'Bearer realm="spyless-log"'})
            return
        # Compare digests so neither the length nor the content of the token leaks.
        if not hmac.compare_digest(token_digest(token.strip()), self.config.token_sha256):
            self._refuse(403, "the token is not valid for this log")
            return
        entry = body_or_refuse(self, MAX_ENTRY_SIZE)
        if entry is None:
            return
        try:
            index = self.service.sequencer.submit(entry)
        except EntryError as e:
            send_text(self, 400, f"entry refused: {e.diagnostics()}")
            return
        except TlogError as e:
            send_text(self, 503, f"log unavailable: {e.diagnostics()}")
            return
        answer: dict[str, Any] = {"index": index}
        if parse_qs(url.query).get("proof", ["0"])[-1] not in ("", "0", "false"):
            answer["bundle"] = self._bundle(index)
        send(self, 200, json.dumps(answer).encode("utf-8"), JSON_TYPE,
             {"Cache-Control": CACHE_NONE})

    def _bundle(self, index: int) -> Any:
        if not self.service.wait_signed(index, self.config.proof_wait):
            return None
        return json.loads(bundle_to_json(make_bundle(self.service.log, index)))

    def _refuse(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        refuse(self, status, message, headers)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class LogServer:
    """``log serve``: start, then ``serve_forever`` (blocking) or ``start_background``."""

    def __init__(self, log: Log, signers: Sequence[NoteSigner], config: ServerConfig) -> None:
        self.service = LogService(log, signers, config.checkpoint_interval)
        handler = type("BoundLogRequestHandler", (LogRequestHandler,), {
            "service": self.service, "config": config, "timeout": config.request_timeout})
        self.httpd = PooledHTTPServer(config.listen, handler, config.workers)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return self.httpd.bound.url()

    def start_background(self) -> None:
        self.service.start()
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="tlog-http",
                                        kwargs={"poll_interval": 0.2}, daemon=True)
        self._thread.start()

    def shutdown(self) -> None:
        """Stop accepting, finish the requests in flight, sign the last checkpoint."""
        self.httpd.shutdown()
        if self._thread is not None:
            self._thread.join()
        self.httpd.server_close()
        self.service.close()
