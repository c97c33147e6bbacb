"""Pure-Python crypt for when the system's libcrypt is absent: md5crypt, apr1, SHA-crypt.

Written from the public algorithm descriptions: md5crypt as introduced in FreeBSD (Poul-Henning
Kamp, 1994; Apache's apr1 differs only in its magic string) and "Unix crypt using SHA-256 and
SHA-512" by Ulrich Drepper (2007, https://www.akkadia.org/drepper/SHA-crypt.txt). Slower than
libcrypt by an order of magnitude; the cracker measures both and prefers libcrypt.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

_ALPHABET = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SHA_ROUNDS_DEFAULT = 5000
_SHA_ROUNDS_MIN = 1000
_SHA_ROUNDS_MAX = 999_999_999


def _encode(groups: list[tuple[int, int, int, int]], digest: bytes) -> str:
    """crypt's base-64: 24-bit groups (three byte indexes, -1 for zero) to N characters."""
    out = bytearray()
    for b2, b1, b0, count in groups:
        word = ((digest[b2] if b2 >= 0 else 0) << 16 | (digest[b1] if b1 >= 0 else 0) << 8
                | digest[b0])
        for _ in range(count):
            out.append(_ALPHABET[word & 0x3F])
            word >>= 6
    return out.decode("ascii")


_MD5_GROUPS = [(0, 6, 12, 4), (1, 7, 13, 4), (2, 8, 14, 4), (3, 9, 15, 4), (4, 10, 5, 4),
               (-1, -1, 11, 2)]


def _rotated(width: int, forward: bool) -> list[tuple[int, int, int, int]]:
    # Drepper's tables: step k takes bytes k, k+w, k+2w, rotated by k mod 3 (SHA-256 one
    # way, SHA-512 the other).
    groups = []
    for k in range(width):
        a, b, c = k, k + width, k + 2 * width
        turns = ((a, b, c), (b, c, a), (c, a, b)) if forward else ((a, b, c), (c, a, b),
                                                                     (b, c, a))
        groups.append((*turns[k % 3], 4))
    return groups


_SHA256_GROUPS = [*_rotated(10, forward=False), (-1, 31, 30, 3)]
_SHA512_GROUPS = [*_rotated(21, forward=True), (-1, -1, 63, 2)]


def md5crypt(password: bytes, setting: str, magic: str = "$1$") -> str:
    """md5crypt (``$1$``) or, with ``magic="$apr1$"``, Apache's apr1."""
    salt = setting[len(magic):].split("$", 1)[0][:8].encode("latin-1")
    pw = password
    alternate = hashlib.md5(pw + salt + pw, usedforsecurity=False).digest()
    ctx = hashlib.md5(pw + magic.encode() + salt, usedforsecurity=False)
    for i in range(len(pw), 0, -16):
        ctx.update(alternate[:min(i, 16)])
    i = len(pw)
    while i:
        ctx.update(b"\0" if i & 1 else pw[:1])
        i >>= 1
    final = ctx.digest()
    for i in range(1000):
        block = pw if i & 1 else final
        if i % 3:
            block += salt
        if i % 7:
            block += pw
        block += final if i & 1 else pw
        final = hashlib.md5(block, usedforsecurity=False).digest()
    return f"{magic}{salt.decode('latin-1')}${_encode(_MD5_GROUPS, final)}"


def _repeat(block: bytes, length: int) -> bytes:
    return (block * (length // len(block) + 1))[:length]


def shacrypt(password: bytes, setting: str) -> str:
    """SHA-crypt, ``$5$`` (SHA-256) or ``$6$`` (SHA-512), per Drepper's specification."""
    magic = setting[:3]
    new: Callable[[bytes], hashlib._Hash]
    new, groups = ((hashlib.sha256, _SHA256_GROUPS) if magic == "$5$"
                   else (hashlib.sha512, _SHA512_GROUPS))
    rest = setting[3:]
    rounds, explicit = _SHA_ROUNDS_DEFAULT, False
    if rest.startswith("rounds="):
        spec, _, rest = rest[7:].partition("$")
        rounds = min(max(int(spec), _SHA_ROUNDS_MIN), _SHA_ROUNDS_MAX)
        explicit = True
    salt = rest.split("$", 1)[0][:16].encode("latin-1")
    pw = password
    b = new(pw + salt + pw).digest()
    ctx = new(pw + salt + _repeat(b, len(pw)))
    i = len(pw)
    while i:
        ctx.update(b if i & 1 else pw)
        i >>= 1
    a = ctx.digest()
    p_seq = _repeat(new(pw * len(pw)).digest(), len(pw)) if pw else b""
    s_seq = _repeat(new(salt * (16 + a[0])).digest(), len(salt)) if salt else b""
    c = a
    for i in range(rounds):
        block = p_seq if i & 1 else c
        if i % 3:
            block += s_seq
        if i % 7:
            block += p_seq
        block += c if i & 1 else p_seq
        c = new(block).digest()
    prefix = f"{magic}rounds={rounds}$" if explicit else magic
    return f"{prefix}{salt.decode('latin-1')}${_encode(groups, c)}"
