"""Components named by package metadata: opkg and dpkg databases, os-release, pkg-config.

Owns parsing of the control-file format (opkg ``/usr/lib/opkg/status`` and
``info/*.control``, dpkg ``/var/lib/dpkg/status``), ``/etc/os-release``,
``/etc/openwrt_release`` and ``*.pc`` files, mapping package names onto the catalogue's
products (``dnsmasq-full`` -> dnsmasq, ``libc6`` -> glibc) and the upstream part of a
package version (``1:1.35.0-4+deb12u1`` -> ``1.35.0``). Unmapped packages are still
components, under their package name and without a CPE.
"""

from __future__ import annotations

import posixpath
import re
from typing import ClassVar

from spyless.analyzers.components.catalog import cpe_for, purl_for
from spyless.analyzers.interface import FileAnalyzer, FileInput, Output
from spyless.model.facts import Component

_MAX_PACKAGES = 20_000
_PACKAGE_PRODUCTS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), key) for p, key in (
        (r"^busybox(-static)?$", "busybox"),
        (r"^(openssl(-util)?|libssl[\d.]*(t64)?|libcrypto[\d.]*|libopenssl[\d._]*)$", "openssl"),
        (r"^libressl", "libressl"),
        (r"^(lib)?wolfssl", "wolfssl"),
        (r"^(mbedtls|libmbed(tls|crypto|x509)[\d]*(t64)?)$", "mbedtls"),
        (r"^dropbear(-bin)?$", "dropbear"),
        (r"^openssh-(server|client|sftp-server|keygen)", "openssh"),
        (r"^dnsmasq(-base|-full|-dhcpv6)?$", "dnsmasq"),
        (r"^(hostapd(-\w+)*|wpad(-\w+)*)$", "hostapd"),
        (r"^(wpasupplicant|wpa-supplicant(-\w+)*)$", "wpa_supplicant"),
        (r"^lighttpd$", "lighttpd"),
        (r"^nginx(-core|-full|-ssl)?$", "nginx"),
        (r"^uhttpd$", "uhttpd"),
        (r"^miniupnpd(-\w+)?$", "miniupnpd"),
        (r"^libupnp\d*(t64)?$", "libupnp"),
        (r"^samba\d*(-server|-libs|-common)?$", "samba"),
        (r"^proftpd(-core|-basic)?$", "proftpd"),
        (r"^pure-ftpd$", "pure-ftpd"),
        (r"^vsftpd$", "vsftpd"),
        (r"^(curl|libcurl\d*(t64)?)$", "curl"),
        (r"^(zlib|zlib1g)$", "zlib"),
        (r"^libpng[\d-]*(t64)?$", "libpng"),
        (r"^libxml2$", "libxml2"),
        (r"^(expat|libexpat\d?)$", "libexpat"),
        (r"^(sqlite3?|libsqlite3(-0)?)$", "sqlite"),
        (r"^(json-c|libjson-c\d*)$", "json-c"),
        (r"^(iptables|libxtables\d*|libiptc\d*)$", "iptables"),
        (r"^ppp(-mod-\w+)?$", "ppp"),
        (r"^openvpn(-\w+)?$", "openvpn"),
        (r"^(ntp|ntpd|ntpdate|ntp-utils)$", "ntp"),
        (r"^avahi(-daemon|-\w+-daemon)?$", "avahi"),
        (r"^(net-snmp|snmpd|libsnmp\d*(t64)?)$", "net-snmp"),
        (r"^dhcpcd(-base)?$", "dhcpcd"),
        (r"^isc-dhcp-(client|server|relay|common)", "isc_dhcp"),
        (r"^musl$", "musl"),
        (r"^libc6$", "glibc"),
        (r"^(kernel|linux-image-[\w.-]+)$", "linux_kernel"),
        (r"^u-boot(-\w+)?$", "u-boot"),
        (r"^libpcap[\d.]*(t64)?$", "libpcap"),
        (r"^xl2tpd$", "xl2tpd"),
    ))
_PC_PRODUCTS = {"xtables": "iptables", "libiptc": "iptables", "libip4tc": "iptables",
                "zlib": "zlib", "libpng": "libpng", "libpng16": "libpng", "libxml-2.0": "libxml2",
                "expat": "libexpat", "sqlite3": "sqlite", "json-c": "json-c",
                "libcurl": "curl", "openssl": "openssl", "libssl": "openssl",
                "libcrypto": "openssl", "libpcap": "libpcap", "wolfssl": "wolfssl"}
_UPSTREAM_KERNEL = re.compile(r"^\d+\.\d+(?:\.\d+)?")
_REPACK = re.compile(r"(?:[+.~](?:dfsg|ds|repack|really)\w*|~\w*)$")
_KEY_VALUE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$")


def product_for_package(name: str) -> str | None:
    for pattern, key in _PACKAGE_PRODUCTS:
        if pattern.match(name):
            return key
    return None


