"""Facts the analyzers establish about an image (DESIGN.md, "the vocabulary").

Facts are neutral: "there is an account root with an md5crypt hash". Findings judge them.
Secrets are kept whole here (other analyzers and the agreement compare them) and masked
when a report is rendered, unless the user asks to see them.
"""

from __future__ import annotations

from dataclasses import dataclass

from spyless.model.findings import Location


@dataclass(frozen=True, slots=True)
class Account:
    name: str
    uid: int | None
    gid: int | None
    home: str | None
    shell: str | None
    location: Location
    #: "hash", "empty" (no password needed), "locked", "plaintext", "no-password-field"
    password_state: str
    hash_type: str | None = None  # "md5crypt", "sha512crypt", "des", "bcrypt", ...
    password_hash: str | None = None
    cracked: str | None = None  # the password, when a wordlist found it
    cracked_from: str | None = None  # which wordlist
    login_shell: bool = False
    source: str = "passwd"  # "passwd", "shadow", "embedded"


@dataclass(frozen=True, slots=True)
class Credential:
    #: "default-password", "hardcoded-password", "api-token", "wifi-psk",
    #: "snmp-community", "htpasswd", "private-token", "password-in-command"
    kind: str
    secret: str
    location: Location
    username: str | None = None
    context: str = ""  # the config key or command around it
    service: str | None = None


@dataclass(frozen=True, slots=True)
class KeyMaterial:
    #: "private-key", "public-key", "certificate", "authorized-key", "host-key"
    kind: str
    algorithm: str  # "rsa", "ec", "dsa", "ed25519", "unknown"
    location: Location
    bits: int | None = None
    fingerprint: str | None = None  # sha256 of the public key, hex
    encrypted: bool = False
    encoding: str = ""  # "pem", "pkcs8", "openssh", "putty", "der"
    subject: str | None = None
    issuer: str | None = None
    not_after: str | None = None
    self_signed: bool | None = None
    comment: str | None = None
    options: tuple[str, ...] = ()  # authorized_keys options (command=, from=, ...)


@dataclass(frozen=True, slots=True)
class Service:
    name: str
    binary: str | None  # path inside the filesystem, e.g. "/usr/sbin/telnetd"
    binary_chain: str | None  # the artifact, when the binary is in the image
    arguments: tuple[str, ...]
    started_by: Location  # the init file that starts it
    manager: str  # "inittab", "rcS", "init.d", "procd", "systemd", "inetd", "cron", ...
    enabled: bool = True
    port: int | None = None
    protocol: str | None = None  # "tcp", "udp"
    listen: str | None = None  # bind address, None when unknown or any
    #: "none", "password", "key", "password+key", "hardcoded", "unknown"
    auth: str = "unknown"
    user: str | None = None  # the account it runs as, when known


@dataclass(frozen=True, slots=True)
class Endpoint:
    #: "url", "domain", "ipv4", "ipv6", "email"
    kind: str
    value: str
    locations: tuple[Location, ...]
    scheme: str | None = None
    host: str | None = None
    category: str | None = None  # "tr069", "ntp", "dns", "ddns", "syslog", "telemetry", ...
    context: str = ""
    confidence: str = "high"
    used_at_boot: bool = False
    ip_class: str | None = None  # "public", "private", "loopback", ...


@dataclass(frozen=True, slots=True)
class Component:
    name: str
    version: str | None
    locations: tuple[Location, ...]
    evidence: str = ""
    cpe: str | None = None
    purl: str | None = None
    source: str = "binary"  # "binary", "package-db", "banner", "os-release"


@dataclass(frozen=True, slots=True)
class Vulnerability:
    """A known vulnerability that applies to a component found in the image."""

    id: str  # "CVE-2012-0920", or an OSV id
    component: str  # the component's name
    version: str  # the component's version it was matched against
    summary: str = ""
    severity: str | None = None  # "critical", "high", ... from the CVSS score
    cvss_score: float | None = None
    cvss_vector: str | None = None
    cwes: tuple[str, ...] = ()
    fixed_versions: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    source: str = ""  # which feed: "nvd", "osv", "cve5", ...
    known_exploited: bool = False
    published: str | None = None
    matched_by: str = ""  # the rule that matched: a CPE range, an OSV range, ...


@dataclass(frozen=True, slots=True)
class Hardening:
    """Exploit mitigations of one ELF file."""

    location: Location
    arch: str
    bits: int
    endianness: str
    elf_type: str
    nx: bool | None = None
    pie: bool | None = None
    relro: str = "none"  # "none", "partial", "full"
    canary: bool | None = None
    fortify: bool | None = None
    rpath: tuple[str, ...] = ()
    runpath: tuple[str, ...] = ()
    stripped: bool | None = None
    rwx_segments: bool = False
    unsafe_functions: tuple[str, ...] = ()
