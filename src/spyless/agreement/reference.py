"""docs/agreement.md, generated from the code (standard, schema, specs, coverage) so that
the reference cannot drift from what ``spyless check`` does."""

from __future__ import annotations

from spyless.agreement.coverage import UNAVAILABLE
from spyless.agreement.mappings import STANDARD_NAMES
from spyless.agreement.schema import schema_markdown, top_level_markdown
from spyless.agreement.specs import AGREEMENT_RULES, SPECS
from spyless.agreement.standard import CLAUSES, FAMILY_ROUTES, UNASSIGNED

_INTRO = """\
# The agreement and `spyless check`

Generated from the code by `python -m spyless.docs`; do not edit by hand.

An *agreement* is a TOML file in which a vendor declares what its firmware contains and
does (accounts, services, endpoints, management and telemetry channels, radios and
interfaces, components) and which clauses of the spyless no-spy, no-backdoors standard
are in force. `spyless check` scans an image (or reads a report) and judges it against
the agreement, clause by clause.

    spyless agreement init agreement.toml        # a commented template, every section
    spyless agreement validate agreement.toml    # one line per problem, with line numbers
    spyless agreement clauses                    # the standard's clauses and mappings
    spyless check IMAGE --agreement agreement.toml [--capture lab.pcap] \\
        [--baseline previous-report.json] [-o result.json --format json]
    spyless check --report report.json --agreement agreement.toml

Without `--agreement` the image is judged against the built-in baseline with nothing
declared, so every login account, listening service and endpoint found is undeclared.

## Exit codes

| code | meaning |
|---|---|
| 0 | the image conforms: no clause fails |
| 1 | the image does not conform: at least one clause fails (an expired waiver counts as none) |
| 2 | usage or input error: bad option, unreadable image, report, capture or agreement |

## Statuses

| status | meaning |
|---|---|
| PASS | every required check ran and found nothing that counts. A PASS means no contradicting evidence was found by the checks listed, nothing more. |
| FAIL | at least one item of evidence counts: severity at or above the clause's threshold, confidence at or above its minimum, not declared, not in the baseline, not covered by a valid waiver. A FAIL is evidence that contradicts the clause and that a lab can reproduce. |
| WAIVED | nothing counts, and at least one item is covered by a valid waiver. |
| NOT EVALUATED | nothing counts, but a required check could not run; the reason is given. Never shown as PASS. |
| DECLARATION ONLY | only the vendor's declaration can answer the clause; spyless records declared / not declared. Does not affect conformance. |
| DISABLED | the agreement switched the clause off with a reason; the evaluation is still done and shown ("would be FAIL"). |

Each item of evidence is in one state: `counts`, `waived`, `baseline` (already in the
baseline report), `declared` (the agreement declares what the finding is about),
`below-threshold`, or `context` (shown to explain, never counted).

## Waivers and baselines

A waiver (`[[waivers]]`) names a finding id or agreement rule (`finding`), a clause
(`clause`), or both, optionally an fnmatch pattern on the path inside the image (`path`),
with a `reason`, an `approver` and an `expires` date (the last day it applies). While
valid it turns the evidence it matches into `waived`; once expired it covers nothing, the
evidence counts again (the clause fails) and the waiver is shown as expired.

`--baseline previous-report.json` (a report from `spyless scan -o` or `spyless check -o`)
lets a team see only what is new: findings present in the baseline (same id, same path
inside the image, same excerpt) are marked `baseline` and do not fail clauses; the output
says so. TR-5 compares the two reports' accounts, services, endpoints, keys and
components against `[release_notes]`.

## Output

`--format` takes a comma list of `json`, `sarif`, `html` and `markdown` (renderers are
registered in `spyless/report/formats.py`). With several formats `-o NAME` writes
`NAME.<ext>` for each; the JSON is described by `docs/report.schema.json`. The JSON document is `{"verdict": …, "report": …}`: the report as `spyless scan`
writes it, and the verdict (`schema_version`, `conforms`, `exit_code`, `counts` per
status, `agreement`, `clauses` with text, evidence rule, mappings, settings, status,
summary, checks and evidence items each with its full finding, `waivers` with their
state, `baseline`, `capture`, `unassigned` findings, `notes`). Secrets are masked unless
`--show-secrets`. The terminal view shows the verdict first, then the clause table and
the evidence behind each failure.

## Traffic captures

`--capture lab.pcap` runs the traffic check with the agreement's `[[endpoints]]`,
`[network]` and channel hosts as the allow-list; its findings (SPY520-SPY527) feed NS-2,
NS-3, NB-5 and TR-7. Without a capture NS-2 is NOT EVALUATED.
"""


def clauses_markdown() -> list[str]:
    lines = ["## The clauses (built-in baseline)", "",
             "S: decided from the image; D: from a traffic capture; Decl: from the agreement. "
             "⊕: spyless's evidence stands in directly for the requirement's test; [R]: "
             "recalled, to be confirmed before citing.", ""]
    for clause in CLAUSES:
        lines += [f"### {clause.id}", "", clause.text, "",
                  f"- evidence: {clause.evidence}",
                  f"- maps to: {clause.maps_to}",
                  f"- default threshold: {clause.threshold.value}", "- checks:"]
        for check in clause.checks:
            ids = ", ".join(f"`{i}`" for i in check.ids) or "none yet"
            flags = [f for f, on in (("not required", not check.required),
                                     ("context only", check.context),
                                     (f"excused when the {check.declarable} are declared",
                                      bool(check.declarable)),
                                     (f"tags {', '.join(check.tags)}", bool(check.tags))) if on]
            tail = f" ({'; '.join(flags)})" if flags else ""
            reason = f" — cannot run yet: {UNAVAILABLE[check.source]}" if (
                check.source in UNAVAILABLE) else ""
            lines.append(f"  - {check.name}: source `{check.source}`, reads {ids}{tail}"
                         f"{reason}")
        lines.append("")
    lines += ["### Findings no check names", "",
              "A finding id that no check lists goes to a clause by its family (longest "
              "prefix); a finding tagged `clause:XX-n` also goes to that clause. Not "
              "assigned to any clause: " + ", ".join(sorted(UNASSIGNED)) + ".", "",
              "| id prefix | clause |", "|---|---|"]
    lines += [f"| {prefix} | {clause} |" for prefix, clause, _ in FAMILY_ROUTES]
    lines += ["", "### Standards cited", "", "| abbreviation | standard |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in STANDARD_NAMES.items()]
    return [*lines, ""]


def comparisons_markdown() -> list[str]:
    lines = ["## Declared against found", "",
             "The comparisons between the agreement and the image produce findings like the "
             "analyzers do (they can be waived and baselined):", "",
             "| id | severity | title |", "|---|---|---|"]
    lines += [f"| {s.id} | {s.severity.value} | {s.title} |" for s in SPECS]
    lines += ["", "Evidence taken from the agreement itself:", "", "| rule | severity | "
              "title |", "|---|---|---|"]
    lines += [f"| `{rule}` | {severity.value} | {title} |"
              for rule, (title, severity) in AGREEMENT_RULES.items()]
    return [*lines, ""]


def agreement_markdown() -> str:
    lines = [_INTRO, *clauses_markdown(), *comparisons_markdown(),
             "## Top-level keys", "", *top_level_markdown(), ""]
    return "\n".join(lines) + schema_markdown()
