"""Documentation generated from the code, so that it cannot drift (checked by the tests)."""

from __future__ import annotations

from spyless.analyzers.registry import (
    builtin_file_analyzers,
    builtin_image_analyzers,
    other_specs,
)
from spyless.attest.predicate import predicate_json_schema
from spyless.unpack.registry import builtin_handlers


def formats_markdown() -> str:
    """The table of supported formats, from the handlers' own metadata."""
    lines = [
        "# Formats spyless unpacks",
        "",
        "Generated from the handlers by `python -m spyless.docs`; do not edit by hand.",
        "Every format is found at any offset inside a blob (carving) unless marked, and",
        "unpacked recursively.",
        "",
        "| handler | category | magic (hex @ offset in chunk) | what |",
        "|---|---|---|---|",
    ]
    for handler in sorted(builtin_handlers(), key=lambda h: (h.category.value, h.name)):
        magics = ", ".join(f"`{m.pattern.hex()}`@{m.offset}" for m in handler.magics[:4])
        if len(handler.magics) > 4:
            magics += f" (+{len(handler.magics) - 4})"
        if not getattr(handler, "carve_anywhere", True):
            magics += " (start of file only)"
        lines.append(f"| {handler.name} | {handler.category.value} | {magics} | "
                     f"{handler.description} |")
    return "\n".join(lines) + "\n"


def findings_markdown() -> str:
    """The finding catalogue and the analyzers that emit each id, from the code."""
    analyzers = (*builtin_file_analyzers(), *builtin_image_analyzers())
    lines = [
        "# Finding catalogue",
        "",
        "Generated from the analyzers by `python -m spyless.docs`; do not edit by hand.",
        "`spyless explain ID` prints one entry.",
        "",
    ]
    owners = {spec.id: (spec, a.name) for a in analyzers for spec in a.findings}
    owners.update({spec.id: (spec, source) for source, spec in other_specs()})
    for finding_id, (spec, source) in sorted(owners.items()):
        cwe = f"[CWE-{spec.cwe}](https://cwe.mitre.org/data/definitions/{spec.cwe}.html)" if (
            spec.cwe) else "none"
        lines += [
            f"## {finding_id}: {spec.title}",
            "",
            f"- default severity: {spec.severity.value}; CWE: {cwe}; from: `{source}`",
            "",
            spec.description,
            "",
            f"**How to fix:** {spec.remediation}",
            "",
        ]
        lines += [f"- {ref}" for ref in spec.references]
        if spec.references:
            lines.append("")
    lines += ["# Analyzers", "", "| analyzer | kind | findings | what |", "|---|---|---|---|"]
    for analyzer in analyzers:
        kind = "file" if hasattr(analyzer, "kinds") else "image"
        ids = ", ".join(s.id for s in analyzer.findings)
        lines.append(f"| {analyzer.name} | {kind} | {ids} | {analyzer.description} |")
    return "\n".join(lines) + "\n"


def report_schema() -> str:
    """The JSON Schema of the report and verdict JSON, from the model."""
    from spyless.report.schema import report_json_schema  # noqa: PLC0415

    return report_json_schema()


def agreement_markdown() -> str:
    """The agreement file reference, the clauses and `spyless check`, from the code."""
    from spyless.agreement.reference import agreement_markdown as render  # noqa: PLC0415

    return render()


GENERATED = {"docs/formats.md": formats_markdown, "docs/findings.md": findings_markdown,
             "docs/attestation-predicate.schema.json": predicate_json_schema,
             "docs/agreement.md": agreement_markdown,
             "docs/report.schema.json": report_schema}


if __name__ == "__main__":
    from pathlib import Path

    for name, render in GENERATED.items():
        Path(name).write_text(render(), encoding="utf-8")
