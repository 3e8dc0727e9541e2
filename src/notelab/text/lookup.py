"""Parse a look-up token (a character, a code in any base, U+XXXX or a name) into a code point."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from notelab._util import InputError
from notelab.text.ascii_table import CONTROL_NAMES, DEL, AsciiRow, row

MAX_CODE_POINT = 0x10FFFF
_NAMES = {name: code for code, name in enumerate(CONTROL_NAMES)}
_NAMES.update({"DEL": DEL, "SP": 32, "SPACE": 32, "NULL": 0, "TAB": 9, "NEWLINE": 10})
_BASES = {"0x": 16, "0o": 8, "0b": 2}
_UPLUS = re.compile(r"^[uU]\+([0-9a-fA-F]{1,6})$")
_HELP = "a character, a decimal code (65), 0x41, 0o101, 0b1000001, U+0041 or a name (NUL, space)"


@dataclass(frozen=True)
class LookupResult:
    """What a token names: its code point, its ASCII row if ASCII, else its Unicode name."""

    token: str
    code_point: int
    is_ascii: bool
    row: AsciiRow | None
    unicode_name: str

    def as_dict(self) -> dict[str, object]:
        """Plain dict for JSON output."""
        return {
            "token": self.token,
            "code_point": self.code_point,
            "u_plus": f"U+{self.code_point:04X}",
            "is_ascii": self.is_ascii,
            "row": self.row.as_dict() if self.row else None,
            "unicode_name": self.unicode_name,
        }


def parse_code_point(token: str) -> int:
    """The code point a token names.

    A single character is itself (so ``7`` is the digit seven, code 55; write ``07`` or
    ``0x7`` for code 7). Longer tokens are decimal codes, ``0x``/``0o``/``0b`` literals,
    ``U+XXXX``, ASCII names (case-insensitive) or Unicode character names.

    Examples
    --------
    >>> [parse_code_point(t) for t in ("A", "65", "0x41", "0o101", "0b1000001", "U+0041")]
    [65, 65, 65, 65, 65, 65]
    >>> parse_code_point("nul"), parse_code_point("space"), parse_code_point("7")
    (0, 32, 55)
    """
    if len(token) == 1:
        return ord(token)
    code = _parse_number(token)
    if code is None:
        code = _parse_name(token)
    if not 0 <= code <= MAX_CODE_POINT:
        raise InputError(f"a code point 0..{MAX_CODE_POINT}", repr(token), f"pass {_HELP}")
    return code


def _parse_number(token: str) -> int | None:
    text = token.strip()
    if text.isascii() and text.isdigit():
        return int(text)
    match = _UPLUS.match(text)
    if match:
        return int(match.group(1), 16)
    prefix = text[:2].lower()
    if prefix in _BASES:
        try:
            return int(text[2:], _BASES[prefix])
        except ValueError:
            raise InputError(
                f"a base-{_BASES[prefix]} number", repr(token), f"pass {_HELP}"
            ) from None
    return None


def _parse_name(token: str) -> int:
    name = token.strip().upper()
    if name in _NAMES:
        return _NAMES[name]
    try:
        return ord(unicodedata.lookup(name))
    except KeyError:
        raise InputError(_HELP, repr(token), "see `notelab ascii` for the names") from None


def lookup(token: str) -> LookupResult:
    """Look up a token: its ASCII row, or its Unicode code point and name when not ASCII.

    Examples
    --------
    >>> lookup("0x41").row.char
    'A'
    >>> lookup("é").is_ascii, lookup("é").unicode_name
    (False, 'LATIN SMALL LETTER E WITH ACUTE')
    """
    code = parse_code_point(token)
    is_ascii = code <= DEL
    return LookupResult(
        token=token,
        code_point=code,
        is_ascii=is_ascii,
        row=row(code) if is_ascii else None,
        unicode_name=unicodedata.name(chr(code), ""),
    )
