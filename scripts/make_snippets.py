"""Cut the component-detection fixtures in tests/fixtures/snippets/ from real Debian binaries.

For each product: ``apt-get download PACKAGE:ARCH`` (the foreign architectures armel, arm64,
mipsel and mips64el must be configured), ``dpkg-deb -x``, find the file, and keep the bytes
from 200 before the first ``cut`` expression's match to 200 after the last one's, so the
fixture holds the real banner with its real surroundings and nothing else. The ``cut``
expressions are independent of spyless's signatures: a fixture shows what the binary holds,
not what the detector wants. Products Debian does not ship (or not in a form that carries
the banner) are written from their publicly documented banner format (``HANDMADE``) and
the README says so. Rerun with:

    .venv/bin/python scripts/make_snippets.py [--debs CACHE_DIR] [--out tests/fixtures/snippets]
"""

from __future__ import annotations

import argparse
import fnmatch
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARGIN = 200
MAX_SPAN = 4096
GAP = b"\x00" * 16


@dataclass(frozen=True)
class Source:
    product: str
    version: str  # what the fixture must be detected as
    package: str
    arch: str
    glob: str  # path inside the package
    cut: tuple[bytes, ...]  # expressions that must all fall inside the snippet


SOURCES = (
    Source("busybox", "1.35.0", "busybox", "mipsel", "*/bin/busybox", (rb"BusyBox v1\.35\.0 \(",)),
    Source("openssl", "3.0.20", "libssl3", "armel", "*/libcrypto.so.3",
           (rb"OpenSSL 3\.0\.\d+ +\d+ \w+ \d{4}",)),
    Source("wolfssl", "5.5.4", "libwolfssl35", "arm64", "*/libwolfssl.so.35*",
           (rb"wolfSSL 5\.5\.4\x00",)),
    Source("mbedtls", "2.28.3", "libmbedcrypto7", "mipsel", "*/libmbedcrypto.so.2*",
           (rb"mbed TLS 2\.28\.3\x00",)),
    Source("dropbear", "2022.83", "dropbear-bin", "mipsel", "*/sbin/dropbear",
           (rb"SSH-2\.0-dropbear_2022\.83",)),
    Source("openssh", "9.2p1", "openssh-server", "arm64", "*/sbin/sshd",
           (rb"OpenSSH_9\.2p1 Debian",)),
    Source("dnsmasq", "2.90", "dnsmasq-base", "mipsel", "*/sbin/dnsmasq", (rb"dnsmasq-2\.90\x00",)),
    Source("hostapd", "2.10", "hostapd", "armel", "*/sbin/hostapd",
           (rb"\x002\.10\x00", rb"hostapd v%s")),
    Source("wpa_supplicant", "2.10", "wpasupplicant", "mips64el", "*/sbin/wpa_supplicant",
           (rb"wpa_supplicant v2\.10",)),
    Source("lighttpd", "1.4.69", "lighttpd", "mipsel", "*/sbin/lighttpd",
           (rb"lighttpd/1\.4\.69\x00",)),
    Source("nginx", "1.22.1", "nginx", "mipsel", "*/sbin/nginx", (rb"nginx/1\.22\.1\x00",)),
    Source("mini_httpd", "1.30", "mini-httpd", "armel", "*/sbin/mini_httpd",
           (rb"mini_httpd/1\.30 26Oct2018",)),
    Source("miniupnpd", "2.3.1", "miniupnpd-iptables", "mipsel", "*/sbin/miniupnpd",
           (rb"MiniUPnPd/2\.3\.1",)),
    Source("libupnp", "1.8.4", "libupnp13", "armel", "*/libupnp.so.13*",
           (rb"Portable SDK for UPnP devices/1\.8\.4",)),
    Source("proftpd", "1.3.8", "proftpd-core", "mipsel", "*/sbin/proftpd",
           (rb"ProFTPD Version 1\.3\.8",)),
    Source("pure-ftpd", "1.0.50", "pure-ftpd", "armel", "*/sbin/pure-ftpd",
           (rb"pure-ftpd v1\.0\.50",)),
    Source("vsftpd", "3.0.3", "vsftpd", "mips64el", "*/sbin/vsftpd", (rb"vsftpd: version 3\.0\.3",)),
    Source("curl", "7.88.1", "libcurl4", "mipsel", "*/libcurl.so.4*", (rb"libcurl/7\.88\.1\x00",)),
    Source("zlib", "1.2.13", "zlib1g", "armel", "*/libz.so.1*", (rb" inflate 1\.2\.13 Copyright",)),
    Source("libpng", "1.6.39", "libpng16-16", "mips64el", "*/libpng16.so.16*",
           (rb"libpng version 1\.6\.39 - ",)),
    Source("libxml2", "2.9.14", "libxml2", "arm64", "*/libxml2.so.2*",
           (rb"\x0020914\x00", rb"xmlGetGlobalState: out of memory")),
    Source("libexpat", "2.5.0", "libexpat1", "mipsel", "*/libexpat.so.1*", (rb"expat_2\.5\.0\x00",)),
    Source("sqlite", "3.40.1", "libsqlite3-0", "armel", "*/libsqlite3.so.0*",
           (rb"\x003\.40\.1\x00", rb"failed memory resize %u to %u bytes")),
    Source("json-c", "0.16", "libjson-c5", "mipsel", "*/libjson-c.so.5*",
           (rb"\x000\.16\x00", rb"json-c aborts with error: %s")),
    Source("iptables", "1.8.9", "iptables", "mipsel", "*/sbin/xtables-legacy-multi",
           (rb"</iptables-rules>", rb"\x001\.8\.9\x00")),
    Source("ppp", "2.4.9", "ppp", "armel", "*/sbin/pppd",
           (rb"\x002\.4\.9\x00", rb"pppd %s started by %s")),
    Source("openvpn", "2.6.14", "openvpn", "mipsel", "*/sbin/openvpn",
           (rb"OpenVPN 2\.6\.14 [\w-]+ \[",)),
    Source("avahi", "0.8", "avahi-daemon", "mipsel", "*/sbin/avahi-daemon", (rb"avahi 0\.8\x00",)),
    Source("net-snmp", "5.9.3", "libsnmp40", "armel", "*/libnetsnmp.so.40*",
           (rb"NET-SNMP version: %s", rb"\x005\.9\.3\x00")),
    Source("dhcpcd", "9.4.1", "dhcpcd-base", "mipsel", "*/sbin/dhcpcd",
           (rb"dhcpcd-9\.4\.1 starting",)),
    Source("isc_dhcp", "4.4.3-P1", "isc-dhcp-client", "armel", "*/sbin/dhclient",
           (rb"Internet Systems Consortium DHCP Client", rb"\x004\.4\.3-P1\x00")),
    Source("musl", "1.2.3", "musl", "mipsel", "*/mipsel-linux-musl/libc.so",
           (rb"musl libc \(", rb"\x001\.2\.3\x00")),
    Source("glibc", "2.36", "libc6", "mipsel", "*/libc.so.6", (rb"GNU C Library \(",)),
    Source("u-boot", "2023.01", "u-boot-qemu", "all", "*/qemu_arm/u-boot.bin",
           (rb"U-Boot 2023\.01[^\x00]* \(",)),
    Source("libpcap", "1.10.3", "libpcap0.8", "mips64el", "*/libpcap.so.1*",
           (rb"libpcap version 1\.10\.3",)),
)

