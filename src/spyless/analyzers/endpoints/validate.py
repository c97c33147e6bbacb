"""Is this token really an endpoint? Host names, addresses, URLs and e-mail addresses.

Owns validation and classification, independent of where the token was found:
host names against the public suffix list (``publicsuffixlist``, whose bundled snapshot is
read from the package; it never fetches), IP addresses with :mod:`ipaddress` and their class
(public, private, loopback, link-local, multicast, documentation, reserved, unspecified,
broadcast, netmask), and the usual look-alikes: version numbers, OIDs, file names whose
extension happens to be a top-level domain, dotted identifiers from code.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from urllib.parse import SplitResult, urlsplit

from publicsuffixlist import PSLFILE, PublicSuffixList

from spyless.analyzers.endpoints.scan import EMAIL_SHAPE, HOST_SHAPE, IPV4_SHAPE

#: Special-use names (RFC 2606, RFC 6761, RFC 8375): valid in a URL, never on the Internet.
RESERVED_TLDS = frozenset({"example", "test", "invalid", "localhost", "local", "lan",
                           "internal", "home", "localdomain", "intranet"})
#: Top-level domains that are also file extensions or member names in code, so that
#: ``libfoo.so``, ``setup.py``, ``obj.id`` or ``window.top`` look like host names.
AMBIGUOUS_TLDS = frozenset({
    "ac", "ai", "am", "app", "as", "at", "auto", "band", "bid", "bin", "black", "blue",
    "book", "bot", "box", "buzz", "bz", "call", "cam", "camera", "car", "cards", "case",
    "cash", "cat", "cc", "center", "cf", "channel", "chat", "click", "cloud", "club",
    "co", "codes", "coffee", "conf", "cool", "country", "cpa", "credit", "cx", "data",
    "date", "day", "deal", "dev", "direct", "directory", "diy", "do", "docs", "dog",
    "download", "drive", "earth", "eco", "email", "events", "exchange", "express",
    "fail", "family", "farm", "fast", "file", "film", "final", "fire", "fish", "fit",
    "flag", "fm", "foo", "free", "fun", "ga", "game", "gd", "gift", "global", "go",
    "green", "group", "gs", "guide", "hair", "health", "help", "here", "history",
    "host", "hosting", "hot", "how", "id", "ifm", "immo", "in", "info", "ink", "io",
    "is", "it", "java", "jobs", "kim", "la", "land", "law", "lease", "life", "like",
    "limited", "link", "list", "live", "loan", "lock", "log", "lol", "lotto", "love",
    "ltd", "lua", "ly", "mail", "maison", "management", "map", "markets", "md", "me",
    "media", "meet", "memorial", "menu", "mint", "mk", "ml", "mobile", "mode", "moe",
    "mom", "money", "mov", "movie", "mp", "ms", "name", "network", "new", "next",
    "ninja", "now", "nr", "nu", "off", "one", "ooo", "open", "page", "parts", "pay",
    "ph", "phone", "photo", "pics", "pid", "ping", "pink", "pl", "place", "play",
    "plus", "pm", "post", "press", "prod", "prof", "promo", "properties", "ps", "pub",
    "pw", "py", "quest", "radio", "read", "real", "red", "rent", "report", "rest",
    "review", "rich", "rip", "rocks", "room", "rs", "run", "safe", "sale", "salon",
    "save", "school", "search", "security", "select", "services", "sex", "sh", "shoes",
    "shop", "show", "sing", "site", "ski", "sky", "so", "social", "sock", "software",
    "solutions", "soy", "spa", "space", "sport", "spot", "star", "store", "stream",
    "study", "style", "sucks", "support", "surf", "sx", "system", "tab", "talk", "tax",
    "taxi", "tc", "team", "tech", "tel", "tickets", "tips", "tires", "tk", "to",
    "today", "tools", "top", "town", "toys", "trade", "tube", "tv", "uno", "vg",
    "video", "vote", "wang", "watch", "webcam", "wed", "wiki", "win", "work", "world",
    "ws", "xyz", "yoga", "you", "zero", "zip", "zone",
})
#: Hosts named only as identifiers (XML namespaces, DTDs), never contacted.
NAMESPACE_DOMAINS = ("w3.org", "xmlsoap.org", "tempuri.org", "purl.org", "openxmlformats.org",
                     "schemas.microsoft.com", "xmlns.com", "ns.adobe.com", "json-schema.org",
                     "upnp.org", "dlna.org", "apache.org/xml")
_VERSION_WORD = re.compile(r"\b(?:version|ver|release|build|rev|revision|firmware|fw|"
                           r"kernel|v)[\s:=_-]*$", re.IGNORECASE)
#: Resolvers people hardcode; a version-number test must not drop them.
WELL_KNOWN_IPS = frozenset({"1.1.1.1", "1.0.0.1", "8.8.8.8", "8.8.4.4", "9.9.9.9",
                            "4.2.2.1", "4.2.2.2"})


@cache
def psl() -> PublicSuffixList:
    # accept_encoded_idn=False: firmware names are ASCII; building the punycode forms
    # costs four times the parse (0.13 s instead of 0.03 s).
    return PublicSuffixList(accept_unknown=False, accept_encoded_idn=False)


@cache
def top_level_domains() -> frozenset[str]:
    """The ASCII top-level domains of the bundled list: a cheap first test before the PSL."""
    with Path(PSLFILE).open(encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle
                         if line.strip() and not line.startswith("//")
                         and "." not in line.strip() and line.strip().isascii()
                         and line.strip().isalnum())


def tld(host: str) -> str:
    return host.rsplit(".", 1)[-1]


@dataclass(frozen=True, slots=True)
class HostCheck:
    """A host name that passed: registered under a public suffix, or special-use."""

    host: str
    registered: str | None  # the registrable domain, None for special-use names
    special_use: bool
    ambiguous: bool  # its TLD is also a file extension or a code member name
    mixed_case: bool


@lru_cache(maxsize=65536)
def check_host(raw: str) -> HostCheck | None:
    host = raw.rstrip(".")
    if len(host) > 253 or HOST_SHAPE.fullmatch(host) is None:
        return None
    lowered = host.lower()
    top = tld(lowered)
    if top in RESERVED_TLDS:
        return HostCheck(lowered, None, True, False, host != lowered)
    if top not in top_level_domains():
        return None
    registered = psl().privatesuffix(lowered)
    if registered is None or lowered.endswith((".in-addr.arpa", ".ip6.arpa")):
        return None
    return HostCheck(lowered, registered, False, top in AMBIGUOUS_TLDS,
                     host != lowered and host != host.upper())


def ip_class(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """One word for what kind of address this is."""
    if isinstance(address, ipaddress.IPv4Address):
        value = int(address)
        if value == 0xFFFFFFFF:
            return "broadcast"
        inverted = (~value) & 0xFFFFFFFF
        if value >> 24 == 0xFF and inverted & (inverted + 1) == 0:
            return "netmask"
        if address in ipaddress.IPv4Network("100.64.0.0/10"):
            return "shared"
    for network in _DOCUMENTATION:
        if address.version == network.version and address in network:
            return "documentation"
    checks = (("unspecified", address.is_unspecified), ("loopback", address.is_loopback),
              ("link-local", address.is_link_local), ("multicast", address.is_multicast),
              ("reserved", address.is_reserved), ("private", address.is_private),
              ("public", address.is_global))
    return next((name for name, hit in checks if hit), "reserved")


_DOCUMENTATION = tuple(ipaddress.ip_network(n) for n in (
    "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32"))


def check_ipv4(token: str) -> tuple[str, str] | None:
    """(address, class) of a dotted quad, or None (leading zeros, octet > 255, ...)."""
    if IPV4_SHAPE.fullmatch(token) is None:
        return None
    try:
        address = ipaddress.IPv4Address(token)
    except ValueError:
        return None
    return str(address), ip_class(address)


def check_ipv6(token: str) -> tuple[str, str] | None:
    if token.count(":") < 2 or token.strip(":") == "" or len(token) < 3:
        return None
    try:
        address = ipaddress.IPv6Address(token)
    except ValueError:
        return None
    # A bare "a::" or "::1:2" pair of hex words is far more often a C++ scope or a time.
    if "::" in token and sum(1 for part in token.split(":") if part) < 2 \
            and not address.is_loopback:
        return None
    return address.compressed, ip_class(address)


def looks_like_version(address: str, before: str) -> bool:
    """``v1.2.3.4``, ``version 2.0.1.12`` or a small dotted quad such as ``1.0.0.19``."""
    if _VERSION_WORD.search(before[-24:]):
        return True
    if address in WELL_KNOWN_IPS:
        return False
    octets = [int(part) for part in address.split(".")]
    return octets[0] < 10 and sum(1 for o in octets[1:] if o < 10) >= 2


@dataclass(frozen=True, slots=True)
class UrlCheck:
    url: str  # normalised: scheme and host in lower case
    scheme: str
    host: str
    port: int | None
    host_kind: str  # "domain", "ipv4", "ipv6"
    ip_class: str | None
    special_use: bool


_URL_TRAILING = ".,;:)]}'\"!?*"


def check_url(raw: str) -> UrlCheck | None:
    token = raw.split("*/", 1)[0].rstrip(_URL_TRAILING)
    if token.count("(") < token.count(")"):
        token = token[:token.rindex(")")]
    try:
        parts: SplitResult = urlsplit(token)
        port = parts.port
    except ValueError:
        return None
    host = (parts.hostname or "").rstrip(".")
    if not host or any(ch in host for ch in "%$<>{}"):
        return None  # a format string or a shell variable, not a destination
    scheme = parts.scheme.lower()
    url = f"{scheme}://{parts.netloc.lower()}{token[len(parts.scheme) + 3 + len(parts.netloc):]}"
    if ":" in host:
        six = check_ipv6(host)
        return None if six is None else UrlCheck(url, scheme, six[0], port, "ipv6", six[1],
                                                   False)
    four = check_ipv4(host)
    if four is not None:
        return UrlCheck(url, scheme, four[0], port, "ipv4", four[1], False)
    checked = check_host(host)
    if checked is None:
        return None
    return UrlCheck(url, scheme, checked.host, port, "domain", None, checked.special_use)


def check_email(token: str) -> tuple[str, HostCheck] | None:
    if EMAIL_SHAPE.fullmatch(token) is None:
        return None
    local, _, domain = token.rpartition("@")
    checked = check_host(domain)
    if checked is None or (checked.ambiguous and tld(checked.host) not in ("io", "me", "info")):
        return None
    if any(checked.host == d or checked.host.endswith("." + d) for d in NAMING_DOMAINS):
        return None
    return f"{local}@{checked.host}", checked


#: Domains used in ``name@domain`` protocol identifiers (SSH algorithm and extension
#: names, RFC 4251 section 6), which look like e-mail addresses but are not.
NAMING_DOMAINS = ("openssh.com", "libssh.org", "ssh.com", "matt.ucc.asn.au", "tartarus.org")


@lru_cache(maxsize=4096)
def is_namespace(host: str, url: str = "") -> bool:
    return any(host == d or host.endswith("." + d) or d in url for d in NAMESPACE_DOMAINS)
