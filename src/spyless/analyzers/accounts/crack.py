"""Testing password hashes against candidate passwords, within a time budget.

Backends: the system libcrypt through ctypes (every crypt family it supports; threads hash in
parallel because ctypes releases the GIL), our pure-Python md5crypt/apr1/SHA-crypt, and
hashlib for the non-crypt formats ({SHA}, {SSHA}, {MD5}, unsalted MD5, mosquitto). Identical
hashes are tested once; each stops at its first hit; the budget is shared fairly between the
hashes still to do, and running out of it is reported, never silent.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache

from spyless.analyzers.accounts import fallback_crypt, libcrypt
from spyless.analyzers.accounts.wordlists import Candidate

Verifier = Callable[[bytes], bool]

DEFAULT_BUDGET_SECONDS = 10.0
_CRYPT_FAMILIES = ("des", "bsdi-des", "md5crypt", "sha256crypt", "sha512crypt", "bcrypt",
                   "yescrypt", "gost-yescrypt", "scrypt")
# Settings and the hash of "password" with them, for probing what libcrypt supports.
_PROBES = {
    "des": ("ab", "abJnggxhB/yWI"),
    "bsdi-des": ("_J9..salt", "_J9..saltJW8FtKdEkNM"),
    "md5crypt": ("$1$salt$", "$1$salt$qJH7.N4xYta3aEG/dfqo/0"),
    "sha256crypt": ("$5$salt", "$5$salt$Gcm6FsVtF/Qa77ZKD.iwsJlCVPY0XSMgLJL0Hnww/c1"),
    "sha512crypt": ("$6$salt", "$6$salt$IxDD3jeSOb5eB1CX5LBsqZFVkJdido3OUILO5Ifz5iwMuTS4XMS1"
                               "30MTSuDDl3aCI6WouIL9AjRbLCelDCy.g."),
    "bcrypt": ("$2b$05$abcdefghijklmnopqrstuu",
               "$2b$05$abcdefghijklmnopqrstuuWG29KuyeAicPCJODk1zjyGvyQUU2awu"),
    "yescrypt": ("$y$j9T$salt", "$y$j9T$salt$Cw3H19laQT.rHIYMLvuoUzLb8st7PboO9rfxAylYPx9"),
    "gost-yescrypt": ("$gy$j9T$salt", "$gy$j9T$salt$PgocKOGaTJMXjydXrWtFR3UIC5tudLAOxq3WqnePgbB"),
    "scrypt": ("$7$CU..../....salt", "$7$CU..../....salt$r4ckezyK3/Wh7UWRZUCYlbUImq1wt069Rwec"
                                     "CCIl6u4"),
}
_BATCH_SECONDS = 0.05  # hash in batches of about this long, then look at the clock
_MAX_BATCH = 64
_CRYPT64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# Cost ceilings: hostile images can name costs that take hours per candidate (bcrypt 31,
# SHA-crypt 999,999,999 rounds) and a C call cannot be interrupted. Above these we do not try.
_MAX_BCRYPT_COST = 12
_MAX_ROUNDS = 500_000
_MAX_MEMORY_HARD_LOG2 = 15  # yescrypt / scrypt N (defaults: 2^12 and 2^14)


@cache
def libcrypt_supports(family: str) -> bool:
    """Does the system libcrypt compute ``family`` correctly? Probed once, when first needed
    (the memory-hard families take a tenth of a second)."""
    lib = libcrypt.load()
    probe = _PROBES.get(family)
    return lib is not None and probe is not None and lib.supports(*probe)


def _b64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def _digest_verifier(expected: bytes | None, make: Callable[[bytes], bytes]) -> Verifier | None:
    if expected is None:
        return None
    return lambda password: hmac.compare_digest(make(password), expected)


def too_costly(hash_type: str, value: str) -> bool:
    """Is one try against ``value`` too expensive to attempt at all?"""
    fields = value.split("$")
    try:
        if hash_type == "bcrypt":
            return int(fields[2]) > _MAX_BCRYPT_COST
        if hash_type in ("sha256crypt", "sha512crypt") and fields[2].startswith("rounds="):
            return int(fields[2][7:]) > _MAX_ROUNDS
        if hash_type == "mosquitto-pbkdf2":
            return int(fields[2]) > _MAX_ROUNDS
        if hash_type in ("yescrypt", "gost-yescrypt"):
            # Parameters: flavour character, then log2(N) - 1, in crypt's base-64.
            return len(fields[2]) < 2 or _CRYPT64.index(fields[2][1]) + 1 > _MAX_MEMORY_HARD_LOG2
        if hash_type == "scrypt":
            return _CRYPT64.index(fields[2][0]) > _MAX_MEMORY_HARD_LOG2
    except (IndexError, ValueError):
        return True
    return False


def verifier(hash_type: str, value: str, use_libcrypt: bool = True) -> Verifier | None:
    """A function telling whether a password matches ``value``; None when no backend can."""
    if too_costly(hash_type, value):
        return None
    if use_libcrypt and libcrypt_supports(hash_type):
        lib = libcrypt.load()
        if lib is not None:
            return lambda password: lib.crypt(password, value) == value
    if hash_type in ("md5crypt", "apr1"):
        magic = "$1$" if hash_type == "md5crypt" else "$apr1$"
        return lambda password: fallback_crypt.md5crypt(password, value, magic) == value
    if hash_type in ("sha256crypt", "sha512crypt"):
        return lambda password: fallback_crypt.shacrypt(password, value) == value
    return _hashlib_verifier(hash_type, value)


def _hashlib_verifier(hash_type: str, value: str) -> Verifier | None:
    if hash_type == "md5-hex":
        want = value.lower()
        return lambda password: hashlib.md5(password, usedforsecurity=False).hexdigest() == want
    if hash_type == "sha1-base64":
        return _digest_verifier(_b64(value[5:]), lambda p: hashlib.sha1(p, usedforsecurity=False).digest())
    if hash_type == "md5-base64":
        return _digest_verifier(_b64(value[5:]), lambda p: hashlib.md5(p, usedforsecurity=False).digest())
    if hash_type == "ssha":
        raw = _b64(value[6:])
        if raw is None or len(raw) <= 20:
            return None
        digest, salt = raw[:20], raw[20:]
        return _digest_verifier(digest, lambda p: hashlib.sha1(p + salt, usedforsecurity=False).digest())
    if hash_type == "mosquitto-sha512":
        _, _, salt_text, hash_text = value.split("$", 3)
        salt = _b64(salt_text) or b""
        return _digest_verifier(_b64(hash_text), lambda p: hashlib.sha512(p + salt).digest())
    if hash_type == "mosquitto-pbkdf2":
        _, _, rounds, salt_text, hash_text = value.split("$", 4)
        salt = _b64(salt_text) or b""
        iterations = int(rounds)
        return _digest_verifier(_b64(hash_text), lambda p: hashlib.pbkdf2_hmac(
            "sha512", p, salt, iterations))
    return None


def crack_backends() -> list[tuple[str, str]]:
    """(backend, status) pairs for ``spyless doctor``."""
    lib = libcrypt.load()
    rows: list[tuple[str, str]] = []
    if lib is None:
        rows.append(("libcrypt (ctypes)", "absent: DES, bcrypt and yescrypt hashes cannot be "
                                          "tested; md5/SHA-crypt use the slower fallback"))
    else:
        missing = [f for f in _CRYPT_FAMILIES if not libcrypt_supports(f)]
        status = f"{lib.name}: " + ", ".join(f for f in _CRYPT_FAMILIES if f not in missing)
        rows.append(("libcrypt (ctypes)", status + (f"; not: {', '.join(missing)}"
                                                    if missing else "")))
    rows.append(("python fallback", "md5crypt, apr1, sha256crypt, sha512crypt"))
    rows.append(("hashlib", "{SHA}, {SSHA}, {MD5}, unsalted MD5, mosquitto $6$/$7$ PBKDF2"))
    return rows


@dataclass(frozen=True, slots=True)
class Target:
    """One distinct hash and the candidates to try against it, most likely first."""

    hash_type: str
    hash: str
    candidates: tuple[Candidate, ...]


@dataclass(frozen=True, slots=True)
class Outcome:
    #: "cracked", "exhausted" (no candidate matched), "budget" (cut short),
    #: "unsupported" (no backend for the family)
    status: str
    password: str | None = None
    source: str | None = None
    tried: int = 0
    seconds: float = 0.0


@dataclass(slots=True)
class Cracker:
    budget: float = DEFAULT_BUDGET_SECONDS
    threads: int = 2
    use_libcrypt: bool = True

    def crack(self, targets: Sequence[Target]) -> dict[str, Outcome]:
        """Outcomes by hash; identical hashes are tested once."""
        unique = list({t.hash: t for t in targets}.values())
        deadline = time.monotonic() + self.budget
        outcomes: dict[str, Outcome] = {}
        runnable: list[tuple[Target, Verifier]] = []
        for target in unique:
            check = verifier(target.hash_type, target.hash, self.use_libcrypt)
            if check is None:
                outcomes[target.hash] = Outcome("unsupported")
            else:
                runnable.append((target, check))
        parallel = self.use_libcrypt and self.threads > 1
        with ThreadPoolExecutor(self.threads if parallel else 1) as pool:
            for index, (target, check) in enumerate(runnable):
                share = (deadline - time.monotonic()) / (len(runnable) - index)
                threaded = parallel and libcrypt_supports(target.hash_type)
                outcomes[target.hash] = _run(target, check, time.monotonic() + max(share, 0.0),
                                             pool if threaded else None)
        return outcomes


def _run(target: Target, check: Verifier, deadline: float,
         pool: ThreadPoolExecutor | None) -> Outcome:
    began = time.monotonic()
    tried = 0
    candidates = target.candidates
    size = 1  # the first batch measures the cost of one try
    while tried < len(candidates):
        now = time.monotonic()
        if now >= deadline:
            return Outcome("budget", tried=tried, seconds=now - began)
        batch = candidates[tried:tried + size]
        words = [c.password.encode("utf-8", "surrogateescape") for c in batch]
        results = list(pool.map(check, words)) if pool is not None else [
            check(w) for w in words]
        for offset, (candidate, hit) in enumerate(zip(batch, results, strict=True)):
            if hit:
                return Outcome("cracked", candidate.password, candidate.source,
                               tried + offset + 1, time.monotonic() - began)
        tried += len(batch)
        per_try = max(time.monotonic() - now, 1e-6) / len(batch)
        size = max(1, min(_MAX_BATCH, int(_BATCH_SECONDS / per_try)))
    return Outcome("exhausted", tried=tried, seconds=time.monotonic() - began)
