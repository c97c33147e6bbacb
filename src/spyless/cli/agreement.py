"""``spyless agreement init|validate|clauses``: write, check and read agreement files."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from spyless.agreement import CLAUSES, AgreementError, load_agreement
from spyless.agreement.template import template_text
from spyless.errors import InputError, UsageError


@click.group("agreement")
def agreement_group() -> None:
    """Write, check and read agreement files (docs/agreement.md)."""


@agreement_group.command("init")
@click.argument("file", required=False, default="agreement.toml",
                type=click.Path(path_type=Path, dir_okay=False))
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init_command(file: Path, force: bool) -> int:
    """Write a commented agreement template to FILE (default agreement.toml; '-' for
    stdout) with every section and an example of each."""
    text = template_text()
    if str(file) == "-":
        sys.stdout.write(text)
        return 0
    if file.exists() and not force:
        raise UsageError(f"{file} exists; use --force to overwrite it")
    try:
        file.write_text(text, encoding="utf-8")
    except OSError as e:
        raise InputError(f"{file}: cannot write: {e.strerror or e}") from e
    click.echo(f"wrote {file}: edit it, then run `spyless agreement validate {file}`")
    return 0


@agreement_group.command("validate")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
def validate_command(file: Path) -> int:
    """Check FILE: one line per problem (FILE:LINE: key: message).

    Exit code 0 when the agreement is valid, 2 when it has problems or cannot be read.
    """
    try:
        agreement = load_agreement(file)
    except AgreementError as e:
        for line in e.lines():
            click.echo(line, err=True)
        click.echo(f"{file}: {len(e.problems)} problem(s)", err=True)
        return 2
    d = agreement.declarations
    off = [c for c, s in agreement.clauses.items() if not s.enabled]
    in_force = len(CLAUSES) if agreement.extends == "baseline" else len(agreement.clauses)
    click.echo(f"{file}: valid (schema {agreement.schema_version}, extends "
               f"{agreement.extends}): {in_force - len(off)} clauses in force"
               + (f", switched off: {', '.join(off)}" if off else "")
               + f"; {len(d.accounts)} accounts, {len(d.services)} services, "
               f"{len(d.endpoints)} endpoints, {len(d.channels)} channels, "
               f"{len(agreement.waivers)} waivers declared")
    return 0


@agreement_group.command("clauses")
def clauses_command() -> int:
    """List the clauses of the built-in standard with their evidence and mappings."""
    table = Table(title="spyless baseline standard", title_justify="left", show_lines=True)
    for column in ("id", "clause", "evidence", "maps to"):
        table.add_column(column, overflow="fold")
    for clause in CLAUSES:
        table.add_row(clause.id, escape(clause.text.replace("**", "")),
                      escape(clause.evidence), escape(clause.maps_to))
    Console().print(table)
    return 0
