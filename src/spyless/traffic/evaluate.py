"""From the flow table to the report: flows named, folded into destinations, judged.

A flow is named by the SNI or HTTP Host the device used, else by the DNS answer that gave
its remote address (the last one before the flow began), else by the address itself.
A destination is allowed when every flow to it matches a declared endpoint (or, for DNS,
goes to a declared resolver). Findings come from :mod:`spyless.traffic.findings`.
"""

from __future__ import annotations

import bisect
import ipaddress
from dataclasses import dataclass

from spyless.traffic.allowlist import Address, AllowedEndpoint, Allowlist
from spyless.traffic.flows import DOCUMENTATION, FlowTable
from spyless.traffic.interface import Destination, DnsQuery, Flow
from spyless.traffic.state import IN, OUT, FlowState

_PROTOCOLS = {1: "icmp", 6: "tcp", 17: "udp", 58: "icmpv6", 132: "sctp"}
_MAX_HTTP = 32


def scope_of(address: Address) -> str:
    if address.is_loopback:
        return "loopback"
    if address.is_multicast:
        return "multicast"
    if address == ipaddress.IPv4Address("255.255.255.255"):
        return "broadcast"
    if address.is_link_local:
        return "link-local"
    if any(address in net for net in DOCUMENTATION if net.version == address.version):
        return "documentation"
    if address.is_private:
        return "private"
    if address.is_global:
        return "global"
    return "reserved"


def _is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


@dataclass(slots=True)
class Judged:
    """One flow with its name and verdict, kept until destinations are built."""

    state: FlowState
    flow: Flow
    address: Address
    names: tuple[str, ...]  # the name first, then aliases
    allowed: bool | None
    rule: str | None
    resolver_undeclared: bool = False


def judge_flows(table: FlowTable, allow: Allowlist | None) -> list[Judged]:
    """Every flow of the device, named and judged, largest first."""
    judged = []
    for state in table.flows:
        local, _, remote, _, _ = state.key
        if table.device is not None and local != table.device:
            continue
        address = ipaddress.ip_address(remote)
        names = _names(state, str(address), table)
        flow = _flow(state, str(ipaddress.ip_address(local)), str(address),
                     names[0] if names else None)
        allowed, rule, undeclared_resolver = _verdict(flow, names, address, allow)
        judged.append(Judged(state, flow, address, names, allowed, rule, undeclared_resolver))
    judged.sort(key=lambda j: -(j.flow.bytes_out + j.flow.bytes_in))
    return judged


def _names(state: FlowState, address: str, table: FlowTable) -> tuple[str, ...]:
    names: list[str] = []
    if state.name and not _is_address(state.name):
        names.append(state.name)
    answers = table.names.get(address)
    if answers:
        times = [t for t, _ in answers]
        i = bisect.bisect_right(times, state.first + 1e-6) - 1
        for name in answers[max(i, 0)][1]:
            if name not in names:
                names.append(name)
    return tuple(names)


def _flow(state: FlowState, local: str, remote: str, name: str | None) -> Flow:
    proto = state.key[4]
    return Flow(_PROTOCOLS.get(proto, f"ip-{proto}"), local, state.key[1], remote,
                state.key[3], state.packets[OUT], state.packets[IN], state.bytes[OUT],
                state.bytes[IN], state.payload[OUT], state.payload[IN], state.first,
                state.last, state.app, name, state.sni, state.alpn,
                tuple(state.http[:_MAX_HTTP]))


def _verdict(flow: Flow, names: tuple[str, ...], address: Address,
             allow: Allowlist | None) -> tuple[bool | None, str | None, bool]:
    if allow is None:
        return None, None, False
    if flow.application == "dns" and flow.remote_port == 53:
        declared = allow.is_resolver(address)
        if declared is not None:
            return declared, "declared DNS resolver" if declared else None, not declared
    rule: AllowedEndpoint | None = allow.rule_for(names, (address,), flow.remote_port)
    return rule is not None, str(rule) if rule else None, False


def destination_key(item: Judged) -> str:
    return item.names[0] if item.names else str(item.address)


def destinations(judged: list[Judged]) -> tuple[Destination, ...]:
    groups: dict[str, list[Judged]] = {}
    for item in judged:
        groups.setdefault(destination_key(item), []).append(item)
    out = []
    for name, group in groups.items():
        flows = [j.flow for j in group]
        verdicts = [j.allowed for j in group]
        allowed = None if None in verdicts else all(v is True for v in verdicts)
        rules = sorted({j.rule for j in group if j.rule})
        aliases = sorted({n for j in group for n in j.names if n != name})
        addresses = sorted({str(j.address) for j in group})
        out.append(Destination(
            name=name, addresses=tuple(addresses),
            ports=tuple(sorted({f"{f.protocol}/{f.remote_port}" for f in flows})),
            protocols=tuple(sorted({f.application for f in flows if f.application})),
            flows=len(flows), packets_out=sum(f.packets_out for f in flows),
            packets_in=sum(f.packets_in for f in flows),
            bytes_out=sum(f.bytes_out for f in flows), bytes_in=sum(f.bytes_in for f in flows),
            payload_out=sum(f.payload_out for f in flows),
            payload_in=sum(f.payload_in for f in flows),
            first_seen=min(f.first_seen for f in flows),
            last_seen=max(f.last_seen for f in flows),
            scope=scope_of(group[0].address), allowed=allowed,
            rule="; ".join(rules) or None, aliases=tuple(aliases)))
    out.sort(key=lambda d: (-(d.bytes_out + d.bytes_in), d.name))
    return tuple(out)


def dns_queries(table: FlowTable, allow: Allowlist | None) -> tuple[DnsQuery, ...]:
    out = []
    for (name, qtype, resolver, port, transport), record in table.dns.items():
        declared = None
        if allow is not None and port == 53:
            declared = allow.is_resolver(ipaddress.ip_address(resolver))
        out.append(DnsQuery(name, qtype, resolver, port, transport, record.count,
                            record.first, tuple(record.answers), record.rcode, declared))
    out.sort(key=lambda q: (q.first_seen, q.name, q.qtype))
    return tuple(out)
