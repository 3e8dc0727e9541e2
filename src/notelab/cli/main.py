"""Entry point: the command group, and the one place errors become exit codes."""

from __future__ import annotations

import sys
import traceback

import click

from notelab import __version__
from notelab._util import InputError
from notelab.cli.ascii_cmd import ascii_command
from notelab.cli.batch_size_cmd import batch_size_command
from notelab.cli.dedup_cmd import dedup_group, similarity_command
from notelab.cli.gmm_cmd import gmm_group
from notelab.cli.report_cmd import report_command
from notelab.cli.steps_cmd import steps_command

EXIT_RUNTIME, EXIT_USAGE = 1, 2


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="notelab")
@click.option("--debug", is_flag=True, help="Show the full traceback on errors.")
def cli(debug: bool) -> None:
    """Ten computer-engineering notes as tools and measured findings.

    \b
    Examples:
      notelab report --notes 6,10          run findings, write ./notelab-report/index.html
      notelab ascii compare Apple apple    why "Apple" < "apple"
      notelab steps --samples 1000 --batch-size 100 --epochs 5
    """


cli.add_command(report_command)
cli.add_command(ascii_command)
cli.add_command(steps_command)
cli.add_command(dedup_group)
cli.add_command(similarity_command)
cli.add_command(gmm_group)
cli.add_command(batch_size_command)


def main(argv: list[str] | None = None) -> None:
    """Run the command line; bad input exits 2, failures at run time exit 1."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        code = cli.main(args=args, prog_name="notelab", standalone_mode=False)
    except InputError as error:
        _fail(f"error: {error}", EXIT_USAGE, debug)
    except click.exceptions.Abort:
        _fail("aborted", EXIT_RUNTIME, debug)
    except click.ClickException as error:
        error.show()
        sys.exit(EXIT_USAGE)
    except (KeyboardInterrupt, BrokenPipeError):
        sys.exit(EXIT_RUNTIME)
    except Exception as error:  # the one place run-time failures become exit 1
        _fail(f"error: {type(error).__name__}: {error}", EXIT_RUNTIME, debug)
    sys.exit(code if isinstance(code, int) else 0)


def _fail(message: str, code: int, debug: bool) -> None:
    if debug:
        traceback.print_exc()
    click.echo(message, err=True)
    sys.exit(code)
