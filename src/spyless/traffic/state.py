"""What is accumulated per flow while a capture is read, and what payload inspection saw.

:class:`FlowState` is mutable on purpose: it is updated once per packet in the hot loop,
and a frozen value rebuilt per packet would cost more than the rest of the loop. It is
turned into the frozen :class:`~spyless.traffic.interface.Flow` when reading ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from spyless.traffic.interface import HttpRequest

OUT, IN = 0, 1


class FlowState:
    __slots__ = ("alpn", "app", "bytes", "first", "frame", "http", "initiator", "insp", "key",
                 "last", "name", "packets", "payload", "sni", "udp", "where")

    def __init__(self, key: tuple[bytes, int, bytes, int, int], first: float,
                 initiator: str | None, frame: int = 0, where: int = 0) -> None:
        #: (local address, local port, remote address, remote port, IP protocol number)
        self.key = key
        self.first = first
        self.last = first
        self.frame = frame  # first packet: frame number and file offset, for evidence
        self.where = where
        self.packets = [0, 0]
        self.bytes = [0, 0]
        self.payload = [0, 0]
        self.initiator = initiator  # "local", "remote" or None
        self.app: str | None = None
        self.sni: str | None = None
        self.name: str | None = None  # set from SNI or HTTP Host
        self.alpn: tuple[str, ...] = ()
        self.http: list[HttpRequest] = []
        self.insp: Any = None  # a TcpInspector while payload is still being looked at
        self.udp = 0  # UDP payload handler: 0 none, 1 DNS, 2 NTP


@dataclass(frozen=True, slots=True)
class Sighting:
    """Something seen in one packet that may become a finding (credentials, a URL)."""

    kind: str  # "http-basic", "telnet", "ftp", "http-url"
    flow: FlowState
    frame: int
    file_offset: int
    time: float
    detail: str  # what it is, without the secret
    excerpt: str
    secret: str | None = None
    user: str | None = None
