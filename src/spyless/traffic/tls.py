"""TLS ClientHello: the server name (SNI) and ALPN a client asks for.

Structures from RFC 8446 section 4.1.2 (ClientHello), RFC 6066 section 3 (server_name,
extension 0) and RFC 7301 (ALPN, extension 16). The handshake message may span several
handshake records; they are joined before parsing. The parser takes the first bytes of
the client's stream and says whether it needs more of them.
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass

#: A ClientHello larger than this is not one we will wait for.
MAX_HELLO = 1 << 16


class Status(enum.Enum):
    DONE = "done"
    MORE = "more"  # a ClientHello so far; its end has not arrived
    NOT_TLS = "not-tls"


@dataclass(frozen=True, slots=True)
class ClientHello:
    sni: str | None
    alpn: tuple[str, ...]
    version: int  # legacy_version of the hello


def looks_like_tls(data: bytes) -> bool:
    """A TLS handshake record header (content type 22, version 3.x)."""
    return len(data) >= 3 and data[0] == 22 and data[1] == 3 and data[2] <= 4


def parse_client_hello(stream: bytes) -> tuple[Status, ClientHello | None]:
    """Parse the ClientHello at the start of a client's TCP stream."""
    handshake = bytearray()
    pos = 0
    while True:
        if len(stream) - pos < 5:
            return (Status.MORE if len(stream) < MAX_HELLO else Status.NOT_TLS), None
        ctype, _, length = struct.unpack_from("!BHH", stream, pos)
        if ctype != 22 or length == 0 or length > 16384 + 2048:
            return Status.NOT_TLS, None
        handshake += stream[pos + 5:pos + 5 + length]
        if len(handshake) >= 4:
            if handshake[0] != 1:
                return Status.NOT_TLS, None
            need = 4 + int.from_bytes(handshake[1:4], "big")
            if need > MAX_HELLO:
                return Status.NOT_TLS, None
            if len(handshake) >= need:
                hello = _hello(bytes(handshake[4:need]))
                return (Status.DONE, hello) if hello else (Status.NOT_TLS, None)
        if pos + 5 + length > len(stream):
            return Status.MORE, None
        pos += 5 + length


def _hello(body: bytes) -> ClientHello | None:
    try:
        version = struct.unpack_from("!H", body)[0]
        pos = 2 + 32
        pos += 1 + body[pos]  # session id
        pos += 2 + struct.unpack_from("!H", body, pos)[0]  # cipher suites
        pos += 1 + body[pos]  # compression methods
        if pos == len(body):
            return ClientHello(None, (), version)
        end = min(len(body), pos + 2 + struct.unpack_from("!H", body, pos)[0])
        pos += 2
        sni: str | None = None
        alpn: list[str] = []
        while pos + 4 <= end:
            etype, elen = struct.unpack_from("!HH", body, pos)
            data = body[pos + 4:pos + 4 + elen]
            pos += 4 + elen
            if etype == 0 and sni is None:
                sni = _server_name(data)
            elif etype == 16 and len(data) >= 2:
                i = 2
                while i < len(data):
                    n = data[i]
                    alpn.append(data[i + 1:i + 1 + n].decode("ascii", "backslashreplace"))
                    i += 1 + n
    except (struct.error, IndexError):
        return None
    return ClientHello(sni, tuple(alpn), version)


def _server_name(data: bytes) -> str | None:
    pos = 2
    while pos + 3 <= len(data):
        kind, length = struct.unpack_from("!BH", data, pos)
        name = data[pos + 3:pos + 3 + length]
        if kind == 0 and name:
            return name.decode("ascii", "backslashreplace").lower().rstrip(".")
        pos += 3 + length
    return None
