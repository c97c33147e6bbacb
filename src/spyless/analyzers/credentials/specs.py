"""The credential findings (SPY120-SPY130) and how a found secret becomes one.

Parsers in this package produce :class:`Hit` values; :func:`report` turns a hit into a
``Credential`` fact and a finding with the file's location, so severity rules live in one
place (a well-known default is worse than an unknown hardcoded value; a writable SNMP
community is worse than a read-only one).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from spyless.analyzers.credentials.values import DEFAULT_COMMUNITIES, is_hash, is_known_default
from spyless.analyzers.interface import FileInput, Output
from spyless.model.facts import Credential
from spyless.model.findings import Confidence, FindingSpec, Severity, mask_secret

_CWE_HARDCODED = 798
_CWE_DEFAULT = 1392
_DEFAULTS_REF = "https://krebsonsecurity.com/2016/10/who-makes-the-iot-things-under-attack/"

SPY120 = FindingSpec(
    "SPY120", "Well-known default password in the image", Severity.CRITICAL, _CWE_DEFAULT,
    "A configuration, script or binary holds a password that is on public default-credential "
    "lists (admin, 1234, the user name itself...). Every device ships with it, and botnets "
    "try it first.",
    "Generate a unique password per device at manufacture (printed on the label) or force "
    "the owner to set one on first login; never ship a shared default.",
    (_DEFAULTS_REF, "https://cwe.mitre.org/data/definitions/1392.html"),
)
SPY121 = FindingSpec(
    "SPY121", "Hardcoded password in configuration or script", Severity.HIGH, _CWE_HARDCODED,
    "A password is written in clear text in a file of the image, so it is the same on every "
    "device and known to anyone who unpacks the firmware.",
    "Remove the password from the image; provision it per device or ask the owner for it.",
    ("https://cwe.mitre.org/data/definitions/798.html",),
)
SPY122 = FindingSpec(
    "SPY122", "Hardcoded password hash in a credentials or configuration file",
    Severity.MEDIUM, _CWE_HARDCODED,
    "A web server credentials file (htpasswd, BusyBox httpd.conf) or a configuration key holds "
    "a password hash baked into the image: the same account exists on every device and the "
    "hash can be cracked offline.",
    "Do not ship accounts in the image; create them when the owner sets a password.",
)
SPY123 = FindingSpec(
    "SPY123", "Default SNMP community", Severity.HIGH, _CWE_DEFAULT,
    "SNMP is configured with a community everybody tries (public, private...). Read access "
    "leaks the device configuration; write access (rwcommunity) lets anyone reconfigure it.",
    "Disable SNMP by default, or use SNMPv3 with per-device credentials.",
    ("https://nvd.nist.gov/vuln/detail/CVE-1999-0517",
     "https://nvd.nist.gov/vuln/detail/CVE-1999-0516"),
)
SPY124 = FindingSpec(
    "SPY124", "Hardcoded SNMP community", Severity.MEDIUM, _CWE_HARDCODED,
    "SNMP is configured with a fixed community string that is the same on every device.",
    "Provision the community per device, or use SNMPv3 with per-device credentials.",
)
SPY125 = FindingSpec(
    "SPY125", "Hardcoded Wi-Fi passphrase", Severity.HIGH, _CWE_HARDCODED,
    "A Wi-Fi pre-shared key or WEP key is written into the image, so every device of the "
    "model broadcasts a network anyone with the firmware can join.",
    "Derive a unique passphrase per device at manufacture and print it on the label.",
)
SPY126 = FindingSpec(
    "SPY126", "Password passed on a command line", Severity.HIGH, 214,
    "A script or binary passes a literal password as a command-line argument (curl -u, "
    "mysql -p, sshpass -p, ftpput -p...). The password is fixed in the image and visible to "
    "every local process through the process list.",
    "Read secrets from a protected file or the environment; never hardcode them.",
    ("https://cwe.mitre.org/data/definitions/214.html",),
)
SPY127 = FindingSpec(
    "SPY127", "Script or binary sets a hardcoded login password", Severity.CRITICAL,
    _CWE_HARDCODED,
    "The image sets an account password to a literal at run time (echo pw | passwd, "
    "chpasswd root:pw, telnetd -u user:pw): a login that exists on every device and that the "
    "owner is not told about.",
    "Remove the code; let the owner set the password on first use.",
)
SPY128 = FindingSpec(
    "SPY128", "Default web administration login compiled into a binary", Severity.HIGH,
    _CWE_DEFAULT,
    "The web server's built-in default configuration holds an administrator user name and "
    "password (for example admin/admin): after a factory reset anyone on the network can "
    "log in to the management interface.",
    "Ship a per-device password printed on the label, or force a change on first login.",
    (_DEFAULTS_REF,),
)
SPY129 = FindingSpec(
    "SPY129", "Cloud or API token in the image", Severity.HIGH, _CWE_HARDCODED,
    "An access token of a known service (AWS, Google, GitHub, Slack, Stripe, a signed JWT) is "
    "baked into the image; anyone who unpacks it can act as the vendor's account.",
    "Revoke the token now; issue per-device credentials from a provisioning service.",
)
SPY130 = FindingSpec(
    "SPY130", "Hardcoded secret key or token", Severity.MEDIUM, _CWE_HARDCODED,
    "A configuration key named like a secret (api_key, secret_key, token) holds a random "
    "looking literal; it is the same on every device.",
    "Provision secrets per device; rotate this one.",
)

ALL_SPECS = (SPY120, SPY121, SPY122, SPY123, SPY124, SPY125, SPY126, SPY127, SPY128, SPY129,
             SPY130)

_EXCERPT_LIMIT = 160


@dataclass(frozen=True, slots=True)
class Hit:
    """A secret found in a file, before it is judged."""

    kind: str  # "password", "wifi-psk", "snmp-community", "token", "api-token", ...
    secret: str
    offset: int
    excerpt: str
    context: str
    username: str | None = None
    service: str | None = None
    confidence: Confidence = Confidence.HIGH
    writable: bool = False  # SNMP write access


def password_spec(secret: str, username: str | None) -> tuple[FindingSpec, str]:
    """The finding and the fact kind for a literal password under a password key."""
    if is_hash(secret):
        return SPY122, "hardcoded-password"
    if is_known_default(secret, username):
        return SPY120, "default-password"
    return SPY121, "hardcoded-password"


def judge(hit: Hit) -> tuple[FindingSpec, str, Severity | None]:
    """Finding, fact kind and severity override for a hit."""
    if hit.kind == "snmp-community":
        if hit.secret.lower() in DEFAULT_COMMUNITIES:
            return SPY123, "snmp-community", Severity.CRITICAL if hit.writable else None
        return SPY124, "snmp-community", Severity.HIGH if hit.writable else None
    if hit.kind == "wifi-psk":
        return SPY125, "wifi-psk", None
    if hit.kind == "api-token":
        return SPY129, "api-token", None
    if hit.kind == "token":
        return SPY130, "private-token", None
    if hit.kind == "htpasswd":  # a hashed entry; parsers report plaintext ones as passwords
        return SPY122, "htpasswd", None
    if hit.kind == "login":
        return SPY127, "hardcoded-password", None
    if hit.kind == "password-in-command":
        return SPY126, "password-in-command", None
    if hit.kind == "web-default":
        return SPY128, "default-password", None
    spec, kind = password_spec(hit.secret, hit.username)
    return spec, kind, None


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def describe(hit: Hit) -> str:
    who = f" for user {hit.username!r}" if hit.username else ""
    what = {"snmp-community": "SNMP community", "wifi-psk": "Wi-Fi passphrase",
            "api-token": "access token", "token": "secret token", "login": "login password",
            "password-in-command": "password on a command line",
            "web-default": "default web login", "htpasswd": "web credentials entry"}
    return f"{what.get(hit.kind, 'password')}{who} ({hit.context})"


def report(out: Output, file: FileInput, hit: Hit, text: str | None = None) -> None:
    """Add the hit as a ``Credential`` fact and the finding it deserves."""
    spec, kind, severity = judge(hit)
    line = line_of(text, hit.offset) if text is not None else None
    where = file.location(offset=hit.offset, line=line)
    out.add(Credential(kind, hit.secret, where, username=hit.username, context=hit.context,
                       service=hit.service))
    excerpt = hit.excerpt.strip()[:_EXCERPT_LIMIT]
    if hit.secret not in excerpt:
        excerpt = f"{excerpt} [secret={hit.secret}]"
    out.finding(spec, f"{describe(hit)} in {file.fs_path}: {hit.secret}", where,
                confidence=hit.confidence, severity=severity, excerpt=excerpt,
                secret=hit.secret)


def report_all(out: Output, file: FileInput, hits: Iterable[Hit], text: str | None = None,
               other_secrets: Iterable[str] = ()) -> None:
    """Report every hit of one file, masking in each excerpt the secrets of the others.

    A renderer masks only the finding's own secret; a line holding two (``curl -u u:pw``
    with an API key) would otherwise show the second one in clear.
    """
    unique: dict[tuple[int, str], Hit] = {}
    for hit in hits:
        unique.setdefault((hit.offset, hit.secret), hit)
    secrets = sorted({h.secret for h in unique.values()} | set(other_secrets), key=len,
                     reverse=True)
    for hit in unique.values():
        excerpt = hit.excerpt
        for other in secrets:
            if len(other) >= 3 and other not in hit.secret and other in excerpt:
                excerpt = excerpt.replace(other, mask_secret(other))
        report(out, file, replace(hit, excerpt=excerpt), text)
