"""The flow table: link, IP and transport decoding of every packet, in one hot loop.

Link types (https://www.tcpdump.org/linktypes.html): 0 NULL/loopback (host byte order
family), 1 Ethernet (802.1Q, 802.1ad and QinQ tags, PPPoE sessions), 12/14/101 raw IP,
108 OpenBSD loopback, 113 Linux cooked (SLL), 228/229 raw IPv4/IPv6, 276 Linux cooked v2.

Headers are read with precompiled ``struct`` formats straight from the reader's chunk;
payload is copied out only for flows whose inspection is still running (the first
segments of a TCP connection, DNS and NTP datagrams), which is what keeps the loop fast.
Every read is bounded by the captured length, so a truncated packet is counted and its
unread part simply not inspected.
"""

from __future__ import annotations

import ipaddress
import struct
from collections.abc import Iterable

from spyless.traffic import dns
from spyless.traffic.capture import Record
from spyless.traffic.fragments import Datagram, Reassembler
from spyless.traffic.state import OUT, FlowState, Sighting
from spyless.traffic.streams import TcpInspector

_IPV4 = struct.Struct("!BxHHHxBxx4s4s")
_IPV6 = struct.Struct("!4xHB1x16s16s")
_TCP = struct.Struct("!HHIxxxxBB")
_PORTS = struct.Struct("!HH")
_VLAN = (0x8100, 0x88A8, 0x9100)
_MAX_FLOWS = 2_000_000
_SERVER_PORTS = frozenset((53, 123, 443, 8080, 8443))
#: RFC 5737 / RFC 3849 example ranges stand for Internet hosts in examples and tests.
DOCUMENTATION = tuple(ipaddress.ip_network(n) for n in (
    "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32"))
_MAX_DNS_KEYS = 100_000
_MAX_NAMES_PER_ADDRESS = 16

#: Key of a folded DNS query: (name, type, resolver, resolver port, transport)
DnsKey = tuple[str, str, str, int, str]


class DnsRecord:
    """Queries folded by :data:`DnsKey`; mutable for the same reason as FlowState."""

    __slots__ = ("answers", "count", "first", "rcode")

    def __init__(self, first: float) -> None:
        self.count = 0
        self.first = first
        self.answers: list[str] = []
        self.rcode: str | None = None


