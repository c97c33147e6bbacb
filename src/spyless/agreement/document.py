"""What an agreement file says, as frozen values: parties, declarations, clauses, waivers.

Built by ``loader.py`` from a validated TOML file (the schema is in ``schema.py``). The
declared endpoints are the traffic check's own :class:`~spyless.traffic.AllowedEndpoint`,
so the static and the runtime checks read one list the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from spyless.agreement.interface import ClauseSettings, Waiver
from spyless.traffic.allowlist import AllowedEndpoint, Allowlist

AGREEMENT_SCHEMA_VERSION = "1"


@dataclass(frozen=True, slots=True)
class Party:
    name: str
    role: str  # "vendor", "operator", "lab", "government", "other"
    contact: str = ""


@dataclass(frozen=True, slots=True)
class Product:
    name: str
    versions: tuple[str, ...] = ()
    hardware: tuple[str, ...] = ()
    images: tuple[str, ...] = ()  # sha256 of the images covered


@dataclass(frozen=True, slots=True)
class DeclaredAccount:
    name: str
    uid: int | None = None
    login: bool = True
    authentication: str | None = None  # "password", "key", "none", "locked"
    purpose: str = ""
    line: int | None = None


@dataclass(frozen=True, slots=True)
class DeclaredService:
    name: str
    binary: str | None = None
    port: int | None = None
    protocol: str | None = None  # "tcp", "udp", "serial"
    bind: str | None = None  # address, "any", "lan", "wan", "loopback"
    authentication: str | None = None  # "none", "password", "key", "password+key"
    purpose: str = ""
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Channel:
    """A remote-management or telemetry channel (TR-069, cloud agent, syslog, ...)."""

    name: str
    kind: str  # "management" or "telemetry"
    category: str  # endpoint category: "tr069", "telemetry", "syslog", "snmp", ...
    hosts: tuple[str, ...] = ()
    operator_controllable: bool | None = None
    mutual_authentication: bool | None = None
    data: str = ""  # what is sent (telemetry)
    recipient: str = ""  # to whom
    purpose: str = ""  # why
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Interface:
    """A radio or physical interface: WLAN, Bluetooth, cellular, UART, JTAG, USB, ..."""

    kind: str
    state: str  # "enabled", "disabled", "authenticated"
    description: str = ""
    line: int | None = None


@dataclass(frozen=True, slots=True)
class DeclaredComponent:
    name: str
    version: str | None = None
    purl: str | None = None
    cpe: str | None = None


@dataclass(frozen=True, slots=True)
class DeclaredVulnerability:
    id: str  # "CVE-2022-48174"
    status: str  # "fixed", "mitigated", "not-affected", "accepted"
    remediation: str
    line: int | None = None


@dataclass(frozen=True, slots=True)
class ReleaseChange:
    kind: str  # "account", "service", "endpoint", "key", "component"
    change: str  # "added", "removed", "changed"
    item: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class Declarations:
    accounts: tuple[DeclaredAccount, ...] = ()
    services: tuple[DeclaredService, ...] = ()
    endpoints: tuple[AllowedEndpoint, ...] = ()
    endpoint_lines: tuple[int | None, ...] = ()  # parallel to ``endpoints``
    dns_resolvers: tuple[str, ...] = ()
    ntp_servers: tuple[str, ...] = ()
    channels: tuple[Channel, ...] = ()
    interfaces: tuple[Interface, ...] = ()
    components: tuple[DeclaredComponent, ...] = ()
    sbom: str | None = None  # path of the vendor SBOM, as written
    sbom_line: int | None = None
    vulnerabilities: tuple[DeclaredVulnerability, ...] = ()
    support_until: str | None = None  # ISO date
    support_years: int | None = None
    support_line: int | None = None
    vulnerability_contact: str | None = None
    disclosure_policy: str | None = None
    response_days: int | None = None
    contact_line: int | None = None
    legal_statement: str | None = None
    legal_obligations: tuple[str, ...] = ()
    legal_line: int | None = None
    release_version: str | None = None
    release_previous: str | None = None
    release_changes: tuple[ReleaseChange, ...] = ()
    release_line: int | None = None

    @property
    def has_sbom(self) -> bool:
        return self.sbom is not None or bool(self.components)


@dataclass(frozen=True, slots=True)
class Agreement:
    """One agreement: the baseline clauses it extends, its declarations and waivers."""

    name: str
    schema_version: str = AGREEMENT_SCHEMA_VERSION
    extends: str = "baseline"  # "baseline" or "none"
    source: str | None = None  # the file it was read from
    sha256: str | None = None
    parties: tuple[Party, ...] = ()
    products: tuple[Product, ...] = ()
    declarations: Declarations = field(default_factory=Declarations)
    #: Clause id -> how this agreement sets it; absent ids take the baseline's settings.
    clauses: dict[str, ClauseSettings] = field(default_factory=dict)
    waivers: tuple[Waiver, ...] = ()
    #: Components read from the vendor SBOM file (resolved relative to the agreement).
    sbom_components: tuple[DeclaredComponent, ...] = ()

    @property
    def is_builtin(self) -> bool:
        return self.source is None

    def allowlist(self) -> Allowlist:
        """The declared endpoints for the traffic check."""
        return Allowlist(self.declarations.endpoints, self.declarations.dns_resolvers,
                         self.source)
