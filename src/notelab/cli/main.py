"""Entry point: the command group, and the one place errors become exit codes."""

from __future__ import annotations

import importlib
import sys
import traceback

import click

from notelab import __version__
from notelab._util import InputError
from notelab._util.extras import as_missing_extra

# command -> (module, attribute, one-line help): a command's module (and its heavy imports:
# torch, numba, dask) loads only when that command runs, so `notelab ascii` starts fast.
COMMANDS = {
    "report": ("notelab.cli.report_cmd", "report_command", "Run the findings; write the report."),
    "ascii": ("notelab.cli.ascii_cmd", "ascii_command", "ASCII table, look-up, comparison."),
    "steps": ("notelab.cli.steps_cmd", "steps_command", "Epoch, batch and step arithmetic."),
    "dedup": ("notelab.cli.dedup_cmd", "dedup_group", "Near-duplicate detection (MinHash+LSH)."),
    "similarity": ("notelab.cli.similarity_cmd", "similarity_command", "Jaccard of two texts."),
    "gmm": ("notelab.cli.gmm_cmd", "gmm_group", "Gaussian mixtures by EM."),
    "classify": (
        "notelab.cli.classify_cmd",
        "classify_group",
        "Compare classifiers, pros and cons.",
    ),
    "norm": ("notelab.cli.norm_cmd", "norm_group", "Batch, layer, group and RMS normalisation."),
    "seq": ("notelab.cli.seq_cmd", "seq_group", "Sequence training: teacher forcing, schedules."),
    "semi": ("notelab.cli.semi_cmd", "semi_group", "Semi- and self-supervised learning."),
    "batch-size": (
        "notelab.cli.batch_size_cmd",
        "batch_size_command",
        "Batch-size profiler for PyTorch.",
    ),
}


class Interrupted(Exception):
    """Ctrl-C inside a command, carried past click (which would print a blank line)."""


class LazyGroup(click.Group):
    """A group whose commands are imported on first use."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt as error:
            raise Interrupted from error

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, attribute, _ = COMMANDS[name]
        command: click.Command = getattr(importlib.import_module(module), attribute)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, text) for name, (_, _, text) in COMMANDS.items()])


EXIT_RUNTIME, EXIT_USAGE, EXIT_INTERRUPTED = 1, 2, 130
INTERRUPTED = "interrupted (Ctrl-C); outputs not yet complete were not written"


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
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


def main(argv: list[str] | None = None) -> None:
    """Run the command line; bad input exits 2, failures at run time exit 1."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        code = cli.main(args=args, prog_name="notelab", standalone_mode=False)
    except Interrupted:
        _fail(INTERRUPTED, EXIT_INTERRUPTED, debug)
    except InputError as error:
        _fail(f"error: {error}", EXIT_USAGE, debug)
    except ModuleNotFoundError as error:
        missing = as_missing_extra(error, f"notelab {args[0] if args else ''}".strip())
        if missing is None:
            _fail(f"error: {type(error).__name__}: {error}", EXIT_RUNTIME, debug)
        _fail(f"error: {missing}", EXIT_USAGE, debug)
    except click.exceptions.Abort as error:
        if isinstance(error.__context__, KeyboardInterrupt):
            _fail(INTERRUPTED, EXIT_INTERRUPTED, debug)
        _fail("aborted", EXIT_RUNTIME, debug)
    except click.ClickException as error:
        error.show()
        sys.exit(EXIT_USAGE)
    except KeyboardInterrupt:
        _fail(INTERRUPTED, EXIT_INTERRUPTED, debug)
    except BrokenPipeError:
        sys.exit(EXIT_RUNTIME)
    except Exception as error:  # the one place run-time failures become exit 1
        _fail(f"error: {type(error).__name__}: {error}", EXIT_RUNTIME, debug)
    sys.exit(code if isinstance(code, int) else 0)


def _fail(message: str, code: int, debug: bool) -> None:
    if debug:
        traceback.print_exc()
    click.echo(message, err=True)
    sys.exit(code)
