"""X.509 certificates (RFC 5280) through cryptography: subject, issuer, expiry, key, self-signed."""

from __future__ import annotations

import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm

from spyless.analyzers.keys.found import CertInfo
from spyless.analyzers.keys.publickey import UNKNOWN, PublicKeyInfo, describe


def describe_certificate(der: bytes, now: datetime.datetime | None = None,
                         ) -> tuple[PublicKeyInfo, CertInfo] | None:
    """The certificate's public key and facts, or None if ``der`` is not a certificate."""
    try:
        cert = x509.load_der_x509_certificate(der)
        subject, issuer = cert.subject.rfc4514_string(), cert.issuer.rfc4514_string()
        not_after = cert.not_valid_after_utc
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return None
    try:
        key = describe(cert.public_key())
    except (ValueError, UnsupportedAlgorithm):
        key = UNKNOWN
    now = now or datetime.datetime.now(datetime.UTC)
    info = CertInfo(subject=subject, issuer=issuer, not_after=not_after.isoformat(),
                    expired=not_after < now, self_signed=_self_signed(cert),
                    is_ca=_is_ca(cert))
    return key, info


def _self_signed(cert: x509.Certificate) -> bool:
    if cert.subject != cert.issuer:
        return False
    try:
        cert.verify_directly_issued_by(cert)
    except InvalidSignature:
        return False
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return True  # names match; the signature scheme is just one we cannot check
    return True


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    except (x509.ExtensionNotFound, ValueError):
        return False
    return bool(constraints.value.ca)
