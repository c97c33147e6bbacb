"""The report: everything one scan of one image established, with a schema version."""

from __future__ import annotations

from dataclasses import dataclass, field

from spyless.analyzers.interface import AnalyzerError, Fact
from spyless.model.facts import (
    Account,
    Component,
    Credential,
    Endpoint,
    Hardening,
    KeyMaterial,
    Service,
    Vulnerability,
)
from spyless.model.findings import Finding
from spyless.unpack.engine import ImageInfo

REPORT_SCHEMA_VERSION = "1.0"


@dataclass(slots=True)
class Report:
    image: ImageInfo
    tool_version: str
    created: str
    findings: list[Finding] = field(default_factory=list)
    accounts: list[Account] = field(default_factory=list)
    credentials: list[Credential] = field(default_factory=list)
    keys: list[KeyMaterial] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    endpoints: list[Endpoint] = field(default_factory=list)
    components: list[Component] = field(default_factory=list)
    vulnerabilities: list[Vulnerability] = field(default_factory=list)
    hardening: list[Hardening] = field(default_factory=list)
    errors: list[AnalyzerError] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    extraction: dict[str, object] = field(default_factory=dict)
    #: Share of ELF files with each protection (see analyzers.hardening.hardening_summary).
    hardening_summary: dict[str, object] = field(default_factory=dict)
    schema_version: str = REPORT_SCHEMA_VERSION

    def add_facts(self, facts: list[Fact]) -> None:
        for fact in facts:
            if isinstance(fact, Account):
                self.accounts.append(fact)
            elif isinstance(fact, Credential):
                self.credentials.append(fact)
            elif isinstance(fact, KeyMaterial):
                self.keys.append(fact)
            elif isinstance(fact, Service):
                self.services.append(fact)
            elif isinstance(fact, Endpoint):
                self.endpoints.append(fact)
            elif isinstance(fact, Vulnerability):
                self.vulnerabilities.append(fact)
            elif isinstance(fact, Hardening):
                self.hardening.append(fact)
            else:
                self.components.append(fact)

    def sort(self) -> None:
        self.findings.sort(key=lambda f: (-f.severity.rank, f.id, f.location.chain,
                                          f.location.offset or 0))
        self.accounts.sort(key=lambda a: (a.location.chain, a.name))
        self.credentials.sort(key=lambda c: (c.location.chain, c.location.offset or 0))
        self.keys.sort(key=lambda k: (k.location.chain, k.location.offset or 0))
        self.services.sort(key=lambda s: (s.started_by.chain, s.name))
        self.endpoints.sort(key=lambda e: (e.kind, e.value))
        self.components.sort(key=lambda c: (c.name, c.version or ""))
        self.vulnerabilities.sort(key=lambda v: (v.component, v.id))
        self.hardening.sort(key=lambda h: h.location.chain)
