"""Hash families, the crypt backends (libcrypt and our fallbacks) and the budgeted cracker."""

from __future__ import annotations

import base64
import hashlib
import random
import string
import time

import pytest

from spyless.analyzers.accounts import crack_backends, fallback_crypt, libcrypt
from spyless.analyzers.accounts.crack import Cracker, Target, libcrypt_supports, verifier
from spyless.analyzers.accounts.hashes import hash_family, judge_field
from spyless.analyzers.accounts.wordlists import Candidate, bundled, candidates_for

needs_libcrypt = pytest.mark.skipif(libcrypt.load() is None, reason="no system libcrypt")

#: Ulrich Drepper's SHA-crypt specification, test vectors.
SHA_CRYPT_VECTORS = [
    ("$5$saltstring", "Hello world!",
     "$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5"),
    ("$5$rounds=10000$saltstringsaltstring", "Hello world!",
     "$5$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA"),
    ("$6$saltstring", "Hello world!",
     "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCo"
     "EOfaS35inz1"),
]
TPLINK_ROOT = "$1$GTN.gpri$DlSyKvZKMR9A9Uj9e9wR3/"
DEMO_ROOT = "$1$Vx7qL2pz$SsWc.CCH4cC2LEjvm3TBx0"


def _mosquitto_sha512(password: str, salt: bytes) -> str:
    digest = hashlib.sha512(password.encode() + salt).digest()
    return f"$6${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def _mosquitto_pbkdf2(password: str, salt: bytes, rounds: int = 101) -> str:
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, rounds)
    return f"$7${rounds}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def _ssha(password: str, salt: bytes) -> str:
    raw = hashlib.sha1(password.encode() + salt, usedforsecurity=False).digest() + salt
    return "{SSHA}" + base64.b64encode(raw).decode()


FAMILY_VECTORS = [
    ("abJnggxhB/yWI", "des"),
    ("_J9..saltJW8FtKdEkNM", "bsdi-des"),
    (TPLINK_ROOT, "md5crypt"),
    ("$apr1$abcdefgh$mMZnMi5KMcUTRCidnJ3Px0", "apr1"),
    (SHA_CRYPT_VECTORS[0][2], "sha256crypt"),
    (SHA_CRYPT_VECTORS[1][2], "sha256crypt"),
    (SHA_CRYPT_VECTORS[2][2], "sha512crypt"),
    ("$2b$05$abcdefghijklmnopqrstuuWG29KuyeAicPCJODk1zjyGvyQUU2awu", "bcrypt"),
    ("$y$j9T$salt$Cw3H19laQT.rHIYMLvuoUzLb8st7PboO9rfxAylYPx9", "yescrypt"),
    ("{SHA}" + base64.b64encode(hashlib.sha1(b"admin", usedforsecurity=False).digest()).decode(), "sha1-base64"),
    (_ssha("admin", b"salt"), "ssha"),
    (_mosquitto_sha512("admin", b"0123456789ab"), "mosquitto-sha512"),
    (_mosquitto_pbkdf2("admin", b"0123456789ab"), "mosquitto-pbkdf2"),
    (hashlib.md5(b"admin", usedforsecurity=False).hexdigest(), "md5-hex"),
]


@pytest.mark.parametrize(("value", "family"), FAMILY_VECTORS)
def test_hash_families_are_recognised(value: str, family: str) -> None:
    assert hash_family(value) == family
    assert judge_field(value, shadowed=True).state == "hash"


@pytest.mark.parametrize(("field", "state"), [
    ("", "empty"), ("x", "no-password-field"), ("*", "locked"), ("!", "locked"),
    ("!!", "locked"), ("*LK*", "locked"), ("!" + TPLINK_ROOT, "locked"),
    ("secret", "plaintext"), (TPLINK_ROOT, "hash"),
])
def test_password_field_states(field: str, state: str) -> None:
    assert judge_field(field).state == state


def test_locked_hash_keeps_its_family_but_is_not_cracked() -> None:
    judged = judge_field("!" + TPLINK_ROOT, shadowed=True)
    assert (judged.state, judged.hash_type, judged.hash) == ("locked", "md5crypt", None)


@pytest.mark.parametrize(("setting", "password", "expected"), SHA_CRYPT_VECTORS)
def test_shacrypt_fallback_matches_the_spec_vectors(setting: str, password: str,
                                                    expected: str) -> None:
    assert fallback_crypt.shacrypt(password.encode(), setting) == expected


def test_md5crypt_fallback_known_hashes() -> None:
    assert fallback_crypt.md5crypt(b"sohoadmin", TPLINK_ROOT) == TPLINK_ROOT
    assert fallback_crypt.md5crypt(b"admin", DEMO_ROOT) == DEMO_ROOT
    # openssl passwd -apr1 -salt abcdefgh admin
    assert (fallback_crypt.md5crypt(b"admin", "$apr1$abcdefgh$", "$apr1$")
            == "$apr1$abcdefgh$mMZnMi5KMcUTRCidnJ3Px0")


@needs_libcrypt
def test_fallbacks_agree_with_libcrypt_on_random_inputs() -> None:
    lib = libcrypt.load()
    assert lib is not None
    rng = random.Random(3)
    alphabet = string.ascii_letters + string.digits + "./"
    for _ in range(40):
        password = "".join(rng.choice(string.printable[:94]) for _ in range(rng.randint(0, 40)))
        salt = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 16)))
        pw = password.encode()
        assert fallback_crypt.md5crypt(pw, f"$1${salt[:8]}$") == lib.crypt(pw, f"$1${salt[:8]}$")
        for magic in ("$5$", "$6$"):
            rounds = rng.choice(("", "rounds=1000$", "rounds=1234$"))
            setting = f"{magic}{rounds}{salt}"
            assert fallback_crypt.shacrypt(pw, setting) == lib.crypt(pw, setting), setting


