"""The HTTP plumbing ``spyless log serve`` and ``spyless witness serve`` share.

A stdlib :class:`http.server.HTTPServer` whose connections are handled by a fixed pool of
worker threads (not a thread per connection): thread-local SQLite connections are reused,
and a flood of connections queues or is refused instead of spawning unbounded threads.
Also: parsing of ``--listen HOST:PORT`` (only the address given is ever bound), bounded
request-body reading, and small response helpers.
"""

from __future__ import annotations

import contextlib
import ipaddress
import signal
import socket
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

from spyless.errors import UsageError

#: Seconds a connection may stay silent (request line, headers, body, keep-alive idle).
DEFAULT_REQUEST_TIMEOUT = 10.0


@dataclass(frozen=True, slots=True)
class ListenAddress:
    host: str
    port: int

    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"


def parse_listen(value: str) -> ListenAddress:
    """``HOST:PORT`` or ``[V6]:PORT``; the host must be a literal IP address (no lookups,
    so nothing but the address given is bound)."""
    host, sep, port_text = value.rpartition(":")
    if not sep or not port_text.isdigit() or int(port_text) > 65535:
        raise UsageError(f"--listen {value!r}: expected HOST:PORT, e.g. 127.0.0.1:8080")
    host = host.removeprefix("[").removesuffix("]")
    try:
        ipaddress.ip_address(host)
    except ValueError as e:
        raise UsageError(f"--listen {value!r}: the host must be an IP address") from e
    return ListenAddress(host, int(port_text))


class PooledHTTPServer(HTTPServer):
    """An HTTPServer serving each connection on one of ``workers`` threads.

    At most ``workers * 4`` connections wait for a worker; beyond that a new connection is
    closed at once (clients retry) rather than holding memory and a file descriptor.
    """

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: ListenAddress, handler: type[BaseHTTPRequestHandler],
                 workers: int = 32) -> None:
        self.address_family = socket.AF_INET6 if ":" in address.host else socket.AF_INET
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="http")
        self._slots = threading.BoundedSemaphore(workers * 4)
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__((address.host, address.port), handler)

    @property
    def bound(self) -> ListenAddress:
        host, port = self.server_address[:2]
        return ListenAddress(str(host), int(port))

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            self.shutdown_request(request)
            return
        self._pool.submit(self._serve_one, request, client_address)

    def _serve_one(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        try:
            self.finish_request(request, client_address)
        except Exception:  # a broken connection must not kill the worker
            self.handle_error(request, client_address)
        finally:
            with self._open_lock:
                self._open.discard(request)
            self.shutdown_request(request)
            self._slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Connection-level failures (resets, timeouts) are the client's business."""

    def server_close(self) -> None:
        """Stop listening; idle keep-alive connections see end-of-input and end, requests
        being processed still get their answers."""
        super().server_close()
        with self._open_lock:
            for connection in self._open:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RD)
        self._pool.shutdown(wait=True, cancel_futures=True)


class BodyError(Exception):
    """A request body that cannot be read: carries the HTTP status to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def read_body(handler: BaseHTTPRequestHandler, limit: int) -> bytes:
    """The request body, which must have a Content-Length of at most ``limit`` bytes."""
    if handler.headers.get("Transfer-Encoding"):
        raise BodyError(411, "send the body with a Content-Length, not chunked")
    length_text = handler.headers.get("Content-Length")
    if length_text is None:
        raise BodyError(411, "a Content-Length header is required")
    if not length_text.strip().isdigit():
        raise BodyError(400, "malformed Content-Length")
    length = int(length_text)
    if length > limit:
        raise BodyError(413, f"the body is {length} bytes; at most {limit} are accepted")
    data = handler.rfile.read(length)
    if len(data) != length:
        raise BodyError(400, "the body is shorter than its Content-Length")
    return data


def refuse(handler: BaseHTTPRequestHandler, status: int, message: str,
           headers: dict[str, str] | None = None) -> None:
    """An error before the body was read: answer, then close (the body is unread)."""
    handler.close_connection = True
    send_text(handler, status, message, {"Connection": "close", **(headers or {})})


def body_or_refuse(handler: BaseHTTPRequestHandler, limit: int) -> bytes | None:
    """The request body, or None after answering why it cannot be read (or the client
    stalled, in which case the connection is just closed)."""
    try:
        return read_body(handler, limit)
    except BodyError as e:
        refuse(handler, e.status, str(e))
    except TimeoutError:
        handler.close_connection = True
    return None


def send(handler: BaseHTTPRequestHandler, status: int, body: bytes,
         content_type: str = "text/plain; charset=utf-8",
         headers: dict[str, str] | None = None) -> None:
    """Answer with ``body``; the connection stays open for keep-alive unless it is an error
    whose request body may not have been read."""
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.send_header("X-Content-Type-Options", "nosniff")
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    if handler.command != "HEAD":
        with contextlib.suppress(OSError):
            handler.wfile.write(body)


def send_text(handler: BaseHTTPRequestHandler, status: int, message: str,
              headers: dict[str, str] | None = None) -> None:
    send(handler, status, (message.rstrip("\n") + "\n").encode("utf-8"), headers=headers)


def run_until_signalled(shutdown: Callable[[], None]) -> None:
    """Block until SIGINT or SIGTERM, then call ``shutdown`` (graceful stop); main thread."""
    stop = threading.Event()
    handled = (signal.SIGINT, signal.SIGTERM)
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in handled}
    try:
        while not stop.wait(0.5):
            pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        shutdown()
