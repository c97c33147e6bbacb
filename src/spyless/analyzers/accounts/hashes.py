"""What a password field holds: locked, empty, plaintext, or which hash family.

Formats (facts from the public specifications): traditional DES crypt (13 characters of
the crypt alphabet), BSDi extended DES (``_`` + 19), the modular crypt formats ``$1$``
(md5crypt), ``$apr1$`` (Apache), ``$5$``/``$6$`` (SHA-crypt, Ulrich Drepper's spec),
``$2a$/$2b$/$2y$`` (bcrypt), ``$y$`` (yescrypt), RFC 2307 style ``{SHA}``/``{SSHA}``
(htpasswd, LDAP), mosquitto_passwd ``$6$`` (SHA-512 of password+salt, base64) and ``$7$``
(PBKDF2-HMAC-SHA512), and unsalted MD5 as 32 hex digits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CRYPT64 = r"[./0-9A-Za-z]"
_B64 = r"[A-Za-z0-9+/]"
_FAMILIES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("md5crypt", re.compile(rf"\$1\${_CRYPT64}{{0,8}}\${_CRYPT64}{{22}}")),
    ("apr1", re.compile(rf"\$apr1\${_CRYPT64}{{0,8}}\${_CRYPT64}{{22}}")),
    ("sha256crypt", re.compile(rf"\$5\$(?:rounds=\d{{1,9}}\$)?[^$:\s]{{0,16}}\${_CRYPT64}{{43}}")),
    ("sha512crypt", re.compile(rf"\$6\$(?:rounds=\d{{1,9}}\$)?[^$:\s]{{0,16}}\${_CRYPT64}{{86}}")),
    ("mosquitto-sha512", re.compile(rf"\$6\${_B64}{{16,24}}={{0,2}}\${_B64}{{86}}==")),
    ("mosquitto-pbkdf2", re.compile(rf"\$7\$\d{{1,7}}\${_B64}{{8,64}}={{0,2}}\${_B64}{{86}}==")),
    ("bcrypt", re.compile(rf"\$2[abxy]?\$\d\d\${_CRYPT64}{{53}}")),
    ("yescrypt", re.compile(rf"\$y\${_CRYPT64}+\${_CRYPT64}*\${_CRYPT64}{{43}}")),
    ("gost-yescrypt", re.compile(rf"\$gy\${_CRYPT64}+\${_CRYPT64}*\${_CRYPT64}{{43}}")),
    ("scrypt", re.compile(rf"\$7\${_CRYPT64}{{11,}}\${_CRYPT64}{{43}}")),
    ("ssha", re.compile(rf"\{{SSHA\}}{_B64}{{32,}}={{0,2}}", re.IGNORECASE)),
    ("sha1-base64", re.compile(rf"\{{SHA\}}{_B64}{{27}}=", re.IGNORECASE)),
    ("md5-base64", re.compile(rf"\{{MD5\}}{_B64}{{22}}==", re.IGNORECASE)),
    ("bsdi-des", re.compile(rf"_{_CRYPT64}{{19}}")),
    ("des", re.compile(rf"{_CRYPT64}{{13}}")),
    ("md5-hex", re.compile(r"[0-9a-fA-F]{32}")),
)

#: Families that are weak whatever the password: too fast, unsalted or truncated.
WEAK_FAMILIES = frozenset({"des", "bsdi-des", "md5-hex", "md5-base64", "sha1-base64",
                           "mosquitto-sha512"})
_LOCK_PREFIXES = ("!", "*")


@dataclass(frozen=True, slots=True)
class PasswordField:
    """A password field judged: ``state`` as in :class:`spyless.model.facts.Account`."""

    state: str  # "hash", "empty", "locked", "plaintext", "no-password-field"
    hash_type: str | None = None
    hash: str | None = None  # the usable hash (lock prefix removed); None unless state hash
    plaintext: str | None = None


def hash_family(value: str) -> str | None:
    """The hash family of ``value``, or None when it is no hash spyless knows."""
    for name, pattern in _FAMILIES:
        if pattern.fullmatch(value):
            return name
    return None


def judge_field(value: str, shadowed: bool = False) -> PasswordField:
    """Judge a passwd or shadow password field.

    ``shadowed`` says the field comes from a shadow file, where ``x`` is no placeholder.
    """
    if value == "":
        return PasswordField("empty")
    if value == "x" and not shadowed:
        return PasswordField("no-password-field")
    if value.startswith(_LOCK_PREFIXES):
        # "!hash" keeps the old hash for unlocking: still worth knowing its family.
        inner = value.lstrip("!*")
        family = hash_family(inner) if inner else None
        return PasswordField("locked", family, None)
    family = hash_family(value)
    if family is not None:
        return PasswordField("hash", family, value)
    if value in ("x", "NP", "LK"):
        return PasswordField("locked")
    return PasswordField("plaintext", "plaintext", None, value)
