"""Traffic findings (SPY520-SPY539): what the device did on the wire that the agreement
does not allow, or that no agreement should allow (credentials in cleartext).

Evidence points into the capture: the location's ``chain`` is the capture file, its
``offset`` the byte offset of the packet's record in that file, and the excerpt names the
frame number as Wireshark counts it.
"""

from __future__ import annotations

import ipaddress

from spyless.model.findings import (
    Confidence,
    Evidence,
    Finding,
    FindingSpec,
    Location,
    Severity,
)
from spyless.traffic.evaluate import Judged, destination_key
from spyless.traffic.interface import CaptureInfo, Destination
from spyless.traffic.state import Sighting

SPY520 = FindingSpec(
    "SPY520", "Device contacted an undeclared destination", Severity.HIGH, 359,
    "During the capture the device opened a connection to, or sent datagrams to, a host "
    "that is not among the endpoints the vendor declared. Data may leave to a party nobody "
    "agreed to.",
    "Ask the vendor what the destination is for; declare it in the agreement's [[endpoints]] "
    "or have the behaviour removed.",
)
SPY521 = FindingSpec(
    "SPY521", "Undeclared local-network or inbound-only traffic", Severity.LOW, None,
    "Traffic with an undeclared party that stays on the local network (multicast, "
    "broadcast) or that the other side started. It does not carry data to the outside by "
    "itself, but the agreement should still list it.",
    "Declare the discovery protocols and management clients in the agreement.",
)
SPY522 = FindingSpec(
    "SPY522", "DNS query to an undeclared resolver", Severity.MEDIUM, 923,
    "The device sent DNS queries to a resolver other than the declared ones, bypassing the "
    "operator's resolver (and any filtering or logging there) and telling a third party "
    "which names it looks up.",
    "Make the device use the resolver it is given (DHCP or configuration), or declare the "
    "resolver in the agreement's [network] dns_resolvers.",
)
SPY523 = FindingSpec(
    "SPY523", "HTTP basic credentials sent in cleartext", Severity.HIGH, 523,
    "An HTTP request over plain TCP carried an Authorization or Proxy-Authorization header "
    "with Basic credentials, which anyone on the path can read (RFC 7617 section 4).",
    "Use HTTPS, or token authentication over TLS.",
)
SPY524 = FindingSpec(
    "SPY524", "Telnet login in cleartext", Severity.HIGH, 523,
    "A user name and password were typed over telnet, readable by anyone on the path.",
    "Disable telnet; use SSH with keys.",
)
SPY525 = FindingSpec(
    "SPY525", "FTP login in cleartext", Severity.HIGH, 523,
    "An FTP USER/PASS exchange crossed the network without TLS.",
    "Use SFTP or FTPS (AUTH TLS), or HTTPS for transfers.",
)
SPY526 = FindingSpec(
    "SPY526", "Large upload to one destination", Severity.MEDIUM, 200,
    "The device sent more payload to one destination than the configured threshold; a "
    "device that only needs updates and time should mostly receive, not send.",
    "Find out what was sent (the flows are listed in the report) and whether the agreement "
    "allows it.",
)
SPY527 = FindingSpec(
    "SPY527", "Cleartext HTTP on an update or telemetry path", Severity.MEDIUM, 319,
    "A plain-HTTP request went to a path that looks like a firmware update or telemetry "
    "channel; on the path it can be read and, for updates, replaced.",
    "Move the channel to HTTPS with certificate validation, and sign update images.",
)
SPECS = (SPY520, SPY521, SPY522, SPY523, SPY524, SPY525, SPY526, SPY527)

_MAX_PATHS_PER_FLOW = 5


def _finding(spec: FindingSpec, capture: CaptureInfo, message: str, where: int, excerpt: str,
             confidence: Confidence = Confidence.HIGH, severity: Severity | None = None,
             secret: str | None = None, tags: tuple[str, ...] = ()) -> Finding:
    location = Location(chain=capture.file, offset=where, sha256=capture.sha256)
    return Finding(spec.id, spec.title, severity or spec.severity, confidence, spec.cwe,
                   message, (Evidence(location, excerpt, secret),), spec.remediation,
                   analyzer="traffic", tags=tags)


