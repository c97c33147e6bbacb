"""The delta in every output format: terminal (rich), JSON, Markdown, HTML and SARIF.

SARIF carries the new findings only (what a code-scanning dashboard should raise); the
other formats carry everything. Secrets are masked unless asked for, as in reports.
"""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from spyless.diff.interface import Delta, FindingChange, UndeclaredChange
from spyless.diff.render_common import (
    esc,
    html_page,
    html_table,
    level,
    md_table,
    sarif_location,
    sarif_log,
    sarif_rule,
    sarif_uri,
    shown_message,
)
from spyless.report.json_format import to_jsonable

_SHOWN = 40
_FIXED_SHOWN = 6


def summary(delta: Delta) -> dict[str, int]:
    count = {c: sum(1 for f in delta.findings if f.change == c)
             for c in ("new", "resolved", "changed")}
    return {
        "fact_changes": len(delta.facts), "component_changes": len(delta.components),
        "new_vulnerabilities": sum(1 for v in delta.vulnerabilities if v.change == "new"),
        "fixed_vulnerabilities": sum(1 for v in delta.vulnerabilities if v.change == "fixed"),
        "hardening_regressions": len(delta.regressions()),
        "new_findings": count["new"], "resolved_findings": count["resolved"],
        "changed_findings": count["changed"], "unchanged_findings": delta.unchanged_findings,
        "files_added": sum(1 for f in delta.files if f.change.value == "added"),
        "files_removed": sum(1 for f in delta.files if f.change.value == "removed"),
        "files_changed": sum(1 for f in delta.files if f.change.value == "changed"),
    }


