"""Output formats of ``spyless check`` (and later ``scan``): a ``str`` enum and a registry.

Each format renders ``(Report, Verdict | None, RenderOptions) -> str``; ``--format`` takes
a comma list and the CLI writes one file per format. A renderer module adds itself by an
entry in :data:`RENDERERS` (one place, no registration at import time).
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from spyless.errors import UsageError
from spyless.report.json_format import report_dict
from spyless.report.model import Report

if TYPE_CHECKING:
    from spyless.agreement.interface import Verdict


class Format(enum.StrEnum):
    JSON = "json"
    SARIF = "sarif"
    HTML = "html"
    MARKDOWN = "markdown"


@dataclass(frozen=True, slots=True)
class RenderOptions:
    show_secrets: bool = False


Renderer = Callable[[Report, "Verdict | None", RenderOptions], str]


@dataclass(frozen=True, slots=True)
class OutputFormat:
    format: Format
    extension: str  # ".json"
    description: str
    render: Renderer


def render_json_document(report: Report, verdict: Verdict | None,
                         options: RenderOptions) -> str:
    """``{"verdict": …, "report": …}``; the report alone when there is no verdict."""
    data = report_dict(report, options.show_secrets)
    if verdict is not None:
        from spyless.agreement.jsonout import verdict_dict  # noqa: PLC0415 - avoids a cycle

        data = {"verdict": verdict_dict(verdict, options.show_secrets), "report": data}
    return json.dumps(data, indent=1) + "\n"


# The renderers below import their modules when called: `spyless --help` stays fast, and
# the verdict types they need are loaded by then.


def render_sarif(report: Report, verdict: Verdict | None, options: RenderOptions) -> str:
    from spyless.report.sarif import render_sarif as render  # noqa: PLC0415

    return render(report, verdict, options)


def render_html(report: Report, verdict: Verdict | None, options: RenderOptions) -> str:
    from spyless.report.html import render_html as render  # noqa: PLC0415

    return render(report, verdict, options)


def render_markdown(report: Report, verdict: Verdict | None, options: RenderOptions) -> str:
    from spyless.report.markdown import render_markdown as render  # noqa: PLC0415

    return render(report, verdict, options)


RENDERERS: dict[Format, OutputFormat] = {
    Format.JSON: OutputFormat(Format.JSON, ".json", "the verdict and the full report "
                              "(schema: docs/report.schema.json)", render_json_document),
    Format.SARIF: OutputFormat(Format.SARIF, ".sarif", "SARIF 2.1.0 for code-scanning "
                               "dashboards", render_sarif),
    Format.HTML: OutputFormat(Format.HTML, ".html", "one self-contained HTML page for "
                              "evaluators", render_html),
    Format.MARKDOWN: OutputFormat(Format.MARKDOWN, ".md", "Markdown for tickets and release "
                                  "notes", render_markdown),
}


_ALIASES = {"md": "markdown"}


def parse_formats(text: str) -> list[Format]:
    """``"json,sarif"`` -> formats, in order, without repeats; UsageError for unknown ones."""
    chosen: list[Format] = []
    for name in (_ALIASES.get(n, n) for n in (p.strip().lower() for p in text.split(","))):
        if not name:
            continue
        try:
            fmt = Format(name)
        except ValueError:
            known = ", ".join(f.value for f in RENDERERS)
            raise UsageError(f"unknown format {name!r} (known: {known})") from None
        if fmt not in RENDERERS:
            raise UsageError(f"format {name!r} has no renderer in this build")
        if fmt not in chosen:
            chosen.append(fmt)
    if not chosen:
        raise UsageError("--format needs at least one format")
    return chosen


def output_paths(output: Path, formats: list[Format]) -> dict[Format, Path]:
    """One format: ``output`` as given. Several: ``output`` with each format's extension
    (a known extension on ``output`` is replaced)."""
    if len(formats) == 1:
        return {formats[0]: output}
    known = {r.extension for r in RENDERERS.values()}
    stem = output.with_suffix("") if output.suffix in known else output
    return {f: stem.with_name(stem.name + RENDERERS[f].extension) for f in formats}
