"""The library entry point of the traffic check: one capture in, one report out."""

from __future__ import annotations

import ipaddress
import time
from pathlib import Path

from spyless.errors import InputError, UsageError
from spyless.model.findings import Finding
from spyless.traffic.allowlist import Allowlist
from spyless.traffic.capture import CaptureReader
from spyless.traffic.evaluate import destinations, dns_queries, judge_flows
from spyless.traffic.findings import destination_findings, wire_findings
from spyless.traffic.flows import FlowTable
from spyless.traffic.interface import CaptureInfo, TrafficReport

DEFAULT_UPLOAD_THRESHOLD = 1_000_000


def analyze_capture(path: Path | str, allowed: Allowlist | None = None,
                    device: str | None = None,
                    upload_threshold: int = DEFAULT_UPLOAD_THRESHOLD) -> TrafficReport:
    """Read a pcap/pcapng capture of a device and judge its traffic against ``allowed``.

    ``device`` is the device's IP address; without it the device is the private (local)
    side of each flow, or the side that opened it. Without ``allowed`` destinations are
    listed but not judged. Raises :class:`~spyless.errors.InputError` for a file that is
    not a readable capture and :class:`~spyless.errors.UsageError` for a bad ``device``.
    """
    path = Path(path)
    device_bytes = None
    if device is not None:
        try:
            device_bytes = ipaddress.ip_address(device).packed
        except ValueError as e:
            raise UsageError(f"--device {device!r} is not an IP address") from e
    if path.is_dir():
        raise InputError(f"{path}: is a directory, not a capture file")
    started = time.perf_counter()
    table = FlowTable(device_bytes)
    with CaptureReader(path) as reader:
        table.run(reader)
        table.finish()
        reader.drain()
    read = time.perf_counter()
    warnings = list(reader.warnings)
    if table.overflow:
        warnings.append(f"{table.overflow} packets of flows beyond the flow-table limit "
                        "were not attributed")
    capture = CaptureInfo(
        file=path.name, sha256=reader.sha256, size=reader.size, format=reader.format,
        packets=table.packets, bytes=table.wire_bytes, first_seen=table.first,
        last_seen=table.last, link_types=tuple(sorted(reader.link_types)),
        truncated_packets=table.truncated, undecoded_packets=table.undecoded,
        fragments=table.fragments.fragments,
        fragments_unassembled=table.fragments.unassembled, warnings=tuple(warnings))
    judged = judge_flows(table, allowed)
    dests = destinations(judged)
    findings: list[Finding] = wire_findings(capture, table.sightings)
    findings += destination_findings(capture, dests, judged, upload_threshold)
    findings.sort(key=lambda f: (-f.severity.rank, f.id, f.location.offset or 0))
    done = time.perf_counter()
    return TrafficReport(
        capture=capture, device=device,
        agreement=allowed.source if allowed is not None else None,
        destinations=dests, flows=tuple(j.flow for j in judged),
        dns=dns_queries(table, allowed), findings=tuple(findings),
        timings={"read": round(read - started, 4), "evaluate": round(done - read, 4),
                 "total": round(done - started, 4)})


def exit_code(report: TrafficReport) -> int:
    """1 when an undeclared destination or cleartext credentials were found, else 0."""
    blocking = {"SPY520", "SPY522", "SPY523", "SPY524", "SPY525"}
    return 1 if any(f.id in blocking and "anonymous" not in f.tags
                    for f in report.findings) else 0