#: Banners written from their documented format, for products Debian does not package.
HANDMADE: dict[str, tuple[str, bytes, str]] = {
    "libressl": ("3.8.2", b"\x00\x00LibreSSL 3.8.2\x00\x00",
                 "OPENSSL_VERSION_TEXT of LibreSSL (include/openssl/opensslv.h)"),
    "boa": ("0.94.14rc21", b"\x00Server: \x00\x00Boa/0.94.14rc21\x00\x00",
            "SERVER_VERSION of Boa 0.94 (the HTTP Server header it sends)"),
    "goahead": ("2.5.0", b"\x00\x00GoAhead-Webs/2.5.0\x00\x00",
                "Server header of GoAhead WebServer 2.x as seen on devices"),
    "thttpd": ("2.25b", b"\x00\x00thttpd/2.25b 29dec2003\x00\x00",
               "SERVER_SOFTWARE of thttpd (version.h)"),
    "samba": ("3.0.24", b"\x00\x003.0.24\x00\x00\x00\x00smbd version %s started.\n\x00",
              "smbd start-up message with SAMBA_VERSION_STRING kept as its own constant"),
    "ntp": ("4.2.8p15", b"\x00ntpd 4.2.8p15@1.3728-o Wed Jun 23 2021 (1)\x00",
            "ntpd's Version[] banner (classic ntp; Debian 12 ships ntpsec instead)"),
    "linux_kernel": ("4.14.180", b"\x00Linux version 4.14.180 (builder@buildhost) (gcc "
                     b"version 7.5.0 (OpenWrt GCC 7.5.0 r11257-5090152ae3)) #0 Tue May 19 "
                     b"2020\n\x00", "linux_banner of init/version.c, as in /proc/version"),
    "goahead-modern": ("5.1.1", b"\x00\x00GoAhead/5.1.1\x00\x00",
                       "GoAhead 3-5 product/version string"),
}


