"""The key-material finding ids (SPY201-SPY229) and what each means."""

from __future__ import annotations

from spyless.model.findings import FindingSpec, Severity

_CWE_HARDCODED_KEY = 321

SPY201 = FindingSpec(
    "SPY201", "Private key in the image", Severity.HIGH, _CWE_HARDCODED_KEY,
    "A private key (PEM, PKCS#8, OpenSSH, PuTTY, DER or Dropbear format) is shipped in the "
    "firmware, so every device carries the same key and anyone with the image has it: TLS "
    "sessions can be impersonated or decrypted, signatures forged. Encrypted keys are "
    "reported at medium severity (the passphrase is usually in the image too); keys in "
    "documentation or library test folders at low severity.",
    "Generate keys on the device at first boot (or provision them per device in the "
    "factory) and remove the key from the image.",
    ("https://cwe.mitre.org/data/definitions/321.html",),
)
SPY202 = FindingSpec(
    "SPY202", "SSH host key baked into the image", Severity.CRITICAL, _CWE_HARDCODED_KEY,
    "An SSH server's private host key (OpenSSH ssh_host_*_key or Dropbear "
    "dropbear_*_host_key) ships in the image: every device has the same host key, so anyone "
    "holding the firmware can impersonate any device and intercept its SSH sessions.",
    "Remove host keys from the image; generate them at first boot (ssh-keygen -A, "
    "dropbear -R) into persistent storage.",
    ("https://cwe.mitre.org/data/definitions/321.html",),
)
SPY203 = FindingSpec(
    "SPY203", "Same private key in several places", Severity.CRITICAL, _CWE_HARDCODED_KEY,
    "One private key (same public-key fingerprint) appears in several files or encodings, "
    "for example as a host key and inside a binary: it is shared by every service and every "
    "device that uses any of the copies.",
    "Give each service its own key, generated on the device.",
    ("https://cwe.mitre.org/data/definitions/321.html",),
)
SPY204 = FindingSpec(
    "SPY204", "Authorized SSH key baked into the image", Severity.CRITICAL, 798,
    "An authorized_keys file in the image lets whoever holds the matching private key (the "
    "vendor, or anyone it leaked to) log in to every device without the owner's knowledge.",
    "Ship no authorized_keys entries; let the owner install their own keys.",
    ("https://cwe.mitre.org/data/definitions/798.html",),
)
SPY205 = FindingSpec(
    "SPY205", "Weak key", Severity.MEDIUM, 326,
    "A private key or certificate key is too weak for current use: RSA shorter than 2048 "
    "bits, DSA (deprecated; OpenSSH disabled it by default in 7.0), or an elliptic curve "
    "smaller than 224 bits.",
    "Use RSA of at least 3072 bits, ECDSA P-256 or better, or Ed25519.",
    ("https://csrc.nist.gov/pubs/sp/800/131/a/r2/final",),
)
SPY206 = FindingSpec(
    "SPY206", "Expired certificate", Severity.LOW, 324,
    "A certificate shipped in the image (outside the CA trust store) has expired: either "
    "the service using it fails, or its clients have been told to ignore validation errors.",
    "Replace the certificate; prefer certificates issued per device.",
    ("https://cwe.mitre.org/data/definitions/324.html",),
)
SPY207 = FindingSpec(
    "SPY207", "Self-signed certificate used by a server", Severity.LOW, 295,
    "A self-signed certificate ships in the image; when its private key ships too, a "
    "service on the device presents it, so clients can only connect by skipping "
    "certificate validation, and anyone with the image can impersonate the device.",
    "Generate a per-device certificate at first boot, or let the owner install one.",
    ("https://cwe.mitre.org/data/definitions/295.html",),
)
SPY208 = FindingSpec(
    "SPY208", "Unencrypted private key file readable by every user", Severity.MEDIUM, 732,
    "An unencrypted private key file has world-readable permissions, so any process on the "
    "device (including a compromised unprivileged service) can read it.",
    "Make key files readable by their owner only (mode 0600) and generate them per device.",
    ("https://cwe.mitre.org/data/definitions/732.html",),
)
