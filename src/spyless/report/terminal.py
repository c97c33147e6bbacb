"""The report on a terminal (rich): what an evaluator reads first."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from spyless.model.findings import Severity, mask_secret
from spyless.report.model import Report

_STYLE = {Severity.CRITICAL: "bold red", Severity.HIGH: "red", Severity.MEDIUM: "yellow",
          Severity.LOW: "cyan", Severity.INFO: "dim"}
_SHOWN = 30


def print_report(console: Console, report: Report, show_secrets: bool = False) -> None:
    image = report.image
    console.print(f"[bold]{image.name}[/]  {image.size} bytes  sha256 {image.sha256}")
    counts = {s: sum(1 for f in report.findings if f.severity is s) for s in Severity}
    console.print("  ".join(f"[{_STYLE[s]}]{counts[s]} {s.value}[/]" for s in Severity))
    if report.findings:
        table = Table(title="findings", title_justify="left", show_lines=False)
        for column in ("id", "severity", "title", "where", "detail"):
            table.add_column(column, overflow="fold")
        for finding in report.findings[:_SHOWN]:
            where = finding.location.path or finding.location.chain
            detail = finding.message
            for ev in finding.evidence:
                if ev.secret and not show_secrets:
                    detail = detail.replace(ev.secret, mask_secret(ev.secret))
            table.add_row(finding.id, f"[{_STYLE[finding.severity]}]{finding.severity.value}[/]",
                          finding.title, where, detail)
        console.print(table)
        if len(report.findings) > _SHOWN:
            console.print(f"… {len(report.findings) - _SHOWN} more findings in the JSON report")
    facts = (f"{len(report.accounts)} accounts, {len(report.credentials)} credentials, "
             f"{len(report.keys)} keys, {len(report.services)} services, "
             f"{len(report.endpoints)} endpoints, {len(report.components)} components")
    console.print(facts)
    if report.errors:
        console.print(f"[yellow]{len(report.errors)} analyzer errors[/] (see the JSON report)")
    total = report.timings.get("unpack", 0.0) + report.timings.get("analyze", 0.0)
    console.print(f"scanned in {total:.2f} s")
