"""Entry point of the ``spyless`` command: subcommands, and one-line errors."""

from __future__ import annotations

import os
import sys

import click

from spyless._version import __version__
from spyless.cli.doctor import doctor
from spyless.cli.explain import explain_command
from spyless.cli.scan import scan_command
from spyless.cli.unpack import unpack_command
from spyless.errors import Error


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="spyless")
def cli() -> None:
    """Check network-equipment firmware against a no-spy, no-backdoors agreement."""


cli.add_command(unpack_command)
cli.add_command(scan_command)
cli.add_command(explain_command)
cli.add_command(doctor)


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
