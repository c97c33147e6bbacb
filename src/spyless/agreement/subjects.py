"""Whether the agreement declares what a finding is about.

Analyzer findings do not name their subject (an account, a service, an endpoint) as data;
they point at the same place as the fact does: the shadow line of the account, the init
line that starts the service, an occurrence of the endpoint. This module indexes the
report's facts by location and answers "is every subject of this finding declared?" for
the clauses whose checks are ``declarable``. A finding whose subject cannot be found is
not excused.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TypeVar

from spyless.agreement.compare import _differences, _same_service, declared_rules
from spyless.agreement.document import Agreement
from spyless.agreement.matching import EndpointMatcher
from spyless.model.facts import Account, Endpoint, Service
from spyless.model.findings import Finding, Location
from spyless.report.model import Report

_Key = tuple[str, str, int]
T = TypeVar("T")
_UART_FINDINGS = frozenset({"SPY302", "SPY417"})
_AGENT_CATEGORIES = frozenset({"tr069", "tr064"})


def _keys(location: Location) -> list[_Key]:
    keys = []
    if location.line is not None:
        keys.append((location.chain, "line", location.line))
    if location.offset is not None:
        keys.append((location.chain, "offset", location.offset))
    return keys


class Subjects:
    """The report's facts by location, and the agreement's declarations to excuse them."""

    def __init__(self, report: Report, agreement: Agreement) -> None:
        self.agreement = agreement
        self.matcher = EndpointMatcher(declared_rules(agreement))
        self.accounts: dict[_Key, list[Account]] = defaultdict(list)
        self.services: dict[_Key, list[Service]] = defaultdict(list)
        self.endpoints: dict[_Key, list[Endpoint]] = defaultdict(list)
        for account in report.accounts:
            for key in _keys(account.location):
                self.accounts[key].append(account)
        for service in report.services:
            for key in _keys(service.started_by):
                self.services[key].append(service)
        for endpoint in report.endpoints:
            for location in endpoint.locations:
                for key in _keys(location):
                    self.endpoints[key].append(endpoint)

    def _of(self, index: dict[_Key, list[T]], finding: Finding) -> list[T]:
        found: list[T] = []
        for evidence in finding.evidence:
            for key in _keys(evidence.location):
                found += [x for x in index.get(key, ()) if x not in found]
        return found

    def declared(self, finding: Finding, kind: str) -> str | None:
        """What declares the finding's subjects ("account support"), or None."""
        method = getattr(self, f"_{kind}", None)
        return method(finding) if method is not None else None

    def _accounts(self, finding: Finding) -> str | None:
        subjects = self._of(self.accounts, finding)
        declared = self.agreement.declarations.accounts
        if subjects and all(any(d.name == a.name and (d.uid is None or d.uid == a.uid)
                                for d in declared) for a in subjects):
            return "declared account " + ", ".join(sorted({a.name for a in subjects}))
        return None

    def _services(self, finding: Finding) -> str | None:
        subjects = self._of(self.services, finding)
        declared = self.agreement.declarations.services
        if subjects and all(any(_same_service(d, s) and not _differences(d, s)
                                for d in declared) for s in subjects):
            return "declared service " + ", ".join(sorted({s.name for s in subjects}))
        return None

    def _endpoints(self, finding: Finding) -> str | None:
        subjects = self._of(self.endpoints, finding)
        if subjects and all(self.matcher.declared(e) for e in subjects):
            return "declared endpoint " + ", ".join(sorted({e.value for e in subjects})[:4])
        return None

    def _channels(self, finding: Finding) -> str | None:
        channels = self.agreement.declarations.channels
        tags = set(finding.tags)
        named = [c for c in channels if c.category in tags]
        if finding.id == "SPY310":
            named += [c for c in channels if c.category in _AGENT_CATEGORIES]
            if not named:
                return self._services(finding)
        if named:
            return "declared channel " + ", ".join(sorted({c.name for c in named}))
        return self._endpoints(finding)

    def _interfaces(self, finding: Finding) -> str | None:
        if finding.id not in _UART_FINDINGS:
            return None
        uart = [i for i in self.agreement.declarations.interfaces
                if i.kind == "uart" and i.state != "disabled"]
        return f"declared interface uart ({uart[0].state})" if uart else None
