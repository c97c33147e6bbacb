"""``spyless witness serve``: the witness over HTTP (``POST /add-checkpoint``).

A thin adapter: the body (at most :data:`MAX_REQUEST_SIZE` bytes) goes to
:meth:`Witness.add_checkpoint`, whose answer is sent as is. Connections are served by the
same bounded worker pool as the log server, with the same timeouts and address rules.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler
from typing import Any, ClassVar

from spyless.errors import Error
from spyless.tlog.httpd import (
    DEFAULT_REQUEST_TIMEOUT,
    ListenAddress,
    PooledHTTPServer,
    body_or_refuse,
    refuse,
    send,
    send_text,
)
from spyless.witness.interface import MAX_REQUEST_SIZE
from spyless.witness.witness import Witness


class WitnessRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "spyless-witness"
    sys_version = ""
    # Headers and body go out in separate writes: without this, Nagle's algorithm and the
    # peer's delayed ACK add ~40 ms to every keep-alive answer.
    disable_nagle_algorithm = True
    timeout = DEFAULT_REQUEST_TIMEOUT
    witness: ClassVar[Witness]

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
        """Quiet: refusals worth keeping are written as fork evidence instead."""

    def do_GET(self) -> None:
        send_text(self, 404, "this witness only answers POST /add-checkpoint")

    def do_POST(self) -> None:
        if self.path.partition("?")[0] != "/add-checkpoint":
            self._refuse(404, "not found")
            return
        body = body_or_refuse(self, MAX_REQUEST_SIZE)
        if body is None:
            return
        try:
            answer = self.witness.add_checkpoint(body)
        except Error as e:  # state unreadable or unwritable: nothing was cosigned
            send_text(self, 500, f"witness error: {e.diagnostics()}")
            return
        send(self, answer.status, answer.body, answer.content_type,
             {"Cache-Control": "no-store"})

    def _refuse(self, status: int, message: str) -> None:
        refuse(self, status, message)


class WitnessServer:
    def __init__(self, witness: Witness, listen: ListenAddress,
                 request_timeout: float = DEFAULT_REQUEST_TIMEOUT, workers: int = 16) -> None:
        handler = type("BoundWitnessRequestHandler", (WitnessRequestHandler,), {
            "witness": witness, "timeout": request_timeout})
        self.httpd = PooledHTTPServer(listen, handler, workers)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return self.httpd.bound.url()

    def start_background(self) -> None:
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="witness-http",
                                        kwargs={"poll_interval": 0.2}, daemon=True)
        self._thread.start()

    def shutdown(self) -> None:
        self.httpd.shutdown()
        if self._thread is not None:
            self._thread.join()
        self.httpd.server_close()
