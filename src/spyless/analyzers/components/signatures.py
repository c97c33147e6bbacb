"""Version-string signatures of the products in the catalogue, and the one-pass matcher.

Written for spyless from the banner formats the projects document or print (``BusyBox v1.01
(...)``, ``SSH-2.0-dropbear_2012.55``, ``Linux version 2.6.31 (user@host)``...), checked
against real binaries from Debian packages (tests/fixtures/snippets, cut by
scripts/make_snippets.py). A signature is a literal anchor and either

* a ``tail``: a regular expression matched right after the anchor whose group ``v`` is the
  version, with enough context after it that prose ("peers running OpenVPN 2.6.0 or
  higher") and protocol versions ("HTTP/1.1", "TLSv1.2") do not pass; or
* a ``near`` expression: a stand-alone NUL-delimited version string within ``window`` bytes
  of a product-specific anchor, for products that keep their version in its own constant
  (``pppd version %s`` beside ``2.4.3``).

All anchors of all signatures are found in one yara-x pass (Aho-Corasick) per file; the
Python expressions only run at the few places an anchor occurs.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import yara_x

from spyless.yarascan import thread_scanner

_SCAN_SECONDS = 5
_MAX_HITS = 64


def _xml_version(raw: str) -> str:
    """libxml2 keeps "20914" (xmlParserVersion): major, two-digit minor, two-digit patch."""
    return f"{int(raw[0])}.{int(raw[1:3])}.{int(raw[3:5])}"


@dataclass(frozen=True, slots=True)
class Signature:
    product: str
    anchor: bytes
    tail: bytes | None = None
    near: bytes | None = None
    window: int = 512
    #: The anchor right after one of these is a reference to another build, not the thing.
    reject_before: tuple[bytes, ...] = ()
    convert: Callable[[str], str] | None = None
    source: str = "binary"
    tail_re: re.Pattern[bytes] | None = field(init=False, repr=False, compare=False)
    near_re: re.Pattern[bytes] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tail_re", re.compile(self.tail) if self.tail else None)
        object.__setattr__(self, "near_re", re.compile(self.near) if self.near else None)


_S = Signature
_END = rb"(?=[\x00\s])"
_ENDP = rb"(?=[\x00\s(])"
_NOT_THE_LIBRARY = (b"built with ", b"compiled with ", b"compiled against ", b"linked with ",
                    b"linked against ", b"running with ", b"headers: ", b"requires ")
_NUL = rb"(?<=\x00)"

SIGNATURES: tuple[Signature, ...] = (
    _S("busybox", b"BusyBox v", rb"(?P<v>\d+\.\d+(?:\.\d+)?)(?=[\s\x00(.-])"),
    _S("openssl", b"OpenSSL ",
       rb"(?P<v>\d\.\d+\.\d+[a-z]{0,2})(?:-[\w.]+)? +\d{1,2} [A-Z][a-z]{2} \d{4}",
       reject_before=_NOT_THE_LIBRARY),
    _S("libressl", b"LibreSSL ", rb"(?P<v>\d+\.\d+\.\d+)" + _END,
       reject_before=_NOT_THE_LIBRARY),
    _S("wolfssl", b"wolfSSL ", rb"(?P<v>\d+\.\d+\.\d+)" + _END, reject_before=_NOT_THE_LIBRARY),
    _S("mbedtls", b"mbed TLS ", rb"(?P<v>\d+\.\d+\.\d+)" + _END,
       reject_before=_NOT_THE_LIBRARY),
    _S("mbedtls", b"Mbed TLS ", rb"(?P<v>\d+\.\d+\.\d+)" + _END,
       reject_before=_NOT_THE_LIBRARY),
    _S("mbedtls", b"PolarSSL ", rb"(?P<v>\d+\.\d+\.\d+)" + _END,
       reject_before=_NOT_THE_LIBRARY),
    _S("dropbear", b"SSH-2.0-dropbear_", rb"(?P<v>\d{4}\.\d{2,3}|0\.\d{2})" + _END),
    _S("openssh", b"OpenSSH_", rb"(?P<v>\d+\.\d+(?:\.\d+)?(?:p\d+)?)(?=[\x00 ])"),
    _S("dnsmasq", b"dnsmasq-", rb"(?P<v>\d\.\d{2,3}(?:rc\d+|test\d+)?)" + _END),
    _S("hostapd", b"hostapd v", rb"(?P<v>\d+\.\d+(?:\.\d+)?(?:-devel)?)" + _END),
    _S("hostapd", b"hostapd v%s", near=_NUL + rb"(?P<v>[0-3]\.\d+(?:\.\d+)?)(?:-devel)?\x00"),
    _S("wpa_supplicant", b"wpa_supplicant v", rb"(?P<v>\d+\.\d+(?:\.\d+)?(?:-devel)?)" + _END),
    _S("lighttpd", b"lighttpd/", rb"(?P<v>1\.\d+\.\d+)" + _ENDP),
    _S("nginx", b"nginx/", rb"(?P<v>\d+\.\d+\.\d+)" + _END),
    _S("boa", b"Boa/", rb"(?P<v>0\.9\d(?:\.\d+)?(?:rc\d+)?)" + _END),
    _S("goahead", b"GoAhead-Webs/", rb"(?P<v>\d+\.\d+\.\d+)" + _END),
    _S("goahead", b"GoAhead/", rb"(?P<v>\d+\.\d+\.\d+)" + _END),
    _S("mini_httpd", b"mini_httpd/", rb"(?P<v>1\.\d+[a-z]?) \d{1,2}[A-Za-z]{3}\d{4}"),
    _S("thttpd", b"thttpd/", rb"(?P<v>2\.\d+[a-z]?) \d{1,2}[A-Za-z]{3}\d{4}"),
    _S("miniupnpd", b"MiniUPnPd/", rb"(?P<v>\d+\.\d+(?:\.\d+)?)" + _END),
    _S("miniupnpd", b"miniupnpd/", rb"(?P<v>\d+\.\d+(?:\.\d+)?)" + _END),
    _S("libupnp", b"Portable SDK for UPnP devices/", rb"(?P<v>1\.\d+\.\d+)" + _END),
    _S("samba", b"smbd version %s started", window=65536,
       near=_NUL + rb"(?P<v>[1-4]\.\d+\.\d+[a-z]?)(?:-[\w.+]+)?\x00"),
    _S("samba", b"Samba version %s", window=65536,
       near=_NUL + rb"(?P<v>[1-4]\.\d+\.\d+[a-z]?)(?:-[\w.+]+)?\x00"),
    _S("proftpd", b"ProFTPD Version ", rb"(?P<v>1\.\d+\.\d+[a-z]?(?:rc\d+)?)" + _END),
    _S("proftpd", b"ProFTPD Version: %s", window=4096,
       near=_NUL + rb"(?P<v>1\.\d+\.\d+[a-z]?(?:rc\d+)?) \((?:stable|maint|devel)"),
    _S("pure-ftpd", b"pure-ftpd v", rb"(?P<v>1\.\d+\.\d+)" + _END),
    _S("vsftpd", b"vsftpd: version ", rb"(?P<v>\d+\.\d+\.\d+)" + _END),
    _S("curl", b"libcurl/", rb"(?P<v>\d+\.\d+\.\d+)" + _END),
    _S("curl", b"curl ", rb"(?P<v>\d+\.\d+\.\d+)(?:-DEV)? \([\w.-]+\) %s"),
    _S("zlib", b"deflate ", rb"(?P<v>1\.\d+(?:\.\d+){0,2}) Copyright"),
    _S("zlib", b"inflate ", rb"(?P<v>1\.\d+(?:\.\d+){0,2}) Copyright"),
    _S("libpng", b"libpng version ", rb"(?P<v>1\.\d+\.\d+)(?=[\x00\s-])"),
    _S("libxml2", b"xmlGetGlobalState: out of memory", window=256,
       near=_NUL + rb"(?P<v>2\d{4})\x00", convert=_xml_version),
    _S("libexpat", b"expat_", rb"(?P<v>\d+\.\d+\.\d+)\x00"),
    _S("sqlite", b"failed memory resize %u to %u bytes", window=256,
       near=_NUL + rb"(?P<v>3\.\d+\.\d+)\x00"),
    _S("json-c", b"json-c aborts with error: %s", window=256,
       near=_NUL + rb"(?P<v>0\.\d{1,2}(?:\.\d+)?)\x00"),
    _S("iptables", b"iptables-save v%s", window=65536,
       near=_NUL + rb"(?P<v>1\.\d\.\d{1,2})(?: \(\w+\))?\x00"),
    _S("iptables", b"</iptables-rules>", window=65536,
       near=_NUL + rb"(?P<v>1\.\d\.\d{1,2})(?: \(\w+\))?\x00"),
    _S("ppp", b"pppd version %s", window=65536, near=_NUL + rb"(?P<v>2\.\d\.\d{1,2})\x00"),
    _S("ppp", b"pppd %s started by %s", window=1024, near=_NUL + rb"(?P<v>2\.\d\.\d{1,2})\x00"),
    _S("openvpn", b"OpenVPN ", rb"(?P<v>\d+\.\d+\.\d+(?:_\w+)?) [\w.]+-[\w.]+-[\w.-]+ \["),
    _S("ntp", b"ntpd ", rb"(?P<v>4\.\d+\.\d+(?:p\d+)?)@"),
    _S("ntp", b"ntpq ", rb"(?P<v>4\.\d+\.\d+(?:p\d+)?)@"),
    _S("ntp", b"ntpdate ", rb"(?P<v>4\.\d+\.\d+(?:p\d+)?)@"),
    _S("avahi", b"avahi ", rb"(?P<v>0\.\d+(?:\.\d+)?)\x00"),
    _S("net-snmp", b"NET-SNMP version: %s", window=65536,
       near=_NUL + rb"(?P<v>5\.\d+(?:\.\d+){0,2})(?:\.rc\d+|\.pre\d+)?\x00"),
    _S("dhcpcd", b"dhcpcd-", rb"(?P<v>\d+\.\d+\.\d+) starting"),
    _S("dhcpcd", b"dhcpcd ", rb"(?P<v>\d+\.\d+\.\d+)\x00"),
    _S("isc_dhcp", b"Internet Systems Consortium DHCP ", window=8192,
       near=_NUL + rb"(?P<v>[34]\.\d+\.\d+(?:-P\d+)?)\x00"),
    # musl's loader keeps its version constant far from the banner (155 kB in Debian's).
    _S("musl", b"musl libc (", window=262144,
       near=_NUL + rb"(?P<v>(?:0\.9|1\.[0-2])\.\d{1,2})\x00"),
    _S("glibc", b"GNU C Library ",
       rb"\([^\x00)]{0,80}\) (?:stable )?release (?:release )?version (?P<v>2\.\d+(?:\.\d+)?)"),
    _S("linux_kernel", b"Linux version ",
       rb"(?P<v>\d\.\d+(?:\.\d+)?)[^\x00\s]* \([^\x00()]{1,80}@", source="banner"),
    _S("linux_kernel", b"vermagic=", rb"(?P<v>\d\.\d+(?:\.\d+)?)[^\x00\s]* ",
       source="kernel-module"),
    _S("u-boot", b"U-Boot ", rb"(?:SPL )?(?P<v>\d+\.\d+(?:\.\d+)?(?:-rc\d+)?)[^\x00\s(]* "
       rb"\([A-Z][a-z]{2} [ \d]\d \d{4}", source="banner"),
    _S("libpcap", b"libpcap version ", rb"(?P<v>\d+\.\d+\.\d+)(?=[\x00\s])"),
    _S("xl2tpd", b"xl2tpd-", rb"(?P<v>\d+\.\d+\.\d+)\x00"),
)


@dataclass(frozen=True, slots=True)
class Detection:
    product: str
    version: str
    offset: int
    excerpt: str
    source: str


def _hex(anchor: bytes) -> str:
    return " ".join(f"{b:02x}" for b in anchor)


def rules_source(signatures: tuple[Signature, ...] = SIGNATURES) -> str:
    """One rule per signature; the rule name is its index."""
    return "\n".join(f"rule s{i} {{ strings: $a = {{ {_hex(sig.anchor)} }} condition: $a }}"
                     for i, sig in enumerate(signatures))


def _scanner() -> yara_x.Scanner:
    return thread_scanner("components", _make_scanner)


def _make_scanner() -> yara_x.Scanner:
    scanner = yara_x.Scanner(yara_x.compile(rules_source()))
    scanner.set_timeout(_SCAN_SECONDS)
    scanner.max_matches_per_pattern(_MAX_HITS)
    return scanner


_PRINTABLE_RUN = re.compile(rb"[\x20-\x7e\t]{1,120}")


def _excerpt(data: bytes, start: int, end: int) -> str:
    """The printable text around [start, end): what a human would see with ``strings``."""
    lo = start
    while lo > 0 and start - lo < 40 and 0x20 <= data[lo - 1] < 0x7f:
        lo -= 1
    hi = end
    while hi < len(data) and hi - end < 60 and 0x20 <= data[hi] < 0x7f:
        hi += 1
    return data[lo:hi].decode("latin-1")


def _at(sig: Signature, data: bytes, offset: int) -> Detection | None:
    after = offset + len(sig.anchor)
    if any(data[max(0, offset - len(r)):offset] == r for r in sig.reject_before):
        return None
    if sig.tail_re is not None:
        m = sig.tail_re.match(data, after, after + 200)
        if m is None:
            return None
        raw, start, end = m.group("v").decode("ascii"), offset, m.end()
        v_at = m.start("v")
    elif sig.near_re is not None:
        lo, hi = max(0, offset - sig.window), min(len(data), after + sig.window)
        best: re.Match[bytes] | None = None
        for m in sig.near_re.finditer(data, lo, hi):
            if best is None or abs(m.start() - offset) < abs(best.start() - offset):
                best = m
        if best is None:
            return None
        raw, v_at = best.group("v").decode("ascii"), best.start("v")
        start, end = v_at, best.end("v")
    else:
        return None
    version = sig.convert(raw) if sig.convert else raw
    excerpt = _excerpt(data, start, end)
    if sig.near_re is not None:
        excerpt = f"{excerpt} (near \"{sig.anchor.decode('latin-1')}\")"
    return Detection(sig.product, version, v_at if sig.near_re is not None else offset,
                     excerpt, sig.source)


def scan(data: bytes) -> list[Detection]:
    """Every signature that matches ``data``, in file order."""
    results = _scanner().scan(data)
    found: list[Detection] = []
    for rule in results.matching_rules:
        sig = SIGNATURES[int(rule.identifier[1:])]
        for pattern in rule.patterns:
            for match in pattern.matches:
                detection = _at(sig, data, match.offset)
                if detection is not None:
                    found.append(detection)
    found.sort(key=lambda d: d.offset)
    return found
