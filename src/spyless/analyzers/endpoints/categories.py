"""The curated channel categories (``spyless/data/endpoints/categories.toml``) and matching.

Owns loading the list and deciding, from an endpoint and its context (config key, command,
file, scheme, port), which remote-management or telemetry channel it belongs to.
"""

from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from spyless.model.findings import Severity


@dataclass(frozen=True, slots=True)
class Category:
    name: str
    title: str
    severity: Severity
    source: str
    keys: tuple[str, ...] = ()
    commands: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    addresses: frozenset[str] = frozenset()
    schemes: frozenset[str] = frozenset()
    ports: frozenset[int] = frozenset()

    def key_matches(self, key: str) -> bool:
        key = key.lower()
        return any(key.startswith(k[:-1]) if k.endswith("*") else key == k for k in self.keys)

    def domain_matches(self, host: str) -> bool:
        return any(host == d or host.endswith("." + d) for d in self.domains)


@cache
def categories() -> tuple[Category, ...]:
    text = resources.files("spyless.data").joinpath("endpoints/categories.toml").read_text()
    return tuple(
        Category(
            name=entry["name"], title=entry["title"], severity=Severity(entry["severity"]),
            source=entry["source"], keys=tuple(entry.get("keys", ())),
            commands=tuple(entry.get("commands", ())), paths=tuple(entry.get("paths", ())),
            domains=tuple(entry.get("domains", ())),
            addresses=frozenset(entry.get("addresses", ())),
            schemes=frozenset(entry.get("schemes", ())), ports=frozenset(entry.get("ports", ())),
        )
        for entry in tomllib.loads(text)["category"])


def by_name(name: str) -> Category | None:
    return next((c for c in categories() if c.name == name), None)


@lru_cache(maxsize=16384)
def categorize(host: str | None, *, key: str = "", command: str = "", path: str = "",
               scheme: str | None = None, port: int | None = None) -> str | None:
    """The first category whose key, command, path, domain, address, scheme or port matches.

    Context (what the file or command does with the value) is stronger evidence than the
    name, so it is tried first over all categories, then the value itself.
    """
    for category in categories():
        if key and category.key_matches(key):
            return category.name
        if command and any(command == c or command.startswith(c + " ")
                           for c in category.commands):
            return category.name
        if path and any(fnmatch.fnmatchcase(path, p) for p in category.paths):
            return category.name
    for category in categories():
        if host and (host in category.addresses or category.domain_matches(host)):
            return category.name
        if (scheme and scheme in category.schemes) or (port and port in category.ports):
            return category.name
    return None
