"""An equivalence result in every output format: terminal (rich), JSON, Markdown, HTML and
SARIF (one result per pair that is not equivalent: differing, or on one side only).

Every benign difference is shown with its rule, offset and both sides' bytes, so a reader
can check each excuse; genuine differences show their first regions and ELF sections.
"""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from spyless.diff.interface import (
    RULE_DESCRIPTIONS,
    EquivalenceResult,
    EquivalenceVerdict,
    PairResult,
    PairStatus,
)
from spyless.diff.render_common import (
    esc,
    html_page,
    html_table,
    md_table,
    sarif_log,
    sarif_rule,
    sarif_uri,
)
from spyless.model.findings import Severity
from spyless.report.json_format import to_jsonable

_SHOWN = 40
_VERDICT_TEXT = {
    EquivalenceVerdict.EQUIVALENT: "equivalent: no difference",
    EquivalenceVerdict.EQUIVALENT_MODULO_BENIGN: "equivalent modulo the benign differences "
                                                 "listed",
    EquivalenceVerdict.NOT_EQUIVALENT: "NOT equivalent",
}
_STYLE = {EquivalenceVerdict.EQUIVALENT: "green",
          EquivalenceVerdict.EQUIVALENT_MODULO_BENIGN: "yellow",
          EquivalenceVerdict.NOT_EQUIVALENT: "bold red"}
_NOT_OK = (PairStatus.DIFFERENT, PairStatus.ONLY_BUILT, PairStatus.ONLY_DEPLOYED)


def equivalence_dict(result: EquivalenceResult) -> dict[str, Any]:
    data: dict[str, Any] = to_jsonable(result)
    data["exit_code"] = result.exit_code
    data["counts"] = {k.value: v for k, v in result.counts().items()}
    data["rules_used"] = {k.value: v for k, v in result.rules_used().items()}
    data["rules"] = {k.value: v for k, v in RULE_DESCRIPTIONS.items()}
    # identical pairs carry nothing worth reading: counted, not listed
    data["pairs"] = [p for p, pair in zip(data["pairs"], result.pairs, strict=True)
                     if pair.status is not PairStatus.IDENTICAL]
    order = ["schema_version", "built", "deployed", "verdict", "exit_code", "counts",
             "rules_used", "rules", "pairs", "notes", "seconds"]
    return {key: data[key] for key in order}


def render_json(result: EquivalenceResult) -> str:
    return json.dumps(equivalence_dict(result), indent=1) + "\n"


def _where(pair: PairResult) -> str:
    return pair.key or "(the image file)"


def _benign_rows(result: EquivalenceResult) -> list[list[object]]:
    rows: list[list[object]] = []
    for pair in result.with_status(PairStatus.BENIGN, PairStatus.DIFFERENT):
        for n in pair.normalisations:
            moved = "" if n.deployed_offset is None else f" (0x{n.deployed_offset:x} deployed)"
            rows.append([_where(pair), n.rule.value, f"0x{n.offset:x}{moved}", n.length,
                         n.built, n.deployed, n.detail])
        if pair.more_normalisations:
            rows.append([_where(pair), "…", "", "", "", "",
                         f"{pair.more_normalisations} more not listed"])
    return rows


def _different_rows(result: EquivalenceResult) -> list[list[object]]:
    rows: list[list[object]] = []
    for pair in result.with_status(*_NOT_OK):
        if pair.status is not PairStatus.DIFFERENT:
            where = "only in the build" if pair.status is PairStatus.ONLY_BUILT else (
                "only when deployed")
            rows.append([_where(pair), pair.status.value, pair.kind, where, "", "", ""])
            continue
        why = "; ".join(pair.reasons)
        if pair.sections:
            why += ("; " if why else "") + "ELF sections that differ: " + ", ".join(pair.sections)
        rows.append([_where(pair), "different", pair.kind, why, "", "", ""])
        for r in pair.regions:
            size = f"{r.length}" + ("" if r.deployed_length is None else f"/{r.deployed_length}")
            rows.append(["", f"0x{r.offset:x}", size, r.section or "",
                         f"{r.built_hex} |{r.built_text}|",
                         f"{r.deployed_hex} |{r.deployed_text}|", ""])
        if pair.more_regions:
            rows.append(["", "…", "", "", f"{pair.more_regions} more regions", "", ""])
    return rows


