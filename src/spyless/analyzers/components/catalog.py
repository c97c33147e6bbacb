"""The products spyless names, with their CPE 2.3 vendor:product and how to spell ids for them.

Owns the product keys (``busybox``, ``linux_kernel``...), the NVD vendor:product pair of each
(the first pair of ``../shared/vulndata/cpe-map.json`` where that file lists the product, so
the vulnerability matcher and this catalogue agree; a test checks it), which products are
libraries (for the "many copies" finding), and building CPE 2.3 and purl strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote


@dataclass(frozen=True, slots=True)
class Product:
    key: str
    #: NVD "part:vendor:product", None when NVD has no stable entry we know of.
    cpe: str | None
    library: bool = False


_P = Product
PRODUCTS: dict[str, Product] = {p.key: p for p in (
    _P("busybox", "a:busybox:busybox"),
    _P("openssl", "a:openssl:openssl", library=True),
    _P("libressl", "a:openbsd:libressl", library=True),
    _P("wolfssl", "a:wolfssl:wolfssl", library=True),
    _P("mbedtls", "a:arm:mbed_tls", library=True),
    _P("dropbear", "a:dropbear_ssh_project:dropbear_ssh"),
    _P("openssh", "a:openbsd:openssh"),
    _P("dnsmasq", "a:thekelleys:dnsmasq"),
    _P("hostapd", "a:w1.fi:hostapd"),
    _P("wpa_supplicant", "a:w1.fi:wpa_supplicant"),
    _P("lighttpd", "a:lighttpd:lighttpd"),
    _P("nginx", "a:f5:nginx"),
    _P("boa", "a:boa:boa"),
    _P("goahead", "a:embedthis:goahead"),
    _P("mini_httpd", "a:acme:mini_httpd"),
    _P("thttpd", "a:acme_labs:thttpd"),
    _P("uhttpd", None),
    _P("miniupnpd", "a:miniupnp_project:miniupnpd"),
    _P("libupnp", "a:libupnp_project:libupnp", library=True),
    _P("samba", "a:samba:samba"),
    _P("proftpd", "a:proftpd:proftpd"),
    _P("pure-ftpd", "a:pureftpd:pure-ftpd"),
    _P("vsftpd", "a:beasts:vsftpd"),
    _P("curl", "a:haxx:curl", library=True),
    _P("zlib", "a:zlib:zlib", library=True),
    _P("libpng", "a:libpng:libpng", library=True),
    _P("libxml2", "a:xmlsoft:libxml2", library=True),
    _P("libexpat", "a:libexpat_project:libexpat", library=True),
    _P("sqlite", "a:sqlite:sqlite", library=True),
    _P("json-c", "a:json-c_project:json-c", library=True),
    _P("iptables", "a:netfilter:iptables"),
    _P("ppp", "a:point-to-point_protocol_project:point-to-point_protocol"),
    _P("openvpn", "a:openvpn:openvpn"),
    _P("ntp", "a:ntp:ntp"),
    _P("avahi", "a:avahi:avahi"),
    _P("net-snmp", "a:net-snmp:net-snmp"),
    _P("dhcpcd", "a:dhcpcd_project:dhcpcd"),
    _P("isc_dhcp", "a:isc:dhcp"),
    _P("uclibc", "a:uclibc:uclibc", library=True),
    _P("uclibc-ng", "a:uclibc-ng_project:uclibc-ng", library=True),
    _P("musl", "a:musl-libc:musl", library=True),
    _P("glibc", "a:gnu:glibc", library=True),
    _P("linux_kernel", "o:linux:linux_kernel"),
    _P("u-boot", "a:denx:u-boot"),
    _P("libpcap", "a:tcpdump:libpcap", library=True),
    _P("xl2tpd", "a:xelerance:xl2tpd"),
    _P("openwrt", "a:openwrt:openwrt"),
)}

#: NVD keeps these products' "p" releases in the CPE update field (OpenSSH 9.2p1 -> 9.2:p1).
_UPDATE_SUFFIX = {"openssh": re.compile(r"^(\d+\.\d+(?:\.\d+)?)(p\d+)$"),
                  "ntp": re.compile(r"^(\d+\.\d+\.\d+)(p\d+)$")}
_CPE_SPECIAL = re.compile(r"([^A-Za-z0-9._-])")


def _cpe_value(value: str) -> str:
    return _CPE_SPECIAL.sub(r"\\\1", value)


def cpe_for(key: str, version: str | None) -> str | None:
    """``cpe:2.3:a:busybox:busybox:1.01:*:*:*:*:*:*:*``, or None for unknown products."""
    product = PRODUCTS.get(key)
    if product is None or product.cpe is None:
        return None
    update = "*"
    ver = version or "*"
    split = _UPDATE_SUFFIX.get(key)
    if version and split and (m := split.match(version)):
        ver, update = m.group(1), m.group(2)
    if ver != "*":
        ver = _cpe_value(ver)
    return f"cpe:2.3:{product.cpe}:{ver}:{update}:*:*:*:*:*:*"


def purl_for(kind: str, name: str, version: str | None, namespace: str | None = None,
             qualifiers: dict[str, str] | None = None) -> str:
    """A package URL (https://github.com/package-url/purl-spec), percent-encoded."""
    parts = [f"pkg:{kind}/"]
    if namespace:
        parts.append(quote(namespace, safe="") + "/")
    parts.append(quote(name, safe=""))
    if version:
        parts.append("@" + quote(version, safe=""))
    pairs = [f"{k}={quote(v, safe='')}" for k, v in sorted((qualifiers or {}).items()) if v]
    if pairs:
        parts.append("?" + "&".join(pairs))
    return "".join(parts)