@pytest.mark.parametrize(("value", "family", "password"), [
    ("{SHA}" + base64.b64encode(hashlib.sha1(b"admin", usedforsecurity=False).digest()).decode(), "sha1-base64",
     "admin"),
    (_ssha("1234", b"pepper"), "ssha", "1234"),
    (_mosquitto_sha512("ubnt", b"0123456789ab"), "mosquitto-sha512", "ubnt"),
    (_mosquitto_pbkdf2("root", b"0123456789ab"), "mosquitto-pbkdf2", "root"),
    (hashlib.md5(b"password", usedforsecurity=False).hexdigest(), "md5-hex", "password"),
    ("$apr1$abcdefgh$mMZnMi5KMcUTRCidnJ3Px0", "apr1", "admin"),
])
def test_hashlib_and_fallback_verifiers(value: str, family: str, password: str) -> None:
    check = verifier(family, value, use_libcrypt=False)
    assert check is not None
    assert check(password.encode())
    assert not check(b"wrong")


def test_without_libcrypt_des_and_bcrypt_are_unsupported() -> None:
    assert verifier("des", "abJnggxhB/yWI", use_libcrypt=False) is None
    outcomes = Cracker(budget=1, use_libcrypt=False).crack(
        [Target("bcrypt", FAMILY_VECTORS[7][0], (Candidate("password", "test"),))])
    assert outcomes[FAMILY_VECTORS[7][0]].status == "unsupported"


@needs_libcrypt
@pytest.mark.parametrize(("value", "family"), FAMILY_VECTORS[:2] + FAMILY_VECTORS[7:9])
def test_libcrypt_families(value: str, family: str) -> None:
    assert libcrypt_supports(family)
    check = verifier(family, value)
    assert check is not None
    assert check(b"password")
    assert not check(b"passwore")


@pytest.mark.parametrize("use_libcrypt", [True, False])
def test_cracker_finds_tplink_and_demo_root_and_stops_at_first_hit(use_libcrypt: bool) -> None:
    cracker = Cracker(budget=10, use_libcrypt=use_libcrypt)
    targets = [Target("md5crypt", TPLINK_ROOT, tuple(candidates_for(["root"]))),
               Target("md5crypt", DEMO_ROOT, tuple(candidates_for(["root"]))),
               Target("md5crypt", DEMO_ROOT, tuple(candidates_for(["root"])))]
    outcomes = cracker.crack(targets)
    assert len(outcomes) == 2  # identical hashes are tested once
    assert (outcomes[TPLINK_ROOT].status, outcomes[TPLINK_ROOT].password) == (
        "cracked", "sohoadmin")
    assert outcomes[DEMO_ROOT].password == "admin"
    order = [c.password for c in candidates_for(["root"])]
    assert outcomes[DEMO_ROOT].tried == order.index("admin") + 1


def test_cracker_reports_an_exhausted_budget() -> None:
    candidates = tuple(Candidate(f"nope{i}", "test") for i in range(200))
    outcomes = Cracker(budget=0.0).crack([Target("md5crypt", TPLINK_ROOT, candidates)])
    assert outcomes[TPLINK_ROOT].status == "budget"
    outcome = Cracker(budget=5).crack([Target("md5crypt", TPLINK_ROOT, candidates)])
    assert outcome[TPLINK_ROOT].status == "exhausted"
    assert outcome[TPLINK_ROOT].tried == 200


def test_bundled_lists_are_small_and_hold_the_known_defaults() -> None:
    words = {c.password for c in bundled()}
    assert 300 <= len(words) <= 2000
    assert {"sohoadmin", "admin", "xc3511", "7ujMko0vizxv", ""} <= words
    first = candidates_for(["support"])[:3]
    assert [c.password for c in first] == ["support", "troppus", "support123"]


def test_crack_backends_names_every_backend() -> None:
    rows = dict(crack_backends())
    assert set(rows) == {"libcrypt (ctypes)", "python fallback", "hashlib"}
    if libcrypt.load() is not None:
        assert "md5crypt" in rows["libcrypt (ctypes)"]


@pytest.mark.parametrize(("family", "value"), [
    ("bcrypt", "$2b$31$abcdefghijklmnopqrstuuWG29KuyeAicPCJODk1zjyGvyQUU2awu"),
    ("sha512crypt", "$6$rounds=999999999$salt$" + "a" * 86),
    ("mosquitto-pbkdf2", "$7$9999999$" + "A" * 16 + "$" + "A" * 86 + "=="),
    ("yescrypt", "$y$jzT$salt$" + "a" * 43),
])
def test_hostile_costs_are_not_attempted(family: str, value: str) -> None:
    assert hash_family(value) == family
    began = time.perf_counter()
    outcome = Cracker(budget=5).crack([Target(family, value, (Candidate("x", "test"),))])
    assert outcome[value].status == "unsupported"
    assert time.perf_counter() - began < 0.5


@needs_libcrypt
def test_slow_hashes_respect_the_budget() -> None:
    value = "$2b$10$abcdefghijklmnopqrstuuWG29KuyeAicPCJODk1zjyGvyQUU2awu"
    candidates = tuple(Candidate(f"nope{i}", "test") for i in range(500))
    began = time.perf_counter()
    outcome = Cracker(budget=0.5).crack([Target("bcrypt", value, candidates)])
    assert outcome[value].status == "budget"
    assert time.perf_counter() - began < 1.0
