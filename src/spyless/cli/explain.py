"""``spyless explain SPY101``: what a finding id means and how to fix it."""

from __future__ import annotations

import click
from rich.console import Console

from spyless.analyzers.registry import catalogue
from spyless.errors import UsageError


@click.command("explain")
@click.argument("finding_id")
def explain_command(finding_id: str) -> int:
    """Explain a finding id (e.g. SPY101); 'all' lists every id."""
    specs = catalogue()
    console = Console()
    if finding_id.lower() == "all":
        for known in specs.values():
            console.print(f"[bold]{known.id}[/] {known.severity.value:8} {known.title}")
        return 0
    spec = specs.get(finding_id.upper())
    if spec is None:
        raise UsageError(f"unknown finding id {finding_id!r}; 'spyless explain all' lists them")
    console.print(f"[bold]{spec.id}: {spec.title}[/]")
    cwe = f", CWE-{spec.cwe}" if spec.cwe else ""
    console.print(f"default severity: {spec.severity.value}{cwe}")
    console.print(f"\n{spec.description}\n\n[bold]How to fix:[/] {spec.remediation}")
    for ref in spec.references:
        console.print(f"  - {ref}", highlight=False)
    return 0
