"""Payload inspection of TCP flows: TLS SNI, HTTP requests, FTP and telnet logins, DNS/TCP.

Each direction's segments are put back in sequence order (out-of-order segments wait,
retransmitted bytes are dropped, a missing segment leaves a gap that is never filled, so
the parsers simply never see what follows it). Inspection is bounded: a flow is looked at
until its protocol is known and its interesting part is parsed, or until a few segments
say it is nothing we read; then the flow table stops calling it.
"""

from __future__ import annotations

from collections.abc import Callable

from spyless.traffic import http, tls
from spyless.traffic.interface import HttpRequest
from spyless.traffic.state import IN, OUT, FlowState, Sighting

_MASK = 0xFFFFFFFF
_PENDING = 64  # out-of-order segments kept per direction
_UNDECIDED_SEGMENTS = 8
_MAX_SEGMENTS = 4096
_MAX_REQUESTS = 64
_MAX_LINE = 4096
_TELNET_PORTS = (23, 2323)

DnsHandler = Callable[[FlowState, int, bytes, float, int], None]


class _Stream:
    """One direction of a TCP connection, reassembled from its sequence numbers."""

    __slots__ = ("next", "pending", "seen")

    def __init__(self) -> None:
        self.next: int | None = None
        self.pending: dict[int, bytes] = {}
        self.seen = 0  # contiguous bytes delivered so far

    def syn(self, seq: int) -> None:
        if self.next is None:
            self.next = (seq + 1) & _MASK

    def feed(self, seq: int, data: bytes) -> bytes:
        """The bytes that became contiguous with this segment (often just ``data``)."""
        if self.next is None:
            self.next = seq
        ahead = (seq - self.next) & _MASK
        if ahead >= 1 << 31:  # starts before what was delivered: drop the repeated part
            data = data[(self.next - seq) & _MASK:]
            if not data:
                return b""
        elif ahead:
            if len(self.pending) < _PENDING:
                self.pending.setdefault(seq, data)
            return b""
        parts = [data]
        self.next = (self.next + len(data)) & _MASK
        while self.pending:
            for start, chunk in list(self.pending.items()):
                behind = (self.next - start) & _MASK
                if behind < 1 << 31:  # starts at or before next
                    del self.pending[start]
                    if behind < len(chunk):
                        parts.append(chunk[behind:])
                        self.next = (self.next + len(chunk) - behind) & _MASK
                    break
            else:
                break
        out = b"".join(parts)
        self.seen += len(out)
        return out


def strip_telnet(data: bytes) -> bytes:
    """Remove telnet commands (RFC 854: IAC sequences, subnegotiations) from ``data``."""
    if 255 not in data:
        return data
    out = bytearray()
    i = 0
    while i < len(data):
        byte = data[i]
        if byte != 255:
            out.append(byte)
            i += 1
            continue
        command = data[i + 1] if i + 1 < len(data) else 0
        if command == 255:
            out.append(255)
            i += 2
        elif command == 250:  # SB ... IAC SE
            end = data.find(b"\xff\xf0", i + 2)
            i = len(data) if end < 0 else end + 2
        elif 251 <= command <= 254:
            i += 3
        else:
            i += 2
    return bytes(out)