def _describe(j: Judged) -> str:
    f = j.flow
    what = f" {f.application}" if f.application else ""
    sni = f" sni={f.sni}" if f.sni else ""
    return (f"frame {j.state.frame}: {f.protocol} {f.local}:{f.local_port} -> "
            f"{f.remote}:{f.remote_port}{what}{sni}")


def destination_findings(capture: CaptureInfo, dests: tuple[Destination, ...],
                         judged: list[Judged], upload_threshold: int) -> list[Finding]:
    by_name: dict[str, list[Judged]] = {}
    for j in judged:
        by_name.setdefault(destination_key(j), []).append(j)
    out = []
    for dest in dests:
        flows = by_name[dest.name]
        first = min(flows, key=lambda j: j.state.first)
        where = f"{dest.name} ({', '.join(dest.addresses)})" \
            if dest.name not in dest.addresses else dest.name
        volume = (f"{dest.bytes_out} bytes in {dest.packets_out} packets sent, "
                  f"{dest.bytes_in} bytes received")
        bad = [j for j in flows if j.allowed is False and not j.resolver_undeclared]
        if bad:
            ports = ", ".join(sorted({f"{j.flow.protocol}/{j.flow.remote_port}" for j in bad}))
            local_only = dest.scope in ("multicast", "broadcast") or all(
                j.state.initiator == "remote" for j in bad)
            spec = SPY521 if local_only else SPY520
            internet = dest.scope in ("global", "documentation")
            severity = None if local_only or internet else Severity.MEDIUM
            out.append(_finding(spec, capture, f"{where} on {ports}: {volume}; not a declared "
                                "endpoint", bad[0].state.where, _describe(bad[0]),
                                severity=severity, tags=(dest.scope,)))
        resolvers = [j for j in flows if j.resolver_undeclared]
        if resolvers:
            out.append(_finding(SPY522, capture, f"DNS queries to {where}, which is not a "
                                "declared resolver", resolvers[0].state.where,
                                _describe(resolvers[0])))
        if dest.payload_out > upload_threshold:
            declared = {True: "a declared", False: "an undeclared", None: "an unjudged"}
            out.append(_finding(SPY526, capture, f"{dest.payload_out} bytes of payload sent to "
                                f"{declared[dest.allowed]} destination {where} "
                                f"(threshold {upload_threshold})", first.state.where,
                                _describe(first)))
    return out


def wire_findings(capture: CaptureInfo, sightings: list[Sighting]) -> list[Finding]:
    """Findings from payload: cleartext credentials (once per flow and credential, with
    how often they were sent) and cleartext update/telemetry requests."""
    paths: dict[int, int] = {}
    creds: dict[tuple[str, int, str | None, str | None], list[Sighting]] = {}
    out = []
    for s in sightings:
        if s.kind != "http-path":
            creds.setdefault((s.kind, id(s.flow), s.user, s.secret), []).append(s)
            continue
        paths[id(s.flow)] = paths.get(id(s.flow), 0) + 1
        if paths[id(s.flow)] <= _MAX_PATHS_PER_FLOW:
            out.append(_finding(SPY527, capture, f"{s.detail} over plain HTTP "
                                f"(frame {s.frame})", s.file_offset,
                                f"frame {s.frame}: {s.excerpt}",
                                confidence=Confidence.MEDIUM))
    out.extend(_credential(capture, group[0], len(group)) for group in creds.values())
    return out


def _credential(capture: CaptureInfo, s: Sighting, times: int) -> Finding:
    local, lport, remote, rport, _ = s.flow.key
    to = f"{ipaddress.ip_address(remote)}:{rport}"
    named = s.flow.name and s.flow.name != str(ipaddress.ip_address(remote))
    name = f"{s.flow.name} ({to})" if named else to
    between = f"{ipaddress.ip_address(local)}:{lport} and {name}"
    anonymous = s.kind == "ftp" and (s.user or "").lower() in ("anonymous", "ftp")
    repeated = f", sent {times} times" if times > 1 else ""
    specs = {"http-basic": SPY523, "telnet": SPY524, "ftp": SPY525}
    return _finding(
        specs[s.kind], capture,
        f"{s.detail} in cleartext between {between} (frame {s.frame}{repeated})",
        s.file_offset, f"frame {s.frame}: {s.excerpt}",
        severity=Severity.LOW if anonymous else None, secret=s.secret,
        tags=("anonymous",) if anonymous else ())
