"""Judging candidate secrets: placeholders, well-known defaults, entropy, and key names.

Every credential parser in this package asks the same questions of a value it found
("is this a real literal or a template?", "is it a publicly known default?") and of the
key it was found under ("does ``http_passwd`` name a password, ``ftp_passive`` not?").
The answers live here so the parsers agree.
"""

from __future__ import annotations

import math
import posixpath
import re
from collections import Counter

#: Publicly known default passwords. Sources: the credential table of the Mirai bot's
#: telnet scanner (source code published 30 Sep 2016; tabulated by Krebs on Security,
#: "Who Makes the IoT Things Under Attack?", Oct 2016) and vendor quick-start guides that
#: print the default web login (admin/admin on TP-Link and many SOHO routers, ubnt/ubnt on
#: Ubiquiti). ``changeme`` and friends are defaults that a vendor expects nobody to keep.
KNOWN_DEFAULTS: frozenset[str] = frozenset({
    "admin", "password", "1234", "12345", "123456", "1111", "111111", "54321", "666666",
    "888888", "00000000", "1111111", "admin1234", "root", "toor", "default", "changeme",
    "guest", "user", "support", "pass", "service", "supervisor", "system", "tech", "ubnt",
    "xc3511", "vizxv", "xmhdipc", "juantech", "klv123", "klv1234", "smcadmin", "zte521",
    "hi3518", "jvbzd", "anko", "zlxx.", "7ujmko0vizxv", "7ujmko0admin", "ikwb", "dreambox",
    "realtek", "meinsm", "password1", "admin123", "12345678", "123456789", "qwerty",
    "letmein", "secret", "private", "public", "cisco", "manager", "operator",
})

#: SNMP communities that every scanner tries first (CVE-1999-0516, CVE-1999-0517).
DEFAULT_COMMUNITIES: frozenset[str] = frozenset({"public", "private", "community", "snmp",
                                                 "manager", "secret", "cisco", "admin"})

_PLACEHOLDER = re.compile(
    r"""^(?:
        \$\{?[A-Za-z_][A-Za-z0-9_]*\}? .*   # shell or template variable
      | .*\$\( .* | .*`.*                   # command substitution
      | .*%[-0-9.]*[sdiuxXc] .*             # printf format
      | <[^>]*> | \{\{.*\}\} | \[[^\]]*\] | @[A-Za-z_]+@   # <password>, {{pw}}, [pw], @PW@
      | \*+ | x{3,} | X{3,} | \.{3,} | -+ | _+ | \?+      # masked or blank
      | (?i:your[-_ ]?.*|.*example.*|.*placeholder.*|none|null|nil|n/?a|undefined|
           unset|empty|dummy|todo|tbd|fixme|not[-_ ]?set|\$p\$.*|password_here|
           (?:enter|insert|put)[-_ ].*)
    )$""",
    re.VERBOSE,
)
_BOOLEAN = frozenset({"0", "1", "yes", "no", "on", "off", "true", "false", "enable",
                      "enabled", "disable", "disabled", "y", "n", "auto"})
_HASH_PREFIX = re.compile(r"^(?:\$(?:1|2[abxy]?|5|6|apr1|md5|sha1|y|gy|7)\$|\{(?:S?SHA|SMD5|"
                          r"CRYPT|SSHA256|SSHA512|PBKDF2[^}]*)\}|\$pbkdf2)")


def is_placeholder(value: str) -> bool:
    """A template, variable, mask or empty value rather than a usable literal."""
    stripped = value.strip()
    if is_hash(stripped):
        return False
    return (len(stripped) < 2 or stripped.lower() in _BOOLEAN
            or _PLACEHOLDER.match(stripped) is not None)


def is_hash(value: str) -> bool:
    """A crypt(3)-style or LDAP-style password hash rather than the password itself."""
    return _HASH_PREFIX.match(value) is not None


def is_known_default(secret: str, username: str | None = None) -> bool:
    lowered = secret.lower()
    return lowered in KNOWN_DEFAULTS or (username is not None and lowered == username.lower())


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    if not value:
        return 0.0
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def looks_random(value: str, min_length: int = 16) -> bool:
    """Long enough and varied enough to be a generated key rather than a word or a name."""
    if len(value) < min_length or value.isalpha() or value.isdigit():
        return False
    if value.lower().strip("_-.") in KNOWN_DEFAULTS:
        return False
    hexadecimal = all(c in "0123456789abcdefABCDEF" for c in value)
    return entropy(value) >= (3.0 if hexadecimal else 3.5)


_TOKEN_SPLIT = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])")
_PASSWORD_WORDS = frozenset({"password", "passwd", "pass", "pwd", "pw", "passwort",
                             "passphrase", "adminpassword", "userpassword", "adminpwd",
                             "loginpassword", "rootpassword", "httppasswd", "sharedsecret",
                             "secret"})