class TcpInspector:
    __slots__ = (
        "buf",
        "client",
        "dns",
        "dnsbuf",
        "fields",
        "flow",
        "mode",
        "requests",
        "scan",
        "segments",
        "sink",
        "skip",
        "streams",
        "tail",
        "user",
    )

    def __init__(self, flow: FlowState, sink: list[Sighting], dns: DnsHandler) -> None:
        self.flow = flow
        self.sink = sink
        self.dns = dns
        self.streams = (_Stream(), _Stream())
        self.segments = 0
        self.client = OUT
        self.buf = b""
        self.dnsbuf = [b"", b""]
        self.skip = 0
        self.scan = False
        self.requests = 0
        self.tail = b""  # end of the telnet server's output (the prompt)
        self.fields: list[str] = []  # telnet prompt kind ("user"/"pass") being typed
        self.user: str | None = None
        self.mode = ""
        _, lport, _, rport, _ = flow.key
        for port, server in ((rport, IN), (lport, OUT)):
            if port == 21:
                self._start("ftp", 1 - server)
            elif port in _TELNET_PORTS:
                self._start("telnet", 1 - server)
            elif port == 53:
                self._start("dns", 1 - server)
            if self.mode:
                break

    def _start(self, mode: str, client: int) -> None:
        self.mode = mode
        self.client = client
        self.flow.app = mode

    def syn(self, d: int, seq: int) -> None:
        self.streams[d].syn(seq)

    def feed(self, d: int, seq: int, data: bytes, ts: float, frame: int, where: int) -> bool:
        """Take one segment; False when the flow needs no more inspection."""
        self.segments += 1
        stream = self.streams[d]
        first = stream.seen == 0
        data = stream.feed(seq, data)
        if not data:
            return self.segments < _MAX_SEGMENTS
        if not self.mode:
            if not first:
                return self.segments < _UNDECIDED_SEGMENTS
            self._decide(d, data)
            if not self.mode:
                return self.segments < _UNDECIDED_SEGMENTS
        mode = self.mode
        if mode == "tls":
            return self._tls(d, data)
        if mode == "http":
            return self._http(d, data, ts, frame, where)
        if mode == "ftp":
            return self._ftp(d, data, ts, frame, where)
        if mode == "telnet":
            return self._telnet(d, data, ts, frame, where)
        if mode == "dns":
            return self._dns(d, data, ts, frame)
        return False

    def _decide(self, d: int, data: bytes) -> None:
        if tls.looks_like_tls(data):
            self._start("tls", d)
        elif http.starts_request(data):
            self._start("http", d)
        elif data.startswith(b"220"):
            self._start("ftp", 1 - d)
        elif data.startswith(b"SSH-"):
            self.flow.app = "ssh"
            self.mode = "done"
        elif (data[0] == 255 and len(data) > 1 and data[1] >= 251) or b"login:" in data.lower():
            self._start("telnet", 1 - d)

    def _tls(self, d: int, data: bytes) -> bool:
        if d != self.client:
            return self.segments < 64
        self.buf += data
        status, hello = tls.parse_client_hello(self.buf)
        if status is tls.Status.MORE:
            return len(self.buf) < tls.MAX_HELLO and self.segments < 64
        if hello is not None:
            self.flow.sni = hello.sni
            self.flow.alpn = hello.alpn
            if hello.sni and self.flow.name is None:
                self.flow.name = hello.sni
        self.buf = b""
        return False

    def _http(self, d: int, data: bytes, ts: float, frame: int, where: int) -> bool:
        if d != self.client:
            return True
        if self.skip:
            n = min(self.skip, len(data))
            self.skip -= n
            data = data[n:]
        if self.scan:  # after a chunked body: a new request starts a segment
            if not http.starts_request(data):
                return self.segments < _MAX_SEGMENTS
            self.scan = False
        self.buf += data
        while self.buf:
            parsed = http.parse_request_head(self.buf)
            if parsed is None:
                if len(self.buf) > http.MAX_HEAD:
                    self.buf = b""
                    self.scan = True
                break
            head, used = parsed
            self._request(head, ts, frame, where)
            self.buf = self.buf[used:]
            if head.body_length is None:
                self.buf = b""
                self.scan = True
                break
            n = min(head.body_length, len(self.buf))
            self.buf = self.buf[n:]
            self.skip = head.body_length - n
            if self.buf and not http.starts_request(self.buf):
                self.buf = b""
                self.scan = True
        return self.requests < _MAX_REQUESTS and self.segments < _MAX_SEGMENTS

    def _request(self, head: http.RequestHead, ts: float, frame: int, where: int) -> None:
        self.requests += 1
        flow = self.flow
        flow.http.append(HttpRequest(head.method, head.host, head.target[:2048],
                                     head.user_agent))
        if head.host and flow.name is None:
            flow.name = http.host_name(head.host)
        if http.update_or_telemetry_path(head.target):
            url = f"http://{head.host or '?'}{head.target[:300]}"
            self.sink.append(Sighting("http-path", flow, frame, where, ts,
                                      f"{head.method} {url}", f"{head.method} {url}"))
        if head.basic:
            header, user, password, token = head.basic
            self.sink.append(Sighting(
                "http-basic", flow, frame, where, ts,
                f"user '{user}' in {header} for {head.method} {head.target[:200]}",
                f"{header}: Basic {token}", secret=token if password else None, user=user))

    def _lines(self, data: bytes) -> list[str]:
        self.buf += data
        *lines, rest = self.buf.split(b"\n")
        self.buf = rest[-_MAX_LINE:]
        return [line.rstrip(b"\r").decode("latin-1") for line in lines]

    def _ftp(self, d: int, data: bytes, ts: float, frame: int, where: int) -> bool:
        if d != self.client:
            return True
        for line in self._lines(data):
            verb, _, arg = line.partition(" ")
            verb = verb.upper()
            if verb == "USER":
                self.user = arg
            elif verb == "PASS":
                self.sink.append(Sighting("ftp", self.flow, frame, where, ts,
                                          f"FTP login of user '{self.user}'", line,
                                          secret=arg or None, user=self.user))
                return False
            elif verb == "AUTH":
                return False
        return self.segments < 256

    def _telnet(self, d: int, data: bytes, ts: float, frame: int, where: int) -> bool:
        text = strip_telnet(data)
        if d != self.client:
            self.tail = (self.tail + text)[-64:]
            prompt = self.tail.rstrip().lower()
            if prompt.endswith((b"login:", b"username:", b"user:", b"user name:")):
                self.fields = ["user", ""]
            elif prompt.endswith(b"password:"):
                self.fields = ["pass", ""]
            return self.segments < _MAX_SEGMENTS
        self.tail = b""
        if not self.fields:
            return self.segments < _MAX_SEGMENTS
        for char in text.decode("latin-1"):
            if char in "\r\n":
                if self.fields[1] or self.fields[0] == "pass":
                    if self._typed(self.fields[0], self.fields[1], ts, frame, where):
                        return False
                    self.fields = []
                    break
            elif char in "\x08\x7f":
                self.fields[1] = self.fields[1][:-1]
            elif char >= " ":
                self.fields[1] = (self.fields[1] + char)[:256]
        return self.segments < _MAX_SEGMENTS

    def _typed(self, kind: str, value: str, ts: float, frame: int, where: int) -> bool:
        if kind == "user":
            self.user = value
            return False
        self.sink.append(Sighting("telnet", self.flow, frame, where, ts,
                                  f"telnet login of user '{self.user}'",
                                  f"login: {self.user} / Password: {value}",
                                  secret=value or None, user=self.user))
        return True

    def _dns(self, d: int, data: bytes, ts: float, frame: int) -> bool:
        buf = self.dnsbuf[d] + data
        while len(buf) >= 2:
            length = int.from_bytes(buf[:2], "big")
            if len(buf) < 2 + length:
                break
            self.dns(self.flow, d, buf[2:2 + length], ts, frame)
            buf = buf[2 + length:]
        self.dnsbuf[d] = buf
        return self.segments < 64 and len(buf) < 1 << 16