def upstream_version(version: str, product: str | None = None) -> str:
    """The upstream part of a Debian or opkg package version."""
    ver = version.split(":", 1)[1] if re.match(r"^\d+:", version) else version
    if product == "linux_kernel" and (m := _UPSTREAM_KERNEL.match(ver)):
        return m.group(0)
    if "-" in ver:
        ver = ver.rsplit("-", 1)[0]
    previous = None
    while previous != ver:
        previous, ver = ver, _REPACK.sub("", ver)
    return ver


def control_stanzas(text: str) -> list[dict[str, str]]:
    """Stanzas of a control-format file (RFC 822 style, blank-line separated)."""
    stanzas: list[dict[str, str]] = []
    current: dict[str, str] = {}
    field = None
    for line in text.splitlines():
        if not line.strip():
            if current:
                stanzas.append(current)
                current, field = {}, None
                if len(stanzas) >= _MAX_PACKAGES:
                    return stanzas
            continue
        if line[0] in " \t":
            if field is not None:
                current[field] += "\n" + line.strip()
            continue
        key, colon, value = line.partition(":")
        if colon:
            field = key.strip().lower()
            current[field] = value.strip()
    if current:
        stanzas.append(current)
    return stanzas


def _key_values(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for line in text.splitlines():
        m = _KEY_VALUE.match(line.strip())
        if m:
            values[m.group(1)] = m.group(2).strip().strip("'\"")
    return values


class PackageMetadata(FileAnalyzer):
    name = "components-packages"
    description = ("Names components from package databases (opkg, dpkg), os-release, "
                   "openwrt_release and pkg-config files.")
    references = ("https://www.debian.org/doc/debian-policy/ch-controlfields.html",
                  "https://www.freedesktop.org/software/systemd/man/os-release.html")
    path_patterns: ClassVar[tuple[str, ...]] = (
        "/usr/lib/opkg/status", "/usr/lib/opkg/info/*.control", "/var/lib/opkg/status",
        "/var/lib/dpkg/status", "/etc/os-release", "/usr/lib/os-release",
        "/etc/openwrt_release", "*/pkgconfig/*.pc",
    )
    max_size: ClassVar[int] = 16 << 20

    def analyze(self, file: FileInput, out: Output) -> None:
        text = file.data.decode("utf-8", "replace")
        base = posixpath.basename(file.fs_path)
        if base in ("os-release", "openwrt_release"):
            self._release(file, text, out)
        elif base.endswith(".pc"):
            self._pkgconfig(file, text, base[:-3], out)
        else:
            kind = "deb" if "/dpkg/" in file.fs_path else "opkg"
            for stanza in control_stanzas(text):
                self._package(file, stanza, kind, out)

    def _package(self, file: FileInput, stanza: dict[str, str], kind: str, out: Output) -> None:
        name, version = stanza.get("package"), stanza.get("version")
        if not name or not version:
            return
        status = stanza.get("status", "")
        if (status and not status.endswith("installed")) or "not-installed" in status:
            return
        product = product_for_package(name)
        upstream = upstream_version(version, product)
        namespace = "debian" if kind == "deb" else "openwrt"
        arch = stanza.get("architecture", "")
        offset = file.data.find(f"Package: {name}\n".encode())
        out.add(Component(
            name=product or name, version=upstream,
            locations=(file.location(offset=max(offset, 0)),),
            evidence=f"Package: {name} Version: {version}",
            cpe=cpe_for(product, upstream) if product else None,
            purl=purl_for(kind, name, version, namespace, {"arch": arch}),
            source="package-db",
        ))

    def _release(self, file: FileInput, text: str, out: Output) -> None:
        values = _key_values(text)
        if posixpath.basename(file.fs_path) == "openwrt_release":
            ident, version = values.get("DISTRIB_ID", ""), values.get("DISTRIB_RELEASE")
        else:
            ident = values.get("ID", "")
            words = values.get("VERSION", "").split()
            version = values.get("VERSION_ID") or (words[0] if words else None)
        ident = ident.lower()
        if not ident:
            return
        out.add(Component(
            name=ident, version=version or None, locations=(file.location(offset=0),),
            evidence=f"{ident} {version or ''}".strip(), cpe=cpe_for(ident, version),
            purl=purl_for("generic", ident, version), source="os-release",
        ))

    def _pkgconfig(self, file: FileInput, text: str, stem: str, out: Output) -> None:
        product = _PC_PRODUCTS.get(stem)
        if product is None:
            return
        for number, line in enumerate(text.splitlines(), 1):
            key, colon, value = line.partition(":")
            if colon and key.strip() == "Version" and re.match(r"^\d+(\.\w+)+$", value.strip()):
                version = value.strip()
                out.add(Component(
                    name=product, version=version,
                    locations=(file.location(line=number),), evidence=line.strip(),
                    cpe=cpe_for(product, version), purl=purl_for("generic", product, version),
                    source="pkg-config",
                ))
                return
