"""Declared against found, in both directions (TR-1): accounts, services, endpoints and
management channels; plus the service facts that clauses judge directly (packet capture
at boot, legacy protocols, servers running as root).

Each comparison returns findings (ids in ``specs.py``) located in the image for what was
found and not declared, and in the agreement file for what was declared and not found.
"""

from __future__ import annotations

import ipaddress
import posixpath

from spyless.agreement.document import Agreement, DeclaredService
from spyless.agreement.matching import EndpointMatcher, target
from spyless.agreement.specs import (
    SPY190,
    SPY191,
    SPY390,
    SPY391,
    SPY392,
    SPY394,
    SPY395,
    SPY396,
    SPY590,
    SPY591,
)
from spyless.model.facts import Account, Endpoint, Service
from spyless.model.findings import Confidence, Evidence, Finding, FindingSpec, Location, Severity
from spyless.report.model import Report
from spyless.traffic.allowlist import AllowedEndpoint
from spyless.traffic.interface import TrafficReport

_CAPTURE_TOOLS = frozenset({"tcpdump", "tshark", "dumpcap", "ettercap", "dsniff", "netsniff-ng",
                            "tcpflow", "ngrep", "daemonlogger"})
#: Program -> protocol family of legacy cleartext services (SE-3).
_LEGACY: dict[str, str] = {}
for _family, _programs in (
    ("telnet", "telnetd utelnetd in.telnetd telnetd.busybox"),
    ("ftp", "ftpd vsftpd proftpd pure-ftpd bftpd stupid-ftpd in.ftpd"),
    ("tftp", "tftpd in.tftpd atftpd utftpd"),
    ("r-services", "rshd in.rshd rlogind in.rlogind rexecd in.rexecd"),
    ("finger", "fingerd in.fingerd"), ("ident", "identd in.identd oidentd"),
    ("bootp", "bootpd in.bootpd"), ("talk", "talkd in.talkd ntalkd"),
):
    for _program in _programs.split():
        _LEGACY[_program] = _family
_INETD_LEGACY = {"echo": "small-servers", "discard": "small-servers",
                 "chargen": "small-servers", "daytime": "small-servers",
                 "time": "small-servers", "finger": "finger", "login": "r-services",
                 "shell": "r-services", "exec": "r-services", "ident": "ident",
                 "auth": "ident", "bootps": "bootp", "talk": "talk", "ntalk": "talk",
                 "telnet": "telnet", "ftp": "ftp", "tftp": "tftp"}
#: Analyzer findings that already say "this legacy service runs" (SPY303 telnet, ...).
_LEGACY_FINDINGS = frozenset({"SPY303", "SPY307", "SPY308"})
_ROOTLESS_SERVERS = frozenset({"httpd", "lighttpd", "uhttpd", "boa", "goahead", "webs",
                               "mini_httpd", "thttpd", "nginx", "mongoose", "shttpd",
                               "jjhttpd", "webserver", "miniupnpd", "upnpd", "igd"})
_LISTENING_PROTOCOLS = frozenset({"tcp", "udp"})


def finding(spec: FindingSpec, message: str, where: Location | tuple[Evidence, ...],
            severity: Severity | None = None, tags: tuple[str, ...] = (),
            confidence: Confidence = Confidence.HIGH) -> Finding:
    evidence = (Evidence(where),) if isinstance(where, Location) else where
    return Finding(id=spec.id, title=spec.title, severity=severity or spec.severity,
                   confidence=confidence, cwe=spec.cwe, message=message, evidence=evidence,
                   remediation=spec.remediation, analyzer="agreement", tags=tags)


def agreement_location(agreement: Agreement, line: int | None) -> Location:
    return Location(chain=posixpath.basename(agreement.source or "agreement"), line=line,
                    sha256=agreement.sha256)


# accounts ---------------------------------------------------------------------------------

def login_capable(account: Account) -> bool:
    return account.login_shell and account.password_state != "locked"  # noqa: S105 - a state name