_BENIGN_HEADERS = ["file", "rule", "offset", "bytes", "built", "deployed", "detail"]
_DIFFERENT_HEADERS = ["file", "status / offset", "kind / length", "why / section", "built",
                      "deployed", ""]


def _headline(result: EquivalenceResult) -> str:
    counts = result.counts()
    return (f"{_VERDICT_TEXT[result.verdict]} (exit {result.exit_code}): "
            f"{counts[PairStatus.IDENTICAL]} identical, {counts[PairStatus.BENIGN]} benign, "
            f"{counts[PairStatus.DIFFERENT]} different, {counts[PairStatus.ONLY_BUILT]} only "
            f"in the build, {counts[PairStatus.ONLY_DEPLOYED]} only when deployed")


def _rules_line(result: EquivalenceResult) -> str:
    used = result.rules_used()
    return ", ".join(f"{r.value} ({n} files)" for r, n in used.items()) or "none"


def _benign_by_file(result: EquivalenceResult) -> list[list[object]]:
    """One row per file for the terminal: its rules and the first excused difference."""
    rows: list[list[object]] = []
    for pair in result.with_status(PairStatus.BENIGN):
        counts: dict[str, int] = {}
        for n in pair.normalisations:
            counts[n.rule.value] = counts.get(n.rule.value, 0) + 1
        rules = ", ".join(f"{r} x{c}" if c > 1 else r for r, c in counts.items())
        first = pair.normalisations[0] if pair.normalisations else None
        example = "" if first is None else (
            f"0x{first.offset:x} {first.built} -> {first.deployed}"
            + (f" ({first.detail})" if first.detail else ""))
        rows.append([_where(pair), rules, example])
    return rows


def print_equivalence(console: Console, result: EquivalenceResult,
                      seconds: float | None = None) -> None:
    console.print(f"built [bold]{escape(result.built.name)}[/] sha256 {result.built.sha256}")
    console.print(f"deployed [bold]{escape(result.deployed.name)}[/] sha256 "
                  f"{result.deployed.sha256}")
    console.print(f"[{_STYLE[result.verdict]}]{_headline(result)}[/]")
    console.print(f"benign rules used: {_rules_line(result)}")
    for title, headers, rows in (("Not equivalent", _DIFFERENT_HEADERS,
                                  _different_rows(result)),
                                 ("Benign differences (every byte in the JSON, Markdown and "
                                  "HTML output)", ["file", "rules", "first difference"],
                                  _benign_by_file(result))):
        if not rows:
            continue
        table = Table(title=title, title_justify="left")
        for header in headers:
            table.add_column(header, overflow="fold")
        for row in rows[:_SHOWN]:
            table.add_row(*(Text(str(c)) for c in row))
        console.print(table)
        if len(rows) > _SHOWN:
            console.print(f"… {len(rows) - _SHOWN} more rows in the JSON output")
    for note in result.notes:
        console.print(Text(f"note: {note}", style="yellow"))
    console.print(f"done in {result.seconds if seconds is None else seconds:.2f} s")


def render_markdown(result: EquivalenceResult) -> str:
    lines = [f"# spyless equivalence: {result.built.name} vs {result.deployed.name}", "",
             f"- built: `{result.built.name}` ({result.built.size} bytes, sha256 "
             f"`{result.built.sha256}`)",
             f"- deployed: `{result.deployed.name}` ({result.deployed.size} bytes, sha256 "
             f"`{result.deployed.sha256}`)", "",
             f"**Verdict: {_headline(result)}**", "",
             f"Benign rules used: {_rules_line(result)}", "", "## Not equivalent", ""]
    lines += md_table(_DIFFERENT_HEADERS, _different_rows(result))
    lines += ["## Benign differences", "", *md_table(_BENIGN_HEADERS, _benign_rows(result))]
    lines += ["## Rules", "", *md_table(["rule", "what it excuses"],
                                        [[r.value, d] for r, d in RULE_DESCRIPTIONS.items()])]
    lines += [f"> note: {note}" for note in result.notes]
    return "\n".join(lines).rstrip() + "\n"


