"""The finding ids of the accounts analyzer (SPY101-SPY112) and what each means."""

from __future__ import annotations

from spyless.model.findings import FindingSpec, Severity

_SHADOW = "https://man7.org/linux/man-pages/man5/shadow.5.html"
_MAN_USERS = "https://man7.org/linux/man-pages/man5/passwd.5.html"

SPY101 = FindingSpec(
    "SPY101", "Account other than root with user id 0", Severity.HIGH, 250,
    "An account besides root has uid 0, so it holds full root privileges under another name. "
    "Vendors use such accounts (support, admin, super) as maintenance backdoors; they are easy "
    "to miss when only root's password is reviewed.",
    "Remove the account or give it an unprivileged uid; document any maintenance access in "
    "the agreement.", (_MAN_USERS, "https://cwe.mitre.org/data/definitions/250.html"),
)
SPY102 = FindingSpec(
    "SPY102", "Account with an empty password", Severity.CRITICAL, 258,
    "The password field is empty: login (console, telnet, su, and often SSH) succeeds without "
    "any password. Critical for a root account with a login shell.",
    "Lock the account ('!' or '*' in the password field) or set a per-device password at "
    "first boot.", (_SHADOW,),
)
SPY103 = FindingSpec(
    "SPY103", "Account password found in a public default or botnet credential list",
    Severity.CRITICAL, 798,
    "The password hash was cracked with spyless's bundled lists of public vendor-default, "
    "advisory and botnet (Mirai) credentials: anyone can log in with it, and IoT botnets try "
    "it automatically. Critical when the account has a login shell or uid 0.",
    "Ship no fixed password: generate a unique one per device (printed on the label) or force "
    "a change at first login; lock accounts that need no password login.",
    ("https://cwe.mitre.org/data/definitions/798.html",
     "https://github.com/danielmiessler/SecLists"),
)
SPY104 = FindingSpec(
    "SPY104", "Password hash of a weak family", Severity.MEDIUM, 916,
    "The hash uses a family that is fast or unsalted (traditional DES crypt, which also keeps "
    "only 8 characters; unsalted MD5 or SHA-1; mosquitto's single SHA-512): any leaked copy "
    "is cracked quickly.",
    "Use sha512crypt with many rounds, bcrypt or yescrypt.",
    ("https://cwe.mitre.org/data/definitions/916.html",),
)
SPY105 = FindingSpec(
    "SPY105", "Password stored in plain text in an account database", Severity.HIGH, 256,
    "The password field holds no hash but the password itself, readable by anyone with the "
    "image.",
    "Store only a salted, slow hash (sha512crypt, yescrypt) and no fixed password at all.",
    ("https://cwe.mitre.org/data/definitions/256.html",),
)
SPY106 = FindingSpec(
    "SPY106", "Service account with a login shell", Severity.LOW, 250,
    "A system or service account (daemon, nobody, ftp, www-data...) has an interactive shell. "
    "Service accounts never need one; a shell turns any weakness in the service or its "
    "password into an interactive login.",
    "Set the shell to /sbin/nologin or /bin/false.", (_MAN_USERS,),
)
SPY107 = FindingSpec(
    "SPY107", "Login account whose password is not in the image", Severity.LOW, None,
    "The passwd entry refers to the shadow file ('x') but no shadow entry exists for it, so "
    "its password is created at runtime or missing, and cannot be evaluated from the image.",
    "Ask the vendor how the password is set on the device; prefer a per-device password.",
    (_MAN_USERS, _SHADOW),
)
SPY108 = FindingSpec(
    "SPY108", "Several accounts share one user id", Severity.LOW, 286,
    "Two or more accounts have the same uid, so they are one identity to the kernel: files, "
    "processes and audit records cannot tell them apart.",
    "Give each account its own uid.", (_MAN_USERS,),
)
SPY109 = FindingSpec(
    "SPY109", "The same password hash on several accounts", Severity.MEDIUM, 521,
    "Several accounts carry the identical hash (same salt, same password): they were copied, "
    "and one leaked password opens all of them.",
    "Set independent passwords (and salts) per account, or lock the accounts that do not log "
    "in.", ("https://cwe.mitre.org/data/definitions/521.html",),
)
SPY110 = FindingSpec(
    "SPY110", "Group with a password", Severity.LOW, 521,
    "A group (group or gshadow file) has a password, letting anyone who knows it join the "
    "group with newgrp. High when the password was cracked.",
    "Remove group passwords ('!' in gshadow, 'x' in group).",
    ("https://man7.org/linux/man-pages/man5/gshadow.5.html",),
)
SPY111 = FindingSpec(
    "SPY111", "Password hashes not fully tested", Severity.INFO, None,
    "Some hashes were not tested against every bundled candidate: the time budget ran out, or "
    "no backend on this machine computes their family (DES, bcrypt and yescrypt need the "
    "system libcrypt). Their strength is unknown, not proven.",
    "Install libcrypt (libxcrypt) or raise the budget (SPYLESS_CRACK_BUDGET seconds).",
)
SPY112 = FindingSpec(
    "SPY112", "Account definition compiled into a file", Severity.LOW, 798,
    "A passwd entry is embedded in a binary, script or configuration blob, so the account is "
    "(re)created at runtime, for example by writing /etc/passwd at boot. It exists on the "
    "device even where the image's own passwd file lacks it.",
    "Document the account; make sure it cannot be used to log in without the owner's consent.",
    (_MAN_USERS,),
)

ALL = (SPY101, SPY102, SPY103, SPY104, SPY105, SPY106, SPY107, SPY108, SPY109, SPY110,
       SPY111, SPY112)
