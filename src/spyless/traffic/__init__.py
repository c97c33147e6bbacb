"""Runtime no-spy check: what a device really contacted, from a pcap/pcapng capture.

``analyze_capture(path, allowed=load_allowlist(agreement), device="192.0.2.10")`` returns
a :class:`TrafficReport`: every destination with its volume, the flows, DNS queries, and
findings (SPY520-SPY527) for undeclared destinations and resolvers, cleartext
credentials, large uploads and cleartext update/telemetry requests.
"""

from spyless.traffic.allowlist import AllowedEndpoint, Allowlist, load_allowlist
from spyless.traffic.analyze import DEFAULT_UPLOAD_THRESHOLD, analyze_capture, exit_code
from spyless.traffic.findings import SPECS
from spyless.traffic.interface import (
    CaptureInfo,
    Destination,
    DnsQuery,
    Flow,
    HttpRequest,
    TrafficReport,
)

__all__ = ["DEFAULT_UPLOAD_THRESHOLD", "SPECS", "AllowedEndpoint", "Allowlist", "CaptureInfo",
           "Destination", "DnsQuery", "Flow", "HttpRequest", "TrafficReport",
           "analyze_capture", "exit_code", "load_allowlist"]
