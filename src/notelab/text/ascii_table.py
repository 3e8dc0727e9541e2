"""The 128-row ASCII table: codes in every base, names, classes and caret notation."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from notelab._util import InputError

CONTROL_NAMES = (
    "NUL SOH STX ETX EOT ENQ ACK BEL BS HT LF VT FF CR SO SI "
    "DLE DC1 DC2 DC3 DC4 NAK SYN ETB CAN EM SUB ESC FS GS RS US"
).split()
CLASSES = ("control", "space", "digit", "upper", "lower", "punctuation")
DEL = 127
SPACE = 32


def char_class(code: int) -> str:
    """The class of an ASCII code: control, space, digit, upper, lower or punctuation.

    Examples
    --------
    >>> [char_class(c) for c in (0, 32, 55, 65, 97, 33, 127)]
    ['control', 'space', 'digit', 'upper', 'lower', 'punctuation', 'control']
    """
    if not 0 <= code <= DEL:
        raise ValueError(f"expected an ASCII code 0-127, got {code}")
    if code < SPACE or code == DEL:
        return "control"
    if code == SPACE:
        return "space"
    char = chr(code)
    if char.isdigit():
        return "digit"
    if char.isupper():
        return "upper"
    if char.islower():
        return "lower"
    return "punctuation"


def abbreviation(code: int) -> str:
    """The printable form: the character, SP for space, or the control's abbreviation."""
    if code < SPACE:
        return CONTROL_NAMES[code]
    if code == SPACE:
        return "SP"
    if code == DEL:
        return "DEL"
    return chr(code)


def caret(code: int) -> str:
    """Caret notation of a control character (``^@`` for NUL, ``^?`` for DEL), else ''."""
    if code < SPACE or code == DEL:
        return "^" + chr(code ^ 0x40)
    return ""


@dataclass(frozen=True)
class AsciiRow:
    """One row of the ASCII table."""

    code: int
    hex: str
    octal: str
    binary: str
    char: str
    name: str
    char_class: str
    caret: str

    def as_dict(self) -> dict[str, object]:
        """The row as a plain dict (for JSON)."""
        return asdict(self)


def row(code: int) -> AsciiRow:
    """The table row of one ASCII code.

    Examples
    --------
    >>> row(65).binary, row(10).name, row(10).caret
    ('0b1000001', 'LF', '^J')
    """
    return AsciiRow(
        code=code,
        hex=f"0x{code:02X}",
        octal=f"0o{code:03o}",
        binary=f"0b{code:07b}",
        char=chr(code),
        name=abbreviation(code),
        char_class=char_class(code),
        caret=caret(code),
    )


def ascii_table(char_class_filter: str | None = None) -> list[AsciiRow]:
    """All 128 rows, or only those of one class.

    Examples
    --------
    >>> len(ascii_table()), len(ascii_table("digit"))
    (128, 10)
    """
    if char_class_filter is not None and char_class_filter not in CLASSES:
        raise InputError(f"a class from {', '.join(CLASSES)}", repr(char_class_filter))
    rows = [row(code) for code in range(DEL + 1)]
    if char_class_filter is None:
        return rows
    return [r for r in rows if r.char_class == char_class_filter]


def class_ranges() -> dict[str, list[tuple[int, int]]]:
    """Each class as contiguous (first, last) code ranges, read off the table."""
    ranges: dict[str, list[tuple[int, int]]] = {name: [] for name in CLASSES}
    for r in ascii_table():
        spans = ranges[r.char_class]
        if spans and spans[-1][1] == r.code - 1:
            spans[-1] = (spans[-1][0], r.code)
        else:
            spans.append((r.code, r.code))
    return ranges
