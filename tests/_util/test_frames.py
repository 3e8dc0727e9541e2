import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notelab._util import InputError
from notelab._util.frames import csv_rows, read_frame

cells = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=6)


def test_strings_keep_cells_as_written(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("id,n,empty\n007,NA,\n1e3,nan,x\n")
    frame = read_frame(path, strings=True)
    assert frame.to_dict("records") == [
        {"id": "007", "n": "NA", "empty": ""},
        {"id": "1e3", "n": "nan", "empty": "x"},
    ]
    assert read_frame(path)["id"].tolist() == [7.0, 1000.0]  # the default still parses numbers


def test_strings_jsonl_values_as_stored(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text('{"id": "007", "n": 1}\n{"id": "010", "n": 2}\n')
    assert read_frame(path, strings=True)["id"].tolist() == ["007", "010"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(cells, cells), min_size=1, max_size=6))
def test_csv_rows_read_what_the_csv_module_wrote(rows):
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(["id", "text"])
    writer.writerows(rows)
    expected = [{"id": a, "text": b} for a, b in rows]
    reference = list(csv.DictReader(io.StringIO(buffer.getvalue(), newline="")))
    assert csv_rows(buffer.getvalue(), name="t.csv") == expected == reference


def test_csv_rows_of_nothing_and_a_header_alone():
    assert csv_rows("", name="t.csv") == [] and csv_rows("id,text\n", name="t.csv") == []


@pytest.mark.parametrize("text", ["id,text\n1,a,b\n", "id,text\n1,a\n2,b,c\n"])
def test_a_row_longer_than_the_header_is_an_error_naming_the_file(text):
    with pytest.raises(InputError, match=r"docs\.csv"):
        csv_rows(text, name="docs.csv")


def test_line_numbers_in_errors(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("id,text\n1,a\n2,b\n3,c,d\n")
    with pytest.raises(InputError, match="line 4"):
        read_frame(path, strings=True)