def accounts(report: Report, agreement: Agreement) -> list[Finding]:
    declared = agreement.declarations.accounts
    out: list[Finding] = []
    for account in report.accounts:
        if not login_capable(account):
            continue
        match = next((d for d in declared if d.name == account.name
                      and (d.uid is None or d.uid == account.uid)), None)
        if match is not None and match.login:
            continue
        why = "is declared as not able to log in" if match else "is not declared"
        state = account.hash_type or account.password_state
        out.append(finding(
            SPY190, f"{account.name} (uid {account.uid}, shell {account.shell}, {state}) can "
            f"log in and {why}", (Evidence(account.location, account.name),),
            severity=Severity.HIGH if account.uid == 0 else None, tags=(account.name,)))
    names = {a.name for a in report.accounts}
    out += [finding(SPY191, f"account {d.name} is declared but not in the image",
                    agreement_location(agreement, d.line), tags=(d.name,))
            for d in declared if d.name not in names]
    return out


# services ---------------------------------------------------------------------------------

def listening(service: Service) -> bool:
    return service.enabled and (service.port is not None
                                or (service.protocol or "") in _LISTENING_PROTOCOLS)


def _names(service: Service) -> set[str]:
    names = {service.name}
    if service.binary:
        names |= {service.binary, posixpath.basename(service.binary)}
    return names


def _same_service(declared: DeclaredService, service: Service) -> bool:
    names = _names(service)
    if declared.binary and declared.binary in names:
        return True
    return declared.name in names


def _differences(declared: DeclaredService, service: Service) -> list[str]:
    out = []
    if declared.port is not None and service.port is not None and declared.port != service.port:
        out.append(f"port {service.port} (declared {declared.port})")
    if declared.protocol and service.protocol and declared.protocol != service.protocol:
        out.append(f"protocol {service.protocol} (declared {declared.protocol})")
    if (declared.authentication and service.auth not in ("unknown", "")
            and declared.authentication != service.auth):
        out.append(f"authentication {service.auth} (declared {declared.authentication})")
    bind = (declared.bind or "").lower()
    if service.listen and _is_address(bind) and _is_address(service.listen) \
            and ipaddress.ip_address(bind) != ipaddress.ip_address(service.listen):
        out.append(f"bind address {service.listen} (declared {declared.bind})")
    return out


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _describe(service: Service) -> str:
    where = f"{service.protocol}/{service.port}" if service.port is not None else (
        service.protocol or "no port")
    listen = f" on {service.listen}" if service.listen else ""
    return f"{service.name} ({service.binary or '?'}, {where}{listen}, auth {service.auth})"


def services(report: Report, agreement: Agreement) -> list[Finding]:
    declared = agreement.declarations.services
    out: list[Finding] = []
    for service in report.services:
        if not listening(service):
            continue
        candidates = [d for d in declared if _same_service(d, service)]
        if any(not _differences(d, service) for d in candidates):
            continue
        why = ("differs from its declaration: " + "; ".join(_differences(candidates[0], service))
               if candidates else "is not declared")
        out.append(finding(SPY390, f"{_describe(service)}, started by "
                           f"{service.started_by.path}:{service.started_by.line or '?'} "
                           f"({service.manager}), {why}", service.started_by,
                           tags=(service.name,)))
    enabled = [s for s in report.services if s.enabled]
    out += [finding(SPY391, f"service {d.name} ({d.binary or 'any binary'}) is declared but "
                    "nothing in the image starts it", agreement_location(agreement, d.line),
                    tags=(d.name,))
            for d in declared if not any(_same_service(d, s) for s in enabled)]
    return out


def service_facts(report: Report) -> list[Finding]:
    """Clauses judged on services directly: NS-5, SE-3, SE-8."""
    said = {(e.location.chain, e.location.line) for f in report.findings
            if f.id in _LEGACY_FINDINGS for e in f.evidence}
    out: list[Finding] = []
    for service in report.services:
        if not service.enabled:
            continue
        base = posixpath.basename(service.binary or service.name)
        where = service.started_by
        started = f"started by {where.path}:{where.line or '?'}"
        if base in _CAPTURE_TOOLS:
            out.append(finding(SPY394, f"{_describe(service)} captures traffic, {started}",
                               where, tags=(base,)))
        family = _LEGACY.get(base) or (_INETD_LEGACY.get(service.name) if service.manager in (
            "inetd", "xinetd") else None)
        if family and (where.chain, where.line) not in said:
            out.append(finding(SPY395, f"{_describe(service)} speaks {family}, a legacy "
                               f"cleartext protocol, {started}", where, tags=(family,)))
        if base in _ROOTLESS_SERVERS and service.user in ("root", "0"):
            out.append(finding(SPY396, f"{_describe(service)} runs as root, {started}", where,
                               tags=(base,)))
    return out