def delta_dict(delta: Delta, show_secrets: bool = False,
               undeclared: list[UndeclaredChange] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = to_jsonable(delta, show_secrets)
    data["summary"] = summary(delta)
    data["tool"] = {"name": "spyless"}
    data["secrets_shown"] = show_secrets
    data["undeclared_changes"] = (None if undeclared is None
                                  else to_jsonable(undeclared, show_secrets))
    order = ["schema_version", "tool", "old", "new", "secrets_shown", "summary",
             "undeclared_changes", "facts", "components", "vulnerabilities", "hardening",
             "findings", "unchanged_findings", "files", "files_compared", "unchanged_files",
             "similarity_method", "notes"]
    return {key: data[key] for key in order}


def render_json(delta: Delta, show_secrets: bool = False,
                undeclared: list[UndeclaredChange] | None = None) -> str:
    return json.dumps(delta_dict(delta, show_secrets, undeclared), indent=1) + "\n"


# rows shared by the terminal, Markdown and HTML --------------------------------------------


def _fact_rows(delta: Delta) -> list[list[object]]:
    rows: list[list[object]] = []
    for fact in delta.facts:
        fields = "; ".join(f"{f.field}: {f.old or '-'} -> {f.new or '-'}" for f in fact.fields)
        where = fact.location.path or fact.location.chain if fact.location else ""
        rows.append([fact.kind, fact.change.value, fact.item, fields or fact.detail, where])
    return rows


def _component_rows(delta: Delta) -> list[list[object]]:
    rows: list[list[object]] = []
    for c in delta.components:
        fixed = ", ".join(c.fixed[:_FIXED_SHOWN]) + (
            f" (+{len(c.fixed) - _FIXED_SHOWN})" if len(c.fixed) > _FIXED_SHOWN else "")
        rows.append([c.name, c.change, c.old_version or "-", c.new_version or "-",
                     fixed or "-", ", ".join(c.introduced) or "-"])
    return rows


def _vuln_rows(delta: Delta) -> list[list[object]]:
    return [[v.change, v.id, v.component, v.version, v.severity or "", v.cvss_score or ""]
            for v in delta.vulnerabilities]


def _hardening_rows(delta: Delta) -> list[list[object]]:
    return [[h.path, ", ".join(h.lost) or "-", ", ".join(h.gained) or "-"]
            for h in delta.hardening]


def _finding_rows(changes: tuple[FindingChange, ...], show: bool) -> list[list[object]]:
    rows: list[list[object]] = []
    for c in changes:
        f = c.finding
        rows.append([c.change, f.id, f.severity.value, f.title,
                     f.location.path or f.location.chain, shown_message(f, show)])
    return rows


def _file_rows(delta: Delta) -> list[list[object]]:
    return [[f.change.value, f.key, f.kind, f.old_size if f.old_size is not None else "-",
             f.new_size if f.new_size is not None else "-",
             "" if f.distance is None else f.distance, f.similarity]
            for f in delta.files]


def _undeclared_rows(undeclared: list[UndeclaredChange]) -> list[list[object]]:
    return [[u.kind, u.change, u.item, u.message] for u in undeclared]


_SECTIONS = (
    ("Security-relevant facts", ["kind", "change", "item", "detail", "where"], "facts"),
    ("Components", ["component", "change", "old", "new", "fixes", "introduces"], "components"),
    ("Vulnerabilities", ["change", "id", "component", "version", "severity", "cvss"], "vulns"),
    ("Hardening (per binary)", ["path", "lost", "gained"], "hardening"),
    ("Findings", ["change", "id", "severity", "title", "where", "detail"], "findings"),
    ("Files", ["change", "file", "kind", "old size", "new size", "TLSH distance",
               "similarity"], "files"),
)


def _rows(delta: Delta, show: bool) -> dict[str, list[list[object]]]:
    return {"facts": _fact_rows(delta), "components": _component_rows(delta),
            "vulns": _vuln_rows(delta), "hardening": _hardening_rows(delta),
            "findings": _finding_rows(delta.findings, show), "files": _file_rows(delta)}


def _headline(delta: Delta) -> str:
    s = summary(delta)
    return (f"{s['new_findings']} new findings, {s['resolved_findings']} resolved, "
            f"{s['changed_findings']} changed ({s['unchanged_findings']} unchanged); "
            f"{s['fact_changes']} fact changes, {s['component_changes']} component changes, "
            f"{s['new_vulnerabilities']} new / {s['fixed_vulnerabilities']} fixed "
            f"vulnerabilities, {s['hardening_regressions']} hardening regressions; files "
            f"+{s['files_added']} -{s['files_removed']} ~{s['files_changed']}")


# terminal -----------------------------------------------------------------------------------


def print_delta(console: Console, delta: Delta, show_secrets: bool = False,
                undeclared: list[UndeclaredChange] | None = None) -> None:
    console.print(Text(f"{delta.old.name} -> {delta.new.name}", style="bold"))
    console.print(_headline(delta))
    rows = _rows(delta, show_secrets)
    for title, headers, key in _SECTIONS:
        if key == "files" and not delta.files_compared:
            continue
        if not rows[key]:
            continue
        table = Table(title=title, title_justify="left")
        for header in headers:
            table.add_column(header, overflow="fold")
        for row in rows[key][:_SHOWN]:
            table.add_row(*(Text(str(c)) for c in row))
        console.print(table)
        if len(rows[key]) > _SHOWN:
            console.print(f"… {len(rows[key]) - _SHOWN} more in the JSON output")
    if undeclared is not None:
        if undeclared:
            console.print(f"[red]{len(undeclared)} security-relevant changes are not in the "
                          "release notes:[/]")
            for u in undeclared:
                console.print(Text(f"  {u.message}", style="red"))
        else:
            console.print("[green]every security-relevant change is declared[/]")
    for note in delta.notes:
        console.print(Text(f"note: {note}", style="yellow"))


# Markdown and HTML ----------------------------------------------------------------------------


def render_markdown(delta: Delta, show_secrets: bool = False,
                    undeclared: list[UndeclaredChange] | None = None) -> str:
    lines = [f"# spyless diff: {delta.old.name} -> {delta.new.name}", "",
             f"- old: `{delta.old.name}` ({delta.old.size} bytes, sha256 `{delta.old.sha256}`)",
             f"- new: `{delta.new.name}` ({delta.new.size} bytes, sha256 `{delta.new.sha256}`)",
             "", _headline(delta), ""]
    if undeclared is not None:
        lines += ["## Undeclared changes (TR-5)", ""]
        lines += md_table(["kind", "change", "item", "what"], _undeclared_rows(undeclared))
    rows = _rows(delta, show_secrets)
    for title, headers, key in _SECTIONS:
        if key == "files" and not delta.files_compared:
            continue
        lines += [f"## {title}", "", *md_table(headers, rows[key])]
    lines += [f"> note: {note}" for note in delta.notes]
    return "\n".join(lines).rstrip() + "\n"


def render_html(delta: Delta, show_secrets: bool = False,
                undeclared: list[UndeclaredChange] | None = None) -> str:
    parts = [f"<h1>spyless diff: {esc(delta.old.name)} &rarr; {esc(delta.new.name)}</h1>",
             f"<p>old: <code>{esc(delta.old.name)}</code> ({delta.old.size} bytes, sha256 "
             f"<code>{esc(delta.old.sha256)}</code>)<br>new: <code>{esc(delta.new.name)}</code> "
             f"({delta.new.size} bytes, sha256 <code>{esc(delta.new.sha256)}</code>)</p>",
             f"<p>{esc(_headline(delta))}</p>"]
    if undeclared is not None:
        css = "bad" if undeclared else "ok"
        parts += [f"<h2 class='{css}'>Undeclared changes (TR-5): {len(undeclared)}</h2>",
                  html_table(["kind", "change", "item", "what"], _undeclared_rows(undeclared))]
    rows = _rows(delta, show_secrets)
    for title, headers, key in _SECTIONS:
        if key == "files" and not delta.files_compared:
            continue
        parts += [f"<h2>{esc(title)}</h2>", html_table(headers, rows[key])]
    parts += [f"<p class='warn'>note: {esc(note)}</p>" for note in delta.notes]
    return html_page(f"spyless diff {delta.old.name} -> {delta.new.name}", "\n".join(parts))


# SARIF --------------------------------------------------------------------------------------


def render_sarif(delta: Delta, show_secrets: bool = False) -> str:
    """SARIF 2.1.0 with one result per finding that is new in the new image."""
    rules: dict[str, dict[str, Any]] = {}
    results = []
    for change in delta.findings:
        if change.change != "new":
            continue
        finding = change.finding
        rules.setdefault(finding.id, sarif_rule(finding.id, finding.title, finding.remediation,
                                                finding.severity, finding.cwe))
        location = finding.location
        results.append({
            "ruleId": finding.id,
            "level": level(finding.severity),
            "message": {"text": shown_message(finding, show_secrets)},
            "locations": [sarif_location(location, sarif_uri(location.path
                                                             or location.chain))],
            "partialFingerprints": {"spylessFinding/v1": "/".join(
                (finding.id, location.path or location.chain))},
            "baselineState": "new",
            "properties": {"confidence": finding.confidence.value},
        })
    properties = {"old": {"name": delta.old.name, "sha256": delta.old.sha256},
                  "new": {"name": delta.new.name, "sha256": delta.new.sha256}}
    log = sarif_log([rules[k] for k in sorted(rules)], results, properties)
    return json.dumps(log, indent=1) + "\n"
