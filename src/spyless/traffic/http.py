"""HTTP/1.x request heads (RFC 9112 section 3): method, target, Host, basic credentials.

A head is parsed only when its blank line has arrived; the body length (Content-Length)
is returned so the caller can skip the body and find the next request on a kept-alive
connection. Chunked bodies are not walked: the caller then looks for a request line at
the start of later segments instead.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

METHODS = (b"GET ", b"POST ", b"PUT ", b"HEAD ", b"DELETE ", b"OPTIONS ", b"PATCH ",
           b"CONNECT ", b"TRACE ", b"PROPFIND ", b"NOTIFY ", b"M-SEARCH ", b"SUBSCRIBE ")
MAX_HEAD = 16384
_UPDATE_OR_TELEMETRY = re.compile(
    r"(?i)(?:^|/)(?:firmware|fw|upgrade|updates?|ota|telemetry|analytics|collect|metrics|"
    r"stats|beacon|heartbeat|track(?:ing)?|checkin|check_?update|report)(?:[/._-]|$)"
    r"|\.(?:bin|img|trx|chk|fw)$")


@dataclass(frozen=True, slots=True)
class RequestHead:
    method: str
    target: str
    host: str | None
    user_agent: str | None
    #: (header name, user, password, raw token) for ``Basic`` credentials.
    basic: tuple[str, str, str, str] | None
    body_length: int | None  # None: chunked or unknown


def starts_request(data: bytes) -> bool:
    return data.startswith(METHODS)


def parse_request_head(data: bytes) -> tuple[RequestHead, int] | None:
    """The head at the start of ``data`` and its length, or None if it is not complete."""
    end = data.find(b"\r\n\r\n", 0, MAX_HEAD)
    if end < 0:
        return None
    lines = data[:end].decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    method, target = parts[0], parts[1] if len(parts) > 1 else ""
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if colon:
            headers.setdefault(name.strip().lower(), value.strip())
    basic = None
    for header in ("authorization", "proxy-authorization"):
        scheme, _, token = headers.get(header, "").partition(" ")
        if scheme.lower() == "basic" and token:
            basic = _basic(header.title(), token.strip())
            if basic:
                break
    length: int | None = 0
    if "chunked" in headers.get("transfer-encoding", "").lower():
        length = None
    elif "content-length" in headers:
        try:
            length = max(0, int(headers["content-length"]))
        except ValueError:
            length = None
    host = headers.get("host")
    return RequestHead(method, target, host.lower() if host else None,
                       headers.get("user-agent"), basic, length), end + 4


def _basic(header: str, token: str) -> tuple[str, str, str, str] | None:
    try:
        decoded = base64.b64decode(token, validate=True).decode("utf-8", "backslashreplace")
    except (binascii.Error, ValueError):
        return None
    user, colon, password = decoded.partition(":")
    return (header, user, password, token) if colon else None


def host_name(host: str) -> str:
    """``Host`` header value without the port: ``[::1]:8080`` -> ``::1``."""
    if host.startswith("["):
        return host[1:].partition("]")[0]
    name, _, port = host.rpartition(":")
    return name if name and port.isdigit() else host


def update_or_telemetry_path(target: str) -> bool:
    """Whether a request target looks like a firmware-update or telemetry channel."""
    return bool(_UPDATE_OR_TELEMETRY.search(target.partition("?")[0]))
