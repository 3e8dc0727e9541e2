import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notelab._util import InputError
from notelab.text import lookup, parse_code_point


@pytest.mark.parametrize(
    ("token", "code"),
    [
        ("A", 65),
        ("65", 65),
        ("0x41", 65),
        ("0X41", 65),
        ("0o101", 65),
        ("0b1000001", 65),
        ("U+0041", 65),
        ("u+41", 65),
        ("NUL", 0),
        ("nul", 0),
        ("space", 32),
        ("SP", 32),
        ("DEL", 127),
        ("LF", 10),
        ("7", 55),
        ("07", 7),
        (" ", 32),
        ("é", 233),
        ("LATIN SMALL LETTER A", 97),
    ],
)
def test_parse_known_forms(token, code):
    assert parse_code_point(token) == code


@given(st.integers(min_value=0, max_value=0x10FFFF))
def test_every_numeric_form_round_trips(code):
    for token in (
        str(code) if code > 9 else f"0{code}",
        hex(code),
        oct(code),
        bin(code),
        f"U+{code:04X}",
    ):
        assert parse_code_point(token) == code


@given(st.characters())
def test_single_character_is_itself(char):
    assert parse_code_point(char) == ord(char)


@given(st.text(min_size=2, max_size=12))
def test_parser_never_crashes_with_anything_but_input_error(token):
    try:
        code = parse_code_point(token)
    except InputError as error:
        assert "expected" in str(error)
    else:
        assert 0 <= code <= 0x10FFFF


@pytest.mark.parametrize("token", ["bogus", "0xZZ", "0b2", "1114112", "U+110000", "0o9"])
def test_nonsense_is_a_clear_error(token):
    with pytest.raises(InputError, match="expected"):
        parse_code_point(token)


def test_non_ascii_lookup_gives_unicode_name():
    result = lookup("€")
    assert not result.is_ascii and result.row is None
    assert result.unicode_name == unicodedata.name("€")
    assert result.as_dict()["u_plus"] == "U+20AC"


def test_ascii_lookup_has_row():
    assert lookup("0x7F").row.name == "DEL"
