import os

import pytest

from notelab._util import InputError
from notelab._util.paths import refuse_overwriting_inputs


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text("{}\n")
    return path


@pytest.mark.parametrize("alias", ["same", "dot", "absolute", "hardlink", "symlink"])
def test_every_name_of_an_input_is_refused(tmp_path, source, monkeypatch, alias):
    monkeypatch.chdir(tmp_path)
    name = {"same": "in.jsonl", "dot": "./in.jsonl", "absolute": str(source)}.get(alias, "b")
    if alias == "hardlink":
        os.link(source, tmp_path / name)
    if alias == "symlink":
        (tmp_path / name).symlink_to(source)
    with pytest.raises(InputError, match="not an input"):
        refuse_overwriting_inputs([None, "-", name], ["in.jsonl"])


def test_inputs_named_by_their_folder(tmp_path, source):
    with pytest.raises(InputError, match="the input"):
        refuse_overwriting_inputs([source], [tmp_path])
    with pytest.raises(InputError, match="folder holding the input"):
        refuse_overwriting_inputs([tmp_path], [source])


def test_new_and_other_files_pass_and_two_outputs_may_not_meet(tmp_path, source):
    refuse_overwriting_inputs([tmp_path / "new.jsonl", None, "-"], [source])
    with pytest.raises(InputError, match="name one file"):
        refuse_overwriting_inputs([tmp_path / "x", tmp_path / "." / "x"], [source])
