"""The traffic report as JSON and on a terminal (rich).

Secrets seen on the wire (passwords, basic-auth tokens) are masked unless asked for,
the same way the image report masks them.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from spyless.model.findings import Finding, Severity, mask_secret
from spyless.traffic.interface import TrafficReport

TRAFFIC_SCHEMA_VERSION = "1.0"
_STYLE = {Severity.CRITICAL: "bold red", Severity.HIGH: "red", Severity.MEDIUM: "yellow",
          Severity.LOW: "cyan", Severity.INFO: "dim"}
_SHOWN = 25


def _finding(finding: Finding, show_secrets: bool) -> dict[str, Any]:
    data = dataclasses.asdict(finding)
    for evidence in data["evidence"]:
        secret = evidence.get("secret")
        if secret and not show_secrets:
            evidence["excerpt"] = evidence["excerpt"].replace(secret, mask_secret(secret))
            evidence["secret"] = mask_secret(secret)
    return data


def report_dict(report: TrafficReport, show_secrets: bool = False,
                top_flows: int = 100) -> dict[str, Any]:
    capture = dataclasses.asdict(report.capture)
    capture["duration"] = round(report.capture.duration, 6)
    return {
        "schema_version": TRAFFIC_SCHEMA_VERSION,
        "kind": "traffic",
        "capture": capture,
        "device": report.device,
        "agreement": report.agreement,
        "secrets_shown": show_secrets,
        "findings": [_finding(f, show_secrets) for f in report.findings],
        "destinations": [dataclasses.asdict(d) for d in report.destinations],
        "flows_total": len(report.flows),
        "flows": [dataclasses.asdict(f) for f in report.flows[:top_flows]],
        "dns": [dataclasses.asdict(q) for q in report.dns],
        "timings": report.timings,
    }


def render_json(report: TrafficReport, show_secrets: bool = False, top_flows: int = 100) -> str:
    return json.dumps(report_dict(report, show_secrets, top_flows), indent=1) + "\n"


def _when(ts: float | None) -> str:
    if ts is None:
        return "-"
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _size(n: int) -> str:
    if n < 1000:
        return f"{n} B"
    value = n / 1000
    for unit in ("kB", "MB"):
        if value < 1000:
            return f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"


def print_report(console: Console, report: TrafficReport, show_secrets: bool = False) -> None:
    cap = report.capture
    console.print(f"[bold]{cap.file}[/]  {cap.format}  {cap.packets} packets  "
                  f"{_size(cap.bytes)}  {cap.duration:.1f} s from {_when(cap.first_seen)} UTC  "
                  f"sha256 {cap.sha256}")
    for warning in cap.warnings:
        console.print(f"[yellow]warning:[/] {warning}")
    table = Table(title="destinations", title_justify="left")
    for column in ("destination", "addresses", "ports", "protocols", "sent", "received",
                   "allowed"):
        table.add_column(column, overflow="fold")
    verdict = {True: "[green]yes[/]", False: "[red]no[/]", None: "-"}
    for dest in report.destinations[:_SHOWN]:
        table.add_row(dest.name, ", ".join(dest.addresses[:3]), " ".join(dest.ports[:4]),
                      " ".join(dest.protocols), _size(dest.bytes_out), _size(dest.bytes_in),
                      verdict[dest.allowed])
    console.print(table)
    if len(report.destinations) > _SHOWN:
        console.print(f"… {len(report.destinations) - _SHOWN} more destinations in the JSON "
                      "report")
    if report.findings:
        findings = Table(title="findings", title_justify="left")
        for column in ("id", "severity", "title", "detail"):
            findings.add_column(column, overflow="fold")
        for finding in report.findings[:_SHOWN]:
            detail = finding.message
            for ev in finding.evidence:
                if ev.secret and not show_secrets:
                    detail = detail.replace(ev.secret, mask_secret(ev.secret))
            findings.add_row(finding.id,
                             f"[{_STYLE[finding.severity]}]{finding.severity.value}[/]",
                             finding.title, detail)
        console.print(findings)
    else:
        console.print("no findings")
    console.print(f"{len(report.flows)} flows, {len(report.dns)} DNS questions; "
                  f"analysed in {report.timings.get('total', 0.0):.2f} s")
