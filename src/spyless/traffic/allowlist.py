"""The endpoints a vendor declared: the ``[[endpoints]]`` and ``[network]`` tables of the
agreement file (TOML), and matching a destination against them.

Other tables and keys of the file belong to the rest of the agreement and are ignored here.
A ``host`` is a host name (matched case-insensitively, trailing dot ignored), a wildcard
``*.vendor.example`` (any name below ``vendor.example``, at any depth, not the name
itself), an IPv4/IPv6 address or a CIDR network. ``ports`` limits the rule to those ports.
"""

from __future__ import annotations

import ipaddress
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spyless.errors import InputError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True, slots=True)
class AllowedEndpoint:
    host: str
    ports: tuple[int, ...] = ()
    purpose: str = ""
    category: str | None = None

    def __str__(self) -> str:
        ports = f":{','.join(map(str, self.ports))}" if self.ports else ""
        return f"{self.host}{ports}" + (f" ({self.purpose})" if self.purpose else "")

    def matches(self, names: Iterable[str], addresses: Iterable[Address], port: int) -> bool:
        if self.ports and port not in self.ports:
            return False
        network = _network(self.host)
        if network is not None:
            return any(a in network for a in addresses if a.version == network.version)
        if self.host.startswith("*."):
            suffix = self.host[1:]
            return any(n.endswith(suffix) for n in names)
        return self.host in names


@dataclass(frozen=True, slots=True)
class Allowlist:
    endpoints: tuple[AllowedEndpoint, ...] = ()
    dns_resolvers: tuple[str, ...] = ()
    source: str | None = None

    def rule_for(self, names: Iterable[str], addresses: Iterable[Address],
                 port: int) -> AllowedEndpoint | None:
        names = [n.lower().rstrip(".") for n in names]
        addresses = list(addresses)
        for endpoint in self.endpoints:
            if endpoint.matches(names, addresses, port):
                return endpoint
        return None

    def is_resolver(self, address: Address) -> bool | None:
        """Whether ``address`` is a declared resolver; None when none are declared."""
        if not self.dns_resolvers:
            return None
        return any(address in net for r in self.dns_resolvers
                   if (net := _network(r)) is not None and net.version == address.version)


def _network(text: str) -> Network | None:
    try:
        return ipaddress.ip_network(text.strip("[]"), strict=False)
    except ValueError:
        return None


def load_allowlist(path: Path) -> Allowlist:
    """Read the declared endpoints from an agreement file; one-line InputError if bad."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise InputError(f"{path}: cannot read agreement: {e.strerror or e}") from e
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: not a valid TOML agreement: {e}") from e
    return allowlist_from(data, str(path))


def allowlist_from(data: dict[str, Any], source: str | None = None) -> Allowlist:
    where = source or "agreement"
    raw = data.get("endpoints", [])
    if not isinstance(raw, list):
        raise InputError(f"{where}: 'endpoints' must be an array of tables ([[endpoints]])")
    endpoints = []
    for i, entry in enumerate(raw, 1):
        if not isinstance(entry, dict) or not isinstance(entry.get("host"), str) \
                or not entry["host"].strip():
            raise InputError(f"{where}: endpoint {i} needs a 'host' string")
        ports = entry.get("ports", [])
        if not isinstance(ports, list) or not all(
                isinstance(p, int) and not isinstance(p, bool) and 0 <= p <= 65535
                for p in ports):
            raise InputError(f"{where}: endpoint {i} ({entry['host']}): 'ports' must be a "
                             "list of port numbers")
        host = entry["host"].strip().lower().rstrip(".")
        if host.startswith("*") and not host.startswith("*."):
            raise InputError(f"{where}: endpoint {i}: wildcard must look like '*.example.com'")
        purpose, category = entry.get("purpose", ""), entry.get("category")
        endpoints.append(AllowedEndpoint(
            host, tuple(ports), purpose if isinstance(purpose, str) else "",
            category if isinstance(category, str) else None))
    network = data.get("network", {})
    resolvers = network.get("dns_resolvers", []) if isinstance(network, dict) else []
    if not isinstance(resolvers, list) or not all(
            isinstance(r, str) and _network(r) is not None for r in resolvers):
        raise InputError(f"{where}: network.dns_resolvers must be a list of IP addresses")
    return Allowlist(tuple(endpoints), tuple(resolvers), source)
