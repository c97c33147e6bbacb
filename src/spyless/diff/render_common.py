"""What the delta and equivalence renderers share: output formats, escaping for Markdown
and HTML, a plain self-contained HTML page, and the SARIF 2.1.0 envelope.

SARIF follows OASIS SARIF 2.1.0 (``sarifLog`` -> ``runs[].tool.driver`` with ``rules`` and
``results``; a result's ``ruleId``, ``level``, ``message.text`` and ``locations`` with a
``physicalLocation``: ``artifactLocation.uri`` and a ``region`` by ``startLine`` or
``byteOffset``).
"""

from __future__ import annotations

import enum
import html
from typing import Any

from spyless._version import __version__
from spyless.errors import UsageError
from spyless.model.findings import Finding, Location, Severity, mask_secret

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning",
          Severity.LOW: "note", Severity.INFO: "note"}
#: GitHub code scanning reads this property (a CVSS-like 0-10 number) to rank alerts.
_SECURITY_SEVERITY = {Severity.CRITICAL: "9.5", Severity.HIGH: "8.0", Severity.MEDIUM: "5.5",
                      Severity.LOW: "3.0", Severity.INFO: "0.0"}


class OutputFormat(enum.StrEnum):
    """File formats of ``spyless diff`` and ``spyless equivalence`` (terminal is printed)."""

    JSON = "json"
    MARKDOWN = "markdown"
    HTML = "html"
    SARIF = "sarif"

    @property
    def extension(self) -> str:
        return {"json": ".json", "markdown": ".md", "html": ".html", "sarif": ".sarif"}[
            self.value]


def parse_formats(text: str) -> list[OutputFormat]:
    chosen: list[OutputFormat] = []
    for part in text.split(","):
        name = {"md": "markdown"}.get(part.strip().lower(), part.strip().lower())
        if not name:
            continue
        try:
            fmt = OutputFormat(name)
        except ValueError:
            known = ", ".join(f.value for f in OutputFormat)
            raise UsageError(f"unknown format {name!r} (known: {known})") from None
        if fmt not in chosen:
            chosen.append(fmt)
    return chosen


def shown_message(finding: Finding, show_secrets: bool) -> str:
    message = finding.message
    if not show_secrets:
        for evidence in finding.evidence:
            if evidence.secret:
                message = message.replace(evidence.secret, mask_secret(evidence.secret))
    return message


def md(text: object) -> str:
    """Text safe inside a Markdown table cell."""
    return (str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
            .replace("<", "&lt;").replace("`", "\\`"))


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def html_table(headers: list[str], rows: list[list[object]]) -> str:
    if not rows:
        return "<p class='none'>none</p>"
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>"
                   for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def md_table(headers: list[str], rows: list[list[object]]) -> list[str]:
    if not rows:
        return ["none", ""]
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(md(c) for c in row) + " |" for row in rows]
    return [*lines, ""]


def html_page(title: str, body: str) -> str:
    """A self-contained page: inline style, no script, no external resource."""
    style = ("body{font-family:sans-serif;margin:2em;color:#222}"
             "table{border-collapse:collapse;margin:.5em 0 1.5em}"
             "th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;"
             "vertical-align:top;font-size:90%}th{background:#f0f0f0}"
             "code,td{font-family:monospace}.none{color:#777}"
             ".bad{color:#b00;font-weight:bold}.ok{color:#070;font-weight:bold}"
             ".warn{color:#a60;font-weight:bold}")
    return (f"<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<title>{esc(title)}</title><style>{style}</style></head>"
            f"<body>\n{body}\n</body></html>\n")


def sarif_log(rules: list[dict[str, Any]], results: list[dict[str, Any]],
              properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "spyless", "version": __version__, "rules": rules}},
            "results": results,
            "properties": properties,
        }],
    }


def sarif_rule(rule_id: str, title: str, description: str, severity: Severity | None,
               cwe: int | None = None) -> dict[str, Any]:
    rule: dict[str, Any] = {"id": rule_id, "shortDescription": {"text": title},
                            "fullDescription": {"text": description or title}}
    props: dict[str, Any] = {}
    if severity is not None:
        rule["defaultConfiguration"] = {"level": _LEVEL[severity]}
        props["security-severity"] = _SECURITY_SEVERITY[severity]
    if cwe is not None:
        props["tags"] = ["security", f"external/cwe/cwe-{cwe}"]
    if props:
        rule["properties"] = props
    return rule


def sarif_location(location: Location, uri: str) -> dict[str, Any]:
    region: dict[str, Any] = {}
    if location.line:
        region["startLine"] = location.line
    elif location.offset is not None:
        region["byteOffset"] = location.offset
    physical: dict[str, Any] = {"artifactLocation": {"uri": uri}}
    if region:
        physical["region"] = region
    return {"physicalLocation": physical,
            "logicalLocations": [{"fullyQualifiedName": location.chain, "kind": "module"}]}


def sarif_uri(path: str) -> str:
    """A relative URI reference for a path inside the image (percent-encoded)."""
    from urllib.parse import quote  # noqa: PLC0415 - only SARIF output needs it

    return quote(path.lstrip("/"), safe="/@!#+,;=:") or "image"


def level(severity: Severity) -> str:
    return _LEVEL[severity]
