import subprocess
import sys

import pytest

from notelab._util.lazy import lazy_exports


def test_a_name_loads_its_module_on_first_use():
    code = (
        "import sys, notelab.nn.seq as seq\n"
        "assert 'notelab.nn.seq.options' not in sys.modules\n"
        "assert seq.TrainOptions.__module__ == 'notelab.nn.seq.options'\n"
        "assert 'TrainOptions' in dir(seq) and 'notelab.nn.seq.options' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_unknown_names_raise_attribute_error():
    getattr_, dir_ = lazy_exports("json", {"JSONDecoder": "json.decoder"})
    with pytest.raises(AttributeError, match="module 'json' has no attribute 'nope'"):
        getattr_("nope")
    assert "JSONDecoder" in dir_() and "dumps" in dir_()
