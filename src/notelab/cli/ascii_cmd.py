"""``notelab ascii``: the table, a look-up of any character, and an explained comparison."""

from __future__ import annotations

import click
from rich.table import Table

from notelab._util import InputError
from notelab.cli._common import emit_json, json_option, stdout_console
from notelab.text import CLASSES, AsciiRow, ascii_table, compare, lookup

COLUMNS = ("dec", "hex", "oct", "bin", "char", "class", "caret")


def _cells(row: AsciiRow) -> list[str]:
    return [str(row.code), row.hex, row.octal, row.binary, row.name, row.char_class, row.caret]


def _print_rows(rows: list[AsciiRow], title: str) -> None:
    table = Table(title=title)
    for name in COLUMNS:
        table.add_column(name)
    for r in rows:
        table.add_row(*_cells(r))
    stdout_console().print(table)


def _lookup(tokens: tuple[str, ...], as_json: bool) -> None:
    results = [lookup(t) for t in tokens]
    if as_json:
        emit_json([r.as_dict() for r in results])
        return
    rows = [r.row for r in results if r.row is not None]
    if rows:
        _print_rows(rows, "ASCII")
    console = stdout_console()
    for r in results:
        if r.row is None:
            console.print(
                f"{r.token!r}: U+{r.code_point:04X} {r.unicode_name or '(no name)'}, "
                f"code point {r.code_point}: not ASCII (ASCII is 0-127)",
                markup=False,
                highlight=False,
            )


def _compare(tokens: tuple[str, ...], as_json: bool) -> None:
    if len(tokens) != 2:
        raise InputError(
            "two strings after compare",
            f"{len(tokens)}",
            "quote strings with spaces: notelab ascii compare 'a b' 'a c'",
        )
    result = compare(*tokens)
    if as_json:
        emit_json(result.as_dict())
        return
    console = stdout_console()
    console.print(
        f"{result.a!r} {result.verdict} {result.b!r}: {result.explanation}",
        markup=False,
        highlight=False,
    )
    for char in result.non_ascii:
        console.print(
            f"note: {char!r} (U+{ord(char):04X}) is outside ASCII; compared by code point",
            markup=False,
            highlight=False,
        )


@click.command("ascii", context_settings={"ignore_unknown_options": False})
@click.argument("tokens", nargs=-1)
@click.option("--class", "char_class", type=click.Choice(CLASSES), help="Only rows of this class.")
@json_option
def ascii_command(tokens: tuple[str, ...], char_class: str | None, as_json: bool) -> None:
    """The ASCII table; look up characters; or compare two strings.

    A single character is itself (7 is the digit, code 55); write 07 or 0x7 for code 7.

    \b
    Examples:
      notelab ascii                         the 128-row table
      notelab ascii --class digit           only the digits
      notelab ascii A 97 0x41 0o101 0b1000001 U+0041 NUL space DEL LF é
      notelab ascii compare Apple apple     'Apple' < 'apple': index 0, 'A' (65) < 'a' (97)
      notelab ascii compare 10 9 --json
    """
    if tokens and tokens[0] == "compare":
        _compare(tokens[1:], as_json)
    elif tokens:
        _lookup(tokens, as_json)
    elif as_json:
        emit_json([r.as_dict() for r in ascii_table(char_class)])
    else:
        _print_rows(ascii_table(char_class), f"ASCII ({char_class or 'all 128 codes'})")