def _download(package: str, arch: str, cache: Path) -> Path:
    spec = package if arch == "all" else f"{package}:{arch}"
    found = sorted(cache.glob(f"{package}_*_{arch if arch != 'all' else '*'}.deb"))
    if not found:
        subprocess.run(["apt-get", "download", spec], cwd=cache, check=True, timeout=300)
        found = sorted(cache.glob(f"{package}_*.deb"))
    return found[-1]


def _cut(data: bytes, cuts: tuple[bytes, ...]) -> bytes | None:
    """The first match of the first expression, the others' matches nearest to it, +-MARGIN."""
    first = re.search(cuts[0], data)
    if first is None:
        return None
    spans = [(first.start(), first.end())]
    for expr in cuts[1:]:
        matches = [(m.start(), m.end()) for m in re.finditer(expr, data)]
        if not matches:
            return None
        spans.append(min(matches, key=lambda s: abs(s[0] - first.start())))
    start = max(0, min(s for s, _ in spans) - MARGIN)
    end = min(len(data), max(e for _, e in spans) + MARGIN)
    if end - start <= MAX_SPAN:
        return data[start:end]
    # Far apart in the real file: keep each region and join them, so the fixture stays small.
    pieces = [data[max(0, s - MARGIN):min(len(data), e + MARGIN)] for s, e in sorted(spans)]
    return GAP.join(pieces)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--debs", type=Path, help="folder to keep downloaded .deb files in")
    parser.add_argument("--out", type=Path, default=ROOT / "tests" / "fixtures" / "snippets")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        cache = args.debs or Path(tmp)
        cache.mkdir(parents=True, exist_ok=True)
        rows = []
        failed: list[str] = []
        for src in SOURCES:
            deb = _download(src.package, src.arch, cache)
            tree = Path(tmp) / "x" / deb.stem
            if not tree.exists():
                tree.mkdir(parents=True)
                subprocess.run(["dpkg-deb", "-x", str(deb), str(tree)], check=True, timeout=300)
            files = sorted(p for p in tree.rglob("*") if p.is_file() and not p.is_symlink()
                           and fnmatch.fnmatch("/" + str(p.relative_to(tree)), src.glob))
            snippet = next((s for p in files if (s := _cut(p.read_bytes(), src.cut))), None)
            if snippet is None:
                print(f"{src.product}: no match in {deb.name}", file=sys.stderr)
                failed.append(src.product)
                continue
            name = f"{src.product}__{src.arch}.bin"
            (args.out / name).write_bytes(snippet)
            rows.append((name, src.product, src.version, f"Debian 12 `{deb.name}`"))
        for product, (version, banner, origin) in HANDMADE.items():
            name = f"{product}__handmade.bin"
            (args.out / name).write_bytes(banner)
            rows.append((name, product.removesuffix("-modern"), version, f"hand-written: {origin}"))
    (args.out / "index.tsv").write_text(
        "file\tproduct\tversion\tsource\n"
        + "".join(f"{n}\t{p}\t{v}\t{s}\n" for n, p, v, s in rows), encoding="utf-8")
    print(f"{len(rows)} snippets in {args.out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