_WIFI_WORDS = frozenset({"psk", "wpapsk", "passphrase", "wpakey", "wepkey", "presharedkey",
                         "keypassphrase", "wpapassphrase", "wlkey"})
_TOKEN_WORDS = frozenset({"token", "apikey", "accesstoken", "authtoken", "secretkey",
                          "clientsecret", "appsecret", "privatetoken"})
#: Words that turn a password-looking key into a setting about passwords.
_NOT_A_SECRET = frozenset({
    "enable", "enabled", "len", "length", "min", "max", "minlen", "maxlen", "policy", "flag",
    "changed", "change", "mode", "type", "file", "path", "dir", "hint", "label", "prompt",
    "expire", "expires", "age", "retry", "retries", "timeout", "format", "strength", "rule",
    "rules", "check", "confirm", "encrypt", "encrypted", "encryption", "method",
    "required", "require", "reset", "status", "protect", "protected", "show", "url", "cmd",
    "command", "prog", "program", "helper", "level", "count", "index", "idx", "size",
    "chars", "charset", "store", "storage", "cache", "salt", "id", "name", "text", "msg",
    "err", "error", "field", "input", "btn", "button", "form", "title", "desc", "enc",
    "algo", "algorithm", "keymgmt", "mgmt", "cipher", "ciphers", "proto", "group",
    "pairwise", "ptk", "gtk", "rekey", "lifetime", "interval", "passive", "bypass",
    "passthrough", "passthru",
})


#: A cheap test that a line may name a secret or an account, before any real parsing.
MAY_NAME_SECRET = re.compile(r"pass|pw|psk|secret|communit|key|phrase|token|user|login|name|usr",
                             re.IGNORECASE)


def key_words(key: str) -> list[str]:
    return [w.lower() for w in _TOKEN_SPLIT.split(key) if w]


def classify_key(key: str, section: str = "") -> str | None:
    """What a configuration key holds: "password", "wifi-psk", "snmp-community", "token".

    ``section`` is the enclosing section type where the format has one (UCI
    ``config wifi-iface``): there a bare ``key`` is the Wi-Fi passphrase.
    """
    words = key_words(key)
    if not words or any(w in _NOT_A_SECRET for w in words):
        return None
    joined = "".join(words)
    if "community" in words or joined.endswith("community"):
        return "snmp-community"
    wireless = section in {"wifi-iface", "wifi", "wlan", "wireless"} or any(
        w.startswith(("wl", "wlan", "wifi", "wpa", "wep", "ssid")) for w in words)
    if (joined in _WIFI_WORDS or words[-1] in _WIFI_WORDS or "psk" in words
            or (wireless and (words[-1] in {"key", "passphrase"}
                              or re.fullmatch(r"key\d?|wepkey\d?", words[-1]) is not None))):
        return "wifi-psk"
    if joined in _TOKEN_WORDS or words[-1] == "token" or (
            len(words) >= 2 and words[-2:] in (["api", "key"], ["secret", "key"],
                                              ["access", "token"], ["client", "secret"])):
        return "token"
    if any(w in _PASSWORD_WORDS for w in words) or joined.endswith(("password", "passwd")):
        return "password"
    return None


def user_key_for(password_key: str) -> list[str]:
    """Keys that would hold the account name paired with ``password_key``."""
    words = key_words(password_key)
    prefix = password_key[: max(0, len(password_key) - len(words[-1]))] if words else ""
    return [prefix + suffix for suffix in ("username", "user", "login", "name", "usr",
                                           "Username", "User", "UserName", "Login")]


_SKIP_DIRS = re.compile(r"/(?:usr/share/(?:doc|man|info|licenses|common-licenses|gtk-doc)"
                        r"|man[0-9n]?|docs?|examples?|samples?|tests?|testdata|testing"
                        r"|__tests__|spec|fixtures?)/", re.IGNORECASE)
_DOC_SUFFIXES = (".md", ".rst", ".html", ".htm", ".shtml", ".asp", ".js",
                 ".css", ".svg", ".pod", ".1", ".5", ".8", ".h", ".c", ".py", ".pyc", ".po",
                 ".mo", ".map", ".ts")


def in_documentation_or_test_folder(path: str) -> bool:
    """Documentation, man pages, examples and test folders of libraries."""
    return _SKIP_DIRS.search(path.lower()) is not None


def is_documentation_or_test(path: str) -> bool:
    """Also web pages, scripts of web pages and source files: not configuration."""
    return in_documentation_or_test_folder(path) or path.lower().endswith(_DOC_SUFFIXES)


def is_account_database(path: str) -> bool:
    """passwd/shadow/group files belong to the accounts analyzers."""
    return posixpath.basename(path) in {"passwd", "passwd-", "shadow", "shadow-", "group",
                                        "gshadow", "master.passwd"}
