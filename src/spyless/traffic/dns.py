"""DNS messages (RFC 1035 section 4, AAAA from RFC 3596): questions and A/AAAA/CNAME answers.

Only what the traffic check needs: which names the device asked for, of whom, and which
addresses and aliases came back. Names are lower-cased without the trailing dot.
Compression pointers are followed a bounded number of times, so a looping or hostile
message costs little and yields ``None`` or fewer records, never an exception.
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass

_TYPES = {1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 15: "MX", 16: "TXT", 28: "AAAA",
          33: "SRV", 64: "SVCB", 65: "HTTPS", 255: "ANY"}
_RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}
_MAX_JUMPS = 32
_MAX_RECORDS = 128


@dataclass(frozen=True, slots=True)
class DnsMessage:
    ident: int
    response: bool
    rcode: str
    questions: tuple[tuple[str, str], ...]  # (name, type)
    #: (owner, "A" | "AAAA" | "CNAME", address or target)
    answers: tuple[tuple[str, str, str], ...]


def qtype_name(code: int) -> str:
    return _TYPES.get(code, f"TYPE{code}")


def _name(data: bytes, pos: int) -> tuple[str, int] | None:
    """The name at ``pos`` and the offset after it in the message (not after a pointer)."""
    labels: list[str] = []
    after = -1
    jumps = 0
    total = 0
    while True:
        if pos >= len(data):
            return None
        length = data[pos]
        if length & 0xC0 == 0xC0:
            if pos + 1 >= len(data) or jumps >= _MAX_JUMPS:
                return None
            if after < 0:
                after = pos + 2
            pos = ((length & 0x3F) << 8) | data[pos + 1]
            jumps += 1
            continue
        if length & 0xC0:
            return None
        pos += 1
        if length == 0:
            break
        label = data[pos:pos + length]
        if len(label) < length:
            return None
        total += length + 1
        if total > 255:
            return None
        labels.append(label.decode("ascii", "backslashreplace").lower())
        pos += length
    return ".".join(labels), after if after >= 0 else pos


def parse_dns(data: bytes) -> DnsMessage | None:
    """Parse one DNS message; ``None`` when the header or the first question is unreadable."""
    if len(data) < 12:
        return None
    ident, flags, qdcount, ancount = struct.unpack_from("!HHHH", data)
    pos = 12
    questions: list[tuple[str, str]] = []
    for _ in range(min(qdcount, _MAX_RECORDS)):
        parsed = _name(data, pos)
        if parsed is None or parsed[1] + 4 > len(data):
            break
        name, pos = parsed
        qtype = struct.unpack_from("!H", data, pos)[0]
        questions.append((name, qtype_name(qtype)))
        pos += 4
    if not questions:
        return None
    answers: list[tuple[str, str, str]] = []
    if flags & 0x8000 and len(questions) == qdcount:
        for _ in range(min(ancount, _MAX_RECORDS)):
            parsed = _name(data, pos)
            if parsed is None or parsed[1] + 10 > len(data):
                break
            owner, pos = parsed
            rtype, _, _, rdlen = struct.unpack_from("!HHIH", data, pos)
            rdata = pos + 10
            pos = rdata + rdlen
            if pos > len(data):
                break
            if rtype == 1 and rdlen == 4:
                answers.append((owner, "A", socket.inet_ntop(socket.AF_INET,
                                                             data[rdata:pos])))
            elif rtype == 28 and rdlen == 16:
                answers.append((owner, "AAAA", socket.inet_ntop(socket.AF_INET6,
                                                                data[rdata:pos])))
            elif rtype == 5:
                target = _name(data, rdata)
                if target is not None:
                    answers.append((owner, "CNAME", target[0]))
    return DnsMessage(ident, bool(flags & 0x8000), _RCODES.get(flags & 0xF, f"RCODE{flags & 0xF}"),
                      tuple(questions), tuple(answers))


def resolved_names(message: DnsMessage) -> list[tuple[str, tuple[str, ...]]]:
    """(address, names) for each A/AAAA answer; names start with the name that was asked.

    The chain is followed back from the address's owner through the CNAMEs to the question,
    so ``api.vendor.example CNAME edge.cdn.example A 192.0.2.7`` gives
    ``("192.0.2.7", ("api.vendor.example", "edge.cdn.example"))``.
    """
    alias_of = {target: owner for owner, kind, target in message.answers if kind == "CNAME"}
    asked = {name for name, _ in message.questions}
    out: list[tuple[str, tuple[str, ...]]] = []
    for owner, kind, value in message.answers:
        if kind == "CNAME":
            continue
        chain = [owner]
        while chain[-1] in alias_of and len(chain) < 16 and alias_of[chain[-1]] not in chain:
            chain.append(alias_of[chain[-1]])
        chain.reverse()
        if chain[0] not in asked and message.questions:
            chain.insert(0, message.questions[0][0])
        out.append((value, tuple(chain)))
    return out
