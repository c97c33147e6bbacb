"""Dropbear's own private key files (``/etc/dropbear/dropbear_rsa_host_key`` and friends).

The file is one SSH wire buffer (RFC 4251 types): the public key as in the SSH protocol,
then the private values. By key type:

- ``ssh-rsa``: mpint e, mpint n, then mpint d, mpint p, mpint q
- ``ssh-dss``: mpint p, q, g, y, then mpint x
- ``ecdsa-sha2-nistpN``: string curve name, string Q (SEC1 point), then mpint d
- ``ssh-ed25519``: string of 64 bytes: the 32-byte seed followed by the 32-byte public key

Only the public part is loaded; the private values are checked for presence and
consistency (p*q = n; the Ed25519 seed derives the stored public key).
"""

from __future__ import annotations

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

from spyless.analyzers.keys.found import FoundKey
from spyless.analyzers.keys.publickey import WireError, WireReader, describe

_CURVES: dict[bytes, ec.EllipticCurve] = {
    b"ecdsa-sha2-nistp256": ec.SECP256R1(), b"ecdsa-sha2-nistp384": ec.SECP384R1(),
    b"ecdsa-sha2-nistp521": ec.SECP521R1(),
}
KEY_TYPES = (b"ssh-rsa", b"ssh-dss", b"ssh-ed25519", *_CURVES)
#: The first bytes of a Dropbear key file: the length-prefixed key type.
PREFIXES = tuple(len(t).to_bytes(4, "big") + t for t in KEY_TYPES)
_MAX_FILE = 16 << 10


def decode_dropbear(data: bytes) -> list[FoundKey]:
    """The private key in a Dropbear key file, or nothing if ``data`` is not one."""
    if len(data) > _MAX_FILE or not data.startswith(PREFIXES):
        return []
    reader = WireReader(data)
    try:
        keytype = reader.string()
        parsed = _read(keytype, reader)
    except (WireError, ValueError, UnsupportedAlgorithm):
        return []
    if parsed is None:
        return []
    key, consistent = parsed
    return [FoundKey("private-key", "dropbear", 0, describe(key),
                     verified=consistent and reader.remaining == 0,
                     excerpt=f"Dropbear {keytype.decode()} private key")]


def _read(keytype: bytes, reader: WireReader) -> tuple[PublicKeyTypes, bool] | None:
    if keytype == b"ssh-rsa":
        e, n = reader.mpint(), reader.mpint()
        d, p, q = reader.mpint(), reader.mpint(), reader.mpint()
        if d <= 0:
            return None
        return rsa.RSAPublicNumbers(e, n).public_key(), p * q == n
    if keytype == b"ssh-dss":
        p, q, g, y = (reader.mpint() for _ in range(4))
        x = reader.mpint()
        key = dsa.DSAPublicNumbers(y, dsa.DSAParameterNumbers(p, q, g)).public_key()
        return key, 0 < x < q and pow(g, x, p) == y
    if keytype in _CURVES:
        reader.string()  # the curve's short name, implied by the key type
        point = reader.string()
        d = reader.mpint()
        curve = _CURVES[keytype]
        public = ec.EllipticCurvePublicKey.from_encoded_point(curve, point)
        derived = ec.derive_private_key(d, curve).public_key() if d > 0 else None
        return public, derived is not None and derived == public
    if keytype == b"ssh-ed25519":
        both = reader.string()
        if len(both) != 64:
            return None
        stored = ed25519.Ed25519PublicKey.from_public_bytes(both[32:])
        from_seed = ed25519.Ed25519PrivateKey.from_private_bytes(both[:32]).public_key()
        return stored, from_seed == stored
    return None
