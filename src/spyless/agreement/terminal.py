"""The verdict on a terminal (rich): the verdict first, then the clause table, then the
evidence behind each failure, waivers, the baseline and what could not be evaluated."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from spyless.agreement.interface import ClauseVerdict, EvidenceItem, EvidenceState, Status, Verdict
from spyless.model.findings import mask_secret
from spyless.report.view import where

STATUS_STYLE = {Status.PASS: "green", Status.FAIL: "bold red", Status.WAIVED: "yellow",
                Status.NOT_EVALUATED: "dim", Status.DECLARATION_ONLY: "cyan",
                Status.DISABLED: "magenta"}
_LABEL = {Status.PASS: "PASS", Status.FAIL: "FAIL", Status.WAIVED: "WAIVED",
          Status.NOT_EVALUATED: "NOT EVALUATED", Status.DECLARATION_ONLY: "DECLARATION ONLY",
          Status.DISABLED: "DISABLED"}
_SHOWN = 8


def _message(item: EvidenceItem, show_secrets: bool) -> str:
    message = item.message
    if not show_secrets and item.finding is not None:
        for evidence in item.finding.evidence:
            if evidence.secret:
                message = message.replace(evidence.secret, mask_secret(evidence.secret))
    return message


def print_verdict(console: Console, verdict: Verdict, show_secrets: bool = False) -> None:
    agreement = verdict.agreement
    name = escape(agreement.name) + (f" ({escape(agreement.source)})" if agreement.source
                                     else "")
    if verdict.conforms:
        console.print(f"[bold green]CONFORMS[/] to {name}")
    else:
        console.print(f"[bold red]DOES NOT CONFORM[/] to {name}")
    counts = verdict.counts()
    console.print("  ".join(f"[{STATUS_STYLE[s]}]{counts[s]} {_LABEL[s].lower()}[/]"
                            for s in Status if counts[s]))
    console.print("[dim]A FAIL is evidence that contradicts the clause; a PASS means the "
                  "checks listed found no contradicting evidence, nothing more.[/]")
    for note in verdict.notes:
        console.print(f"[yellow]note:[/] {escape(note)}")
    table = Table(title="clauses", title_justify="left", expand=True)
    table.add_column("clause", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("what it says", ratio=2, no_wrap=True, overflow="ellipsis")
    table.add_column("why", ratio=3, overflow="fold")
    for clause in verdict.clauses:
        table.add_row(clause.clause.id, f"[{STATUS_STYLE[clause.status]}]"
                      f"{_LABEL[clause.status]}[/]", escape(clause.clause.text.replace("**", "")),
                      escape(clause.summary))
    console.print(table)
    for clause in verdict.clauses:
        if clause.status is Status.FAIL or (clause.status is Status.DISABLED
                                            and clause.evaluated is Status.FAIL):
            _evidence(console, clause, show_secrets)
    _waivers(console, verdict)
    if verdict.baseline is not None:
        b = verdict.baseline
        console.print(f"baseline: {escape(b.source)} ({b.findings} findings, {b.created}); "
                      f"{b.matched} item(s) of evidence were already there and did not count")
    if verdict.unassigned:
        ids = sorted({f.id for f in verdict.unassigned})
        console.print(f"[dim]{len(verdict.unassigned)} finding(s) no clause is about: "
                      f"{', '.join(ids)}[/]")


def _short(text: str) -> str:
    text = text.replace("**", "")
    return text if len(text) <= 90 else text[:87] + "…"


def _evidence(console: Console, clause: ClauseVerdict, show_secrets: bool) -> None:
    counted = clause.counted
    console.print(f"[bold]{clause.clause.id}[/] [red]fails[/]: "
                  f"{escape(_short(clause.clause.text))}")
    for item in counted[:_SHOWN]:
        expired = (f" [red](waiver expired {item.waiver.expires})[/]"
                   if item.waiver_expired and item.waiver else "")
        console.print(f"  [red]{item.rule}[/] {item.severity.value:8} "
                      f"{escape(where(item.location))}: {escape(_message(item, show_secrets))}"
                      f"{expired}")
    if len(counted) > _SHOWN:
        console.print(f"  … {len(counted) - _SHOWN} more in the JSON output")
    other = [i for i in clause.evidence if i.state in (EvidenceState.WAIVED,
                                                      EvidenceState.BASELINE,
                                                      EvidenceState.DECLARED)]
    if other:
        states = sorted({i.state.value for i in other})
        console.print(f"  [dim]{len(other)} more item(s) not counted ({', '.join(states)})[/]")


def _waivers(console: Console, verdict: Verdict) -> None:
    for use in verdict.waivers:
        style = {"active": "yellow", "expired": "red", "unused": "dim"}[use.state]
        console.print(f"[{style}]waiver {use.state}[/]: {escape(str(use.waiver))} — "
                      f"{escape(use.waiver.reason)} (approved by {escape(use.waiver.approver)}"
                      f"; matched {use.matched})")
