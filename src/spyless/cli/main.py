"""Entry point of the ``spyless`` command: subcommands, and one-line errors.

Subcommands are imported only when run (``LazyGroup``), so ``spyless unpack`` does not pay
for the analyzers and ``spyless --version`` pays for nothing.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from spyless._version import __version__
from spyless.errors import Error

#: name -> "module:attribute" of each subcommand.
COMMANDS: dict[str, str] = {
    "unpack": "spyless.cli.unpack:unpack_command",
    "scan": "spyless.cli.scan:scan_command",
    "explain": "spyless.cli.explain:explain_command",
    "check": "spyless.cli.check:check_command",
    "agreement": "spyless.cli.agreement:agreement_group",
    "traffic": "spyless.cli.traffic:traffic_command",
    "sbom": "spyless.cli.sbom:sbom_command",
    "doctor": "spyless.cli.doctor:doctor",
    "db": "spyless.cli.db:db_group",
    "key": "spyless.cli.key:key_group",
    "attest": "spyless.cli.attest:attest_group",
    "note": "spyless.cli.note:note_group",
    "log": "spyless.cli.log:log_group",
    "verify": "spyless.cli.verify:verify_command",
    "witness": "spyless.cli.witness:witness_group",
    "diff": "spyless.cli.diff:diff_command",
    "equivalence": "spyless.cli.equivalence:equivalence_command",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module, _, attribute = target.partition(":")
        command = getattr(importlib.import_module(module), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{target} is not a click command")
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="spyless")
def cli() -> None:
    """Check network-equipment firmware against a no-spy, no-backdoors agreement."""


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; every failure is one line on stderr and a non-zero exit code."""
    try:
        code = cli.main(args=argv, prog_name="spyless", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("spyless: aborted", err=True)
        return 130
    except click.ClickException as e:
        click.echo(f"spyless: {e.format_message()}", err=True)
        return 2
    except Error as e:
        click.echo(f"spyless: error: {e.diagnostics()}", err=True)
        return 2
    except KeyboardInterrupt:
        click.echo("spyless: interrupted", err=True)
        return 130
    except Exception as e:
        if os.environ.get("SPYLESS_DEBUG"):
            raise
        click.echo(f"spyless: internal error: {type(e).__name__}: {e} "
                   "(set SPYLESS_DEBUG=1 for a traceback)", err=True)
        return 3
    return code if isinstance(code, int) else 0


if __name__ == "__main__":
    sys.exit(main())
