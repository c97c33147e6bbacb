"""Matching hosts against declared endpoints, indexed so that thousands of endpoints
against hundreds of rules stay fast.

The semantics are the traffic check's (:meth:`AllowedEndpoint.matches`): a name matches
a rule of the same name (lower case, no trailing dot); ``*.vendor.example`` matches any
name below ``vendor.example`` at any depth, not the name itself; an address matches a
rule that is that address or a network containing it; ``ports`` limit a rule to those
ports, and an endpoint whose port is unknown (a bare host name in a config) matches on
the host alone.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from urllib.parse import urlsplit

from spyless.model.facts import Endpoint
from spyless.traffic.allowlist import AllowedEndpoint

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

DEFAULT_PORTS = {"http": 80, "https": 443, "ftp": 21, "ftps": 990, "tftp": 69, "mqtt": 1883,
                 "mqtts": 8883, "ws": 80, "wss": 443, "telnet": 23, "ssh": 22, "ldap": 389,
                 "ldaps": 636, "coap": 5683, "ntp": 123, "syslog": 514}


def address(text: str) -> Address | None:
    try:
        return ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None


def target(endpoint: Endpoint) -> tuple[str, int | None]:
    """The host (lower case) and port an endpoint fact points at; port None when unknown."""
    host = (endpoint.host or endpoint.value).lower().rstrip(".").strip("[]")
    port = None
    if endpoint.kind == "url":
        try:
            parts = urlsplit(endpoint.value)
            port = parts.port or DEFAULT_PORTS.get(parts.scheme.lower())
        except ValueError:
            port = None
    return host, port


class EndpointMatcher:
    """Declared endpoint rules, indexed by name, wildcard suffix and network."""

    def __init__(self, rules: tuple[AllowedEndpoint, ...]) -> None:
        self.rules = rules
        self._names: dict[str, list[int]] = defaultdict(list)
        self._suffixes: dict[str, list[int]] = defaultdict(list)
        self._networks: list[tuple[Network, int]] = []
        for index, rule in enumerate(rules):
            host = rule.host.lower().rstrip(".")
            try:
                self._networks.append((ipaddress.ip_network(host.strip("[]"), strict=False),
                                       index))
                continue
            except ValueError:
                pass
            if host.startswith("*."):
                self._suffixes[host[2:]].append(index)
            else:
                self._names[host].append(index)

    def _candidates(self, host: str) -> list[int]:
        ip = address(host)
        if ip is not None:
            return [i for network, i in self._networks
                    if network.version == ip.version and ip in network]
        found = list(self._names.get(host, ()))
        labels = host.split(".")
        for cut in range(1, len(labels)):
            found += self._suffixes.get(".".join(labels[cut:]), ())
        return found

    def all_matches(self, host: str, port: int | None) -> list[int]:
        """Indexes of every rule that allows ``host`` (and ``port`` when known), in order."""
        return sorted(i for i in self._candidates(host)
                      if port is None or not self.rules[i].ports or port in self.rules[i].ports)

    def first(self, host: str, port: int | None) -> AllowedEndpoint | None:
        matches = self.all_matches(host, port)
        return self.rules[matches[0]] if matches else None

    def declared(self, endpoint: Endpoint) -> bool:
        return bool(self.all_matches(*target(endpoint)))
