import pytest

from tests.conftest import run_cli


def test_table_json_has_128_rows():
    result = run_cli("ascii", "--json")
    assert result.code == 0
    rows = result.json()
    assert len(rows) == 128 and rows[65]["char"] == "A"


def test_class_filter():
    result = run_cli("ascii", "--class", "digit", "--json")
    assert [r["code"] for r in result.json()] == list(range(48, 58))


def test_lookup_mixed_tokens_json():
    result = run_cli("ascii", "A", "0x41", "space", "é", "--json")
    assert result.code == 0
    found = result.json()
    assert [f["code_point"] for f in found] == [65, 65, 32, 233]
    assert found[3]["is_ascii"] is False


def test_lookup_non_ascii_says_so():
    result = run_cli("ascii", "€")
    assert result.code == 0
    assert "not ASCII" in result.stdout and "EURO SIGN" in result.stdout


def test_compare_human_and_json():
    human = run_cli("ascii", "compare", "Apple", "apple")
    assert human.code == 0 and "'A' (65) < 'a' (97)" in human.stdout
    data = run_cli("ascii", "compare", "10", "9", "--json").json()
    assert data["verdict"] == "<" and data["code_a"] == 49 and data["code_b"] == 57


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ascii", "bogus"], "expected a character"),
        (["ascii", "compare", "only-one"], "expected two strings"),
        (["ascii", "--class", "vowel"], "Invalid value"),
        (["ascii", "0x110000"], "expected a code point"),
    ],
)
def test_bad_input_exit_2_one_message(args, message):
    result = run_cli(*args)
    assert result.code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
