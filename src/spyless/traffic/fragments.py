"""IP fragment reassembly (RFC 791 section 3.2 for IPv4, RFC 8200 section 4.5 for IPv6).

Fragments are held per (source, destination, protocol, identification) until the datagram
is whole; it is then handed on as one packet that counts every fragment's wire bytes.
A datagram that never completes (a fragment lost or cut by the snap length) is still
attributed to its flow when its first fragment, which carries the ports, was seen.
Bounded: at most ``_MAX_PENDING`` datagrams wait, the oldest is given up first, and no
datagram may grow past the 64 KiB an IP length field can describe.
"""

from __future__ import annotations

from typing import TypeAlias

_MAX_PENDING = 1024
_MAX_DATAGRAM = 65535 + 40

#: Arguments of FlowTable._transport:
#: (time, protocol, source, destination, buffer, l4 offset, captured end, l4 wire length,
#:  wire bytes, packets, frame, file offset)
Datagram: TypeAlias = tuple[float, int, bytes, bytes, bytes, int, int, int, int, int, int, int]


class _Pending:
    __slots__ = ("count", "dst", "end", "frame", "l4wire", "pieces", "proto", "short", "src",
                 "time", "where", "wire")

    def __init__(self, time: float, frame: int, where: int, proto: int, src: bytes,
                 dst: bytes) -> None:
        self.pieces: dict[int, bytes] = {}
        self.end: int | None = None
        self.wire = 0
        self.l4wire = 0
        self.count = 0
        self.short = False  # a fragment was cut by the snap length
        self.time, self.frame, self.where = time, frame, where
        self.proto, self.src, self.dst = proto, src, dst


class Reassembler:
    def __init__(self) -> None:
        self.pending: dict[tuple[bytes, bytes, int, int], _Pending] = {}
        self.fragments = 0
        self.unassembled = 0
        self.dropped: list[Datagram] = []  # given up early; accounted at flush

    def add(self, key: tuple[bytes, bytes, int, int], offset: int, more: bool, data: bytes,
            wire_payload: int, wire: int, time: float, frame: int, where: int, proto: int,
            src: bytes, dst: bytes) -> Datagram | None:
        """Take one fragment; the whole datagram once its last missing piece arrives."""
        self.fragments += 1
        item = self.pending.get(key)
        if item is None:
            if len(self.pending) >= _MAX_PENDING:
                oldest = next(iter(self.pending))
                self._give_up(self.pending.pop(oldest))
            item = self.pending[key] = _Pending(time, frame, where, proto, src, dst)
        item.count += 1
        item.wire += wire
        item.l4wire += max(0, wire_payload)
        if offset == 0:
            item.time, item.frame, item.where = time, frame, where
        if len(data) < wire_payload:
            item.short = True
        if offset + len(data) <= _MAX_DATAGRAM:
            item.pieces.setdefault(offset, data)
        if not more:
            item.end = offset + wire_payload
        if item.end is None or item.short:
            return None
        payload = self._whole(item)
        if payload is None:
            return None
        del self.pending[key]
        return (item.time, item.proto, item.src, item.dst, payload, 0, len(payload),
                len(payload), item.wire, item.count, item.frame, item.where)

    @staticmethod
    def _whole(item: _Pending) -> bytes | None:
        if item.end is None:
            return None
        parts = []
        covered = 0
        for offset in sorted(item.pieces):
            if offset > covered:
                return None
            piece = item.pieces[offset]
            if offset + len(piece) > covered:
                parts.append(piece[covered - offset:])
                covered = offset + len(piece)
            if covered >= item.end:
                return b"".join(parts)[:item.end]
        return None

    def _give_up(self, item: _Pending) -> None:
        self.unassembled += item.count
        first = item.pieces.get(0)
        if first is not None:
            self.dropped.append((item.time, item.proto, item.src, item.dst, first, 0,
                                 len(first), item.l4wire, item.wire, item.count, item.frame,
                                 item.where))

    def take_dropped(self) -> list[Datagram]:
        """The datagrams given up so far that can still be attributed to a flow."""
        dropped, self.dropped = self.dropped, []
        return dropped

    def flush(self) -> list[Datagram]:
        """Give up every datagram still waiting; return what can be attributed to a flow."""
        for item in self.pending.values():
            self._give_up(item)
        self.pending.clear()
        return self.take_dropped()