def render_html(result: EquivalenceResult) -> str:
    css = {EquivalenceVerdict.EQUIVALENT: "ok", EquivalenceVerdict.EQUIVALENT_MODULO_BENIGN:
           "warn", EquivalenceVerdict.NOT_EQUIVALENT: "bad"}[result.verdict]
    parts = [f"<h1>spyless equivalence: {esc(result.built.name)} vs "
             f"{esc(result.deployed.name)}</h1>",
             f"<p>built: <code>{esc(result.built.name)}</code> sha256 "
             f"<code>{esc(result.built.sha256)}</code><br>deployed: "
             f"<code>{esc(result.deployed.name)}</code> sha256 "
             f"<code>{esc(result.deployed.sha256)}</code></p>",
             f"<p class='{css}'>{esc(_headline(result))}</p>",
             f"<p>Benign rules used: {esc(_rules_line(result))}</p>",
             "<h2>Not equivalent</h2>", html_table(_DIFFERENT_HEADERS, _different_rows(result)),
             "<h2>Benign differences</h2>", html_table(_BENIGN_HEADERS, _benign_rows(result)),
             "<h2>Rules</h2>", html_table(["rule", "what it excuses"],
                                          [[r.value, d] for r, d in RULE_DESCRIPTIONS.items()])]
    parts += [f"<p class='warn'>note: {esc(note)}</p>" for note in result.notes]
    return html_page(f"spyless equivalence {result.built.name}", "\n".join(parts))


_SARIF_RULES = {
    PairStatus.DIFFERENT: ("equivalence/different", "File differs from the evaluated build",
                           "The deployed file differs from the built one beyond timestamps, "
                           "build ids, build paths, checksums, padding and signatures."),
    PairStatus.ONLY_BUILT: ("equivalence/only-built", "File of the build missing when deployed",
                            "A file of the evaluated build is not in the deployed image."),
    PairStatus.ONLY_DEPLOYED: ("equivalence/only-deployed", "File not in the evaluated build",
                               "The deployed image holds a file the evaluated build does not."),
}


def render_sarif(result: EquivalenceResult) -> str:
    results = []
    used: dict[str, dict[str, Any]] = {}
    for pair in result.with_status(*_NOT_OK):
        rule_id, title, description = _SARIF_RULES[pair.status]
        used.setdefault(rule_id, sarif_rule(rule_id, title, description, Severity.HIGH))
        why = "; ".join(pair.reasons) or title
        if pair.sections:
            why += f" (ELF sections: {', '.join(pair.sections)})"
        chain = pair.deployed_chain or pair.built_chain or pair.key
        region = {"byteOffset": pair.regions[0].offset} if pair.regions else None
        physical: dict[str, Any] = {"artifactLocation": {"uri": sarif_uri(pair.key)}}
        if region:
            physical["region"] = region
        results.append({
            "ruleId": rule_id, "level": "error",
            "message": {"text": f"{_where(pair)}: {why}"},
            "locations": [{"physicalLocation": physical, "logicalLocations": [
                {"fullyQualifiedName": chain, "kind": "module"}]}],
        })
    properties = {"verdict": result.verdict.value, "exit_code": result.exit_code,
                  "built": {"name": result.built.name, "sha256": result.built.sha256},
                  "deployed": {"name": result.deployed.name, "sha256": result.deployed.sha256}}
    return json.dumps(sarif_log([used[k] for k in sorted(used)], results, properties),
                      indent=1) + "\n"