class FlowTable:
    def __init__(self, device: bytes | None = None) -> None:
        self.device = device
        #: both orientations of every flow's 5-tuple -> (flow, direction of that orientation)
        self.table: dict[tuple[bytes, int, bytes, int, int], tuple[FlowState, int]] = {}
        self.flows: list[FlowState] = []
        self.sightings: list[Sighting] = []
        self.dns: dict[DnsKey, DnsRecord] = {}
        #: address -> [(time, names)], the names starting with the one the device asked for
        self.names: dict[str, list[tuple[float, tuple[str, ...]]]] = {}
        self.fragments = Reassembler()
        self.packets = 0
        self.wire_bytes = 0
        self.truncated = 0
        self.undecoded = 0
        self.first: float | None = None
        self.last: float | None = None
        self.overflow = 0  # packets of flows beyond _MAX_FLOWS
        self._local: dict[bytes, int] = {}

    def run(self, records: Iterable[Record]) -> None:
        ipv4, ipv6 = self._ipv4, self._ipv6
        frame = self.packets
        first = last = None
        for ts, link, buf, start, caplen, wirelen, where in records:
            off = start
            frame += 1
            self.wire_bytes += wirelen
            if caplen < wirelen:
                self.truncated += 1
            if last is None or ts > last:
                last = ts
            if first is None or ts < first:
                first = ts
            end = off + caplen
            try:
                if link == 1:
                    etype = (buf[off + 12] << 8) | buf[off + 13] if caplen >= 14 else 0
                    off += 14
                    while etype in _VLAN and off + 4 <= end:
                        etype = (buf[off + 2] << 8) | buf[off + 3]
                        off += 4
                    if etype == 0x8864 and off + 8 <= end:  # PPPoE session: PPP protocol
                        ppp = (buf[off + 6] << 8) | buf[off + 7]
                        etype = 0x0800 if ppp == 0x21 else 0x86DD if ppp == 0x57 else 0
                        off += 8
                elif link == 113:
                    etype = (buf[off + 14] << 8) | buf[off + 15] if caplen >= 16 else 0
                    off += 16
                elif link == 276:
                    etype = (buf[off] << 8) | buf[off + 1] if caplen >= 20 else 0
                    off += 20
                elif link in (101, 12, 14, 228, 229):
                    version = buf[off] >> 4 if caplen else 0
                    etype = 0x0800 if version == 4 else 0x86DD if version == 6 else 0
                elif link in (0, 108) and caplen >= 4:
                    family = int.from_bytes(buf[off:off + 4],
                                            "little" if link == 0 and buf[off] else "big")
                    etype = 0x0800 if family == 2 else 0x86DD if family in (10, 24, 28, 30) \
                        else 0
                    off += 4
                else:
                    etype = 0
                if etype == 0x0800 and end - off >= 20:
                    ipv4(ts, buf, off, end, frame, where)
                elif etype == 0x86DD and end - off >= 40:
                    ipv6(ts, buf, off, end, frame, where)
                else:
                    self.undecoded += 1
            except (IndexError, struct.error):
                self.undecoded += 1
        self.packets = frame
        if first is not None:
            self.first = first if self.first is None else min(first, self.first)
        if last is not None:
            self.last = last if self.last is None else max(last, self.last)

    def finish(self) -> None:
        """Account the fragments of datagrams that never completed."""
        for item in self.fragments.flush():
            self._transport(*item)

    def _ipv4(self, ts: float, buf: bytes, p: int, end: int, frame: int, where: int) -> None:
        vihl, total, ident, frag, proto, src, dst = _IPV4.unpack_from(buf, p)
        ihl = (vihl & 15) << 2
        if total == 0:  # segmentation offload: the NIC fills the length in later
            total = end - p
        if ihl < 20 or total < ihl:
            self.undecoded += 1
            return
        ipend = p + total
        capend = min(end, ipend)
        if frag & 0x3FFF:
            done = self.fragments.add(
                (src, dst, proto, ident), (frag & 0x1FFF) << 3, bool(frag & 0x2000),
                buf[p + ihl:capend], total - ihl, total, ts, frame, where, proto, src, dst)
            self._fragment_done(done)
            return
        self._transport(ts, proto, src, dst, buf, p + ihl, capend, total - ihl, total, 1,
                        frame, where)

    def _ipv6(self, ts: float, buf: bytes, p: int, end: int, frame: int, where: int) -> None:
        plen, nh, src, dst = _IPV6.unpack_from(buf, p)
        total = 40 + plen
        ipend = p + total
        capend = min(end, ipend)
        q = p + 40
        while nh in (0, 43, 44, 51, 60):
            if q + 8 > capend:
                self._transport(ts, nh, src, dst, buf, capend, capend, 0, total, 1, frame,
                                where)
                return
            if nh == 44:
                offflag, ident = struct.unpack_from("!HI", buf, q + 2)
                nh = buf[q]
                q += 8
                if offflag & 0xFFF9:
                    done = self.fragments.add(
                        (src, dst, nh, ident), offflag & 0xFFF8, bool(offflag & 1),
                        buf[q:capend], ipend - q, total, ts, frame, where, nh, src, dst)
                    self._fragment_done(done)
                    return
                continue
            length = (buf[q + 1] + 2) * 4 if nh == 51 else (buf[q + 1] + 1) * 8
            nh = buf[q]
            q += length
        self._transport(ts, nh, src, dst, buf, q, capend, ipend - q, total, 1, frame, where)

    def _fragment_done(self, done: Datagram | None) -> None:
        if done is not None:
            self._transport(*done)
        if self.fragments.dropped:
            for item in self.fragments.take_dropped():
                self._transport(*item)

    def _transport(self, ts: float, proto: int, src: bytes, dst: bytes, buf: bytes, l4: int,
                   capend: int, l4wire: int, wire: int, npk: int, frame: int,
                   where: int) -> None:
        flags = seq = sport = dport = plen = 0
        pstart = l4
        if proto == 6:
            if capend - l4 >= 14:
                sport, dport, seq, offx, flags = _TCP.unpack_from(buf, l4)
                pstart = l4 + ((offx >> 4) << 2)
                plen = max(0, l4wire - ((offx >> 4) << 2))
            elif capend - l4 >= 4:
                sport, dport = _PORTS.unpack_from(buf, l4)
        elif proto == 17 and capend - l4 >= 4:
            sport, dport = _PORTS.unpack_from(buf, l4)
            pstart = l4 + 8
            plen = max(0, l4wire - 8)
        key = (src, sport, dst, dport, proto)
        entry = self.table.get(key)
        if entry is None:
            entry = self._new(key, flags, ts, frame, where)
            if entry is None:
                return
        flow, d = entry
        flow.packets[d] += npk
        flow.bytes[d] += wire
        flow.payload[d] += plen
        flow.last = max(flow.last, ts)
        if flow.insp is not None:
            if flags & 2:
                flow.insp.syn(d, seq)
            if plen and pstart + plen <= capend and not flow.insp.feed(
                    d, seq, buf[pstart:pstart + plen], ts, frame, where):
                flow.insp = None
        elif flow.udp and plen and pstart + plen <= capend:
            self._udp(flow, d, buf[pstart:pstart + plen], ts, frame)

    def _new(self, key: tuple[bytes, int, bytes, int, int], flags: int, ts: float, frame: int,
             where: int) -> tuple[FlowState, int] | None:
        src, sport, dst, dport, proto = key
        if len(self.flows) >= _MAX_FLOWS:
            self.overflow += 1
            return None
        src_local = self._orient(src, sport, dst, dport, proto, flags)
        if proto == 6 and flags & 0x12 == 0x02:
            initiator: str | None = "local" if src_local else "remote"
        elif proto == 6 and flags & 0x12 == 0x12:
            initiator = "remote" if src_local else "local"
        elif proto == 6:
            initiator = None
        else:
            initiator = "local" if src_local else "remote"
        reverse = (dst, dport, src, sport, proto)
        flow = FlowState(key if src_local else reverse, ts, initiator, frame, where)
        if proto == 6:
            flow.insp = TcpInspector(flow, self.sightings, self._dns)
        elif proto == 17:
            ports = (sport, dport)
            flow.udp = 1 if 53 in ports else 2 if 123 in ports else 3 if 443 in ports else 0
        self.flows.append(flow)
        self.table[reverse] = (flow, 1 if src_local else 0)
        entry = (flow, 0 if src_local else 1)
        self.table[key] = entry
        return entry

    def _orient(self, src: bytes, sport: int, dst: bytes, dport: int, proto: int,
                flags: int) -> bool:
        """Whether the sender of a flow's first packet is the device (the local side)."""
        if self.device is not None and self.device in (src, dst):
            return src == self.device
        ls, ld = self._locality(src), self._locality(dst)
        if ld == 2:  # multicast or broadcast: only ever a destination
            return True
        if ls != ld:
            return ls > ld
        if proto == 6 and flags & 0x12 == 0x02:
            return True
        if proto == 6 and flags & 0x12 == 0x12:
            return False
        return not (sport != dport and (sport < 1024 <= dport or sport in _SERVER_PORTS))

    def _locality(self, address: bytes) -> int:
        """0 global, 1 local unicast (private, loopback, link-local), 2 multicast/broadcast."""
        value = self._local.get(address)
        if value is None:
            ip = ipaddress.ip_address(address)
            if ip.is_multicast or address == b"\xff\xff\xff\xff":
                value = 2
            elif any(ip in net for net in DOCUMENTATION if net.version == ip.version):
                value = 0
            elif ip.is_private or ip.is_loopback or ip.is_link_local:
                value = 1
            else:
                value = 0
            self._local[address] = value
        return value

    def _udp(self, flow: FlowState, d: int, data: bytes, ts: float, frame: int) -> None:
        if flow.udp == 1:
            self._dns(flow, d, data, ts, frame)
        elif flow.udp == 2:
            if data and (data[0] & 7) in (3, 4):  # NTP client or server mode (RFC 5905)
                flow.app = "ntp"
            flow.udp = 0
        else:
            if data and data[0] & 0xC0 == 0xC0:  # a QUIC long header (RFC 9000 17.2)
                flow.app = "quic"
            flow.udp = 0

    def _dns(self, flow: FlowState, d: int, data: bytes, ts: float, frame: int) -> None:
        message = dns.parse_dns(data)
        if message is None:
            return
        flow.app = "dns"
        local, _, remote, rport, proto = flow.key
        # the resolver is the side a query goes to, the side a response comes from
        resolver_is_remote = (d == OUT) != message.response
        resolver = remote if resolver_is_remote else local
        port = rport if resolver_is_remote else flow.key[1]
        transport = "tcp" if proto == 6 else "udp"
        name_ip = str(ipaddress.ip_address(resolver))
        for qname, qtype in message.questions[:4]:
            key = (qname, qtype, name_ip, port, transport)
            record = self.dns.get(key)
            if record is None:
                if len(self.dns) >= _MAX_DNS_KEYS:
                    continue
                record = self.dns[key] = DnsRecord(ts)
            if message.response:
                record.rcode = message.rcode
                for _, _, value in message.answers:
                    if value not in record.answers and len(record.answers) < 32:
                        record.answers.append(value)
            else:
                record.count += 1
        if message.response:
            for address, names in dns.resolved_names(message):
                seen = self.names.setdefault(address, [])
                if len(seen) < _MAX_NAMES_PER_ADDRESS:
                    seen.append((ts, names))