# endpoints --------------------------------------------------------------------------------

def _uses(endpoint: Endpoint) -> tuple[bool, bool]:
    """(used by a config or script, used by a binary through a key or command).

    The analyzer's context lists each place as "<path>: <file kind>[: key K | command C]";
    strings in web pages, documentation and plain binary strings (help texts, project URLs)
    are kept as information only.
    """
    configured = keyed = False
    for part in endpoint.context.split("; "):
        if "(commented out)" in part or ": " not in part:
            continue
        what = part.split(": ", 1)[1]
        if what.startswith(("script", "config")):
            configured = True
        elif what.startswith(("binary: key", "binary: command")):
            keyed = True
    return configured, keyed


def countable(endpoint: Endpoint) -> bool:
    return (endpoint.kind in ("url", "domain", "ipv4", "ipv6")
            and endpoint.ip_class in (None, "public"))


def declared_rules(agreement: Agreement) -> tuple[AllowedEndpoint, ...]:
    """Every destination the agreement allows: endpoints, NTP servers, channel hosts, DNS
    resolvers."""
    d = agreement.declarations
    extra = [AllowedEndpoint(h, (), "NTP server", "ntp") for h in d.ntp_servers]
    extra += [AllowedEndpoint(h, (), c.purpose or c.name, c.category)
              for c in d.channels for h in c.hosts]
    extra += [AllowedEndpoint(r, (), "DNS resolver", "dns") for r in d.dns_resolvers]
    return (*d.endpoints, *extra)


def endpoints(report: Report, agreement: Agreement,
              capture: TrafficReport | None) -> list[Finding]:
    matcher = EndpointMatcher(declared_rules(agreement))
    declared = agreement.declarations.endpoints
    used: set[int] = set()
    out: list[Finding] = []
    for endpoint in report.endpoints:
        matches = matcher.all_matches(*target(endpoint))
        used.update(matches)
        if not countable(endpoint) or matches:
            continue
        configured, keyed = _uses(endpoint)
        if endpoint.confidence == "low" or not (configured or (keyed and endpoint.used_at_boot)):
            severity = Severity.INFO
        else:
            severity = Severity.MEDIUM if endpoint.used_at_boot else Severity.LOW
        what = ", ".join(x for x in (endpoint.category, "used at boot or from cron"
                                     if endpoint.used_at_boot else None) if x)
        evidence = tuple(Evidence(loc, endpoint.value) for loc in endpoint.locations[:8])
        out.append(finding(SPY590, f"{endpoint.value}{f' ({what})' if what else ''} is not "
                           f"declared; seen in {endpoint.context}", evidence, severity=severity,
                           tags=(endpoint.category or "uncategorised",)))
    seen_rules = {d.rule for d in capture.destinations} if capture else set()
    for index, (rule, line) in enumerate(zip(declared, agreement.declarations.endpoint_lines,
                                             strict=False)):
        if index not in used and str(rule) not in seen_rules:
            out.append(finding(SPY591, f"endpoint {rule} is declared but nothing in the "
                               "image" + (" or the capture" if capture else "") + " uses it",
                               agreement_location(agreement, line), tags=(rule.host,)))
    return out


def channels(report: Report, agreement: Agreement) -> list[Finding]:
    """Declared channels that match no endpoint, service or channel finding (TR-1)."""
    out: list[Finding] = []
    if not agreement.declarations.channels:
        return out
    tags = {t for f in report.findings if f.id in ("SPY504", "SPY310") for t in f.tags}
    agents = any(f.id == "SPY310" for f in report.findings)
    categories = {e.category for e in report.endpoints}
    targets = [target(e) for e in report.endpoints]
    for channel in agreement.declarations.channels:
        matcher = EndpointMatcher(tuple(AllowedEndpoint(h) for h in channel.hosts))
        found = (channel.category in tags or channel.category in categories
                 or (channel.category in ("tr069", "tr064") and agents)
                 or (bool(channel.hosts) and any(matcher.all_matches(*t) for t in targets)))
        if not found:
            out.append(finding(SPY392, f"{channel.kind} channel {channel.name} "
                               f"({channel.category}) is declared but not found in the image",
                               agreement_location(agreement, channel.line),
                               tags=(channel.category,)))
    return out
