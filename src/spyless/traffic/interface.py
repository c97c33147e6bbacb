"""Types of the traffic subsystem: what one capture of a device established.

A *flow* is one conversation (protocol, local address and port, remote address and port)
seen from the device: ``out`` is what the device sent, ``in`` what it received. A
*destination* folds the flows to one remote party, named by the host name the device used
(TLS SNI, HTTP Host, or the DNS query that resolved the address) or else by its address.

Byte counts are IP bytes (header and payload) as on the wire, taken from the IP length
fields, so a capture cut short by its snap length still counts full packets; ``payload``
counts are transport payload bytes (what an upload really carries, ACKs excluded).
"""

from __future__ import annotations

from dataclasses import dataclass

from spyless.model.findings import Finding


@dataclass(frozen=True, slots=True)
class CaptureInfo:
    """The capture file and what reading it took."""

    file: str
    sha256: str
    size: int
    format: str  # "pcap", "pcap-ns", "pcapng"
    packets: int
    bytes: int  # sum of original (wire) frame lengths
    first_seen: float | None
    last_seen: float | None
    link_types: tuple[int, ...]
    truncated_packets: int = 0  # captured shorter than on the wire (snap length)
    undecoded_packets: int = 0  # not IP, unknown link type, or too short to decode
    fragments: int = 0  # IP fragments seen
    fragments_unassembled: int = 0  # fragments whose datagram never completed
    warnings: tuple[str, ...] = ()

    @property
    def duration(self) -> float:
        if self.first_seen is None or self.last_seen is None:
            return 0.0
        return self.last_seen - self.first_seen


@dataclass(frozen=True, slots=True)
class HttpRequest:
    method: str
    host: str | None
    target: str
    user_agent: str | None = None


@dataclass(frozen=True, slots=True)
class Flow:
    """One conversation, oriented from the device (local) to the remote side."""

    protocol: str  # "tcp", "udp", "icmp", "icmpv6" or "ip-<n>"
    local: str
    local_port: int
    remote: str
    remote_port: int
    packets_out: int
    packets_in: int
    bytes_out: int
    bytes_in: int
    payload_out: int
    payload_in: int
    first_seen: float
    last_seen: float
    application: str | None = None  # "tls", "http", "dns", "ntp", "ftp", "telnet"
    name: str | None = None  # the host name the device used for the remote side
    sni: str | None = None
    alpn: tuple[str, ...] = ()
    http: tuple[HttpRequest, ...] = ()


@dataclass(frozen=True, slots=True)
class Destination:
    """Every flow to one remote party, and how it was judged against the agreement."""

    name: str  # host name when known, else the address
    addresses: tuple[str, ...]
    ports: tuple[str, ...]  # "tcp/443"
    protocols: tuple[str, ...]  # application protocols seen ("tls", "http", ...)
    flows: int
    packets_out: int
    packets_in: int
    bytes_out: int
    bytes_in: int
    payload_out: int
    payload_in: int
    first_seen: float
    last_seen: float
    scope: str  # "global", "private", "loopback", "link-local", "multicast", ...
    allowed: bool | None  # None: no agreement to judge against
    rule: str | None = None  # the endpoint rule that allowed it ("host (purpose)")
    aliases: tuple[str, ...] = ()  # other names (CNAME chain, several SNIs)


@dataclass(frozen=True, slots=True)
class DnsQuery:
    """Queries for one name and type to one resolver, folded."""

    name: str
    qtype: str
    resolver: str
    resolver_port: int
    transport: str  # "udp" or "tcp"
    count: int
    first_seen: float
    answers: tuple[str, ...]  # addresses and CNAME targets, in answer order
    rcode: str | None  # None: no response seen
    declared_resolver: bool | None  # None: no resolvers declared


@dataclass(frozen=True, slots=True)
class TrafficReport:
    capture: CaptureInfo
    device: str | None
    agreement: str | None
    destinations: tuple[Destination, ...]
    flows: tuple[Flow, ...]
    dns: tuple[DnsQuery, ...]
    findings: tuple[Finding, ...]
    timings: dict[str, float]

    @property
    def undeclared(self) -> tuple[Destination, ...]:
        return tuple(d for d in self.destinations if d.allowed is False)
