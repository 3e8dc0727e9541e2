import curses.ascii
import unicodedata

import pytest

from notelab._util import InputError
from notelab.text import CLASSES, ascii_table, char_class, class_ranges, row


def test_table_has_128_rows_matching_chr_and_bases():
    rows = ascii_table()
    assert [r.code for r in rows] == list(range(128))
    for r in rows:
        assert r.char == chr(r.code)
        assert int(r.hex, 16) == int(r.octal, 8) == int(r.binary, 2) == r.code


@pytest.mark.parametrize("code", range(128))
def test_class_agrees_with_curses_ascii(code):
    cls = char_class(code)
    assert (cls == "control") == curses.ascii.iscntrl(code)
    assert (cls == "digit") == curses.ascii.isdigit(code)
    assert (cls == "upper") == curses.ascii.isupper(code)
    assert (cls == "lower") == curses.ascii.islower(code)
    assert (cls == "punctuation") == curses.ascii.ispunct(code)


def test_control_names_and_caret_match_unicode_aliases():
    assert row(0).name == "NUL" and row(0).caret == "^@"
    assert row(27).name == "ESC" and row(27).caret == "^["
    assert row(127).name == "DEL" and row(127).caret == "^?"
    assert row(32).name == "SP" and row(32).caret == ""
    assert row(10).name == "LF" and unicodedata.lookup("LF") == "\n"


def test_class_ranges_are_the_standard_ones():
    ranges = class_ranges()
    assert ranges["control"] == [(0, 31), (127, 127)]
    assert ranges["digit"] == [(48, 57)]
    assert ranges["upper"] == [(65, 90)]
    assert ranges["lower"] == [(97, 122)]
    assert ranges["space"] == [(32, 32)]


def test_filter_by_class_and_unknown_class():
    assert {r.char_class for r in ascii_table("upper")} == {"upper"}
    assert sum(len(ascii_table(c)) for c in CLASSES) == 128
    with pytest.raises(InputError, match="expected a class"):
        ascii_table("vowel")


def test_char_class_rejects_non_ascii():
    with pytest.raises(ValueError):
        char_class(128)
