"""The Dask engine on a real LocalCluster with worker processes gives the local result."""

import json

import numpy as np
import pytest

from notelab._util import InputError
from notelab.similarity import DedupOptions, DedupOutputs, ReadOptions, dask_engine, dedup_files


@pytest.fixture
def files(tmp_path, corpus):
    """The corpus as two JSONL files (the first split in byte ranges) and a text file."""
    paths = [tmp_path / "a.jsonl", tmp_path / "b.jsonl"]
    for k, path in enumerate(paths):
        part = corpus[k::2]
        path.write_text("".join(json.dumps({"text": t}) + "\n" for t in part))
    (tmp_path / "c.txt").write_text(corpus[0])
    return [*paths, tmp_path / "c.txt"]


def _outputs(folder):
    return DedupOutputs(*(folder / f"{n}.jsonl" for n in ("kept", "dup", "clusters", "pairs")))


@pytest.mark.parametrize(("verify", "keep"), [("exact", "first"), ("signature", "longest")])
def test_same_result_and_outputs_as_local(dask_client, files, tmp_path, monkeypatch, verify, keep):
    monkeypatch.setattr(dask_engine, "_MIN_PART_BYTES", 4096)  # many byte ranges
    options = DedupOptions(threshold=0.7, verify=verify, keep=keep)
    (tmp_path / "l").mkdir()
    (tmp_path / "d").mkdir()
    local = dedup_files(files, options, outputs=_outputs(tmp_path / "l"))
    remote = dedup_files(files, options, outputs=_outputs(tmp_path / "d"), client=dask_client)
    assert np.array_equal(local.result.pairs, remote.result.pairs)
    assert np.allclose(local.result.jaccard, remote.result.jaccard)
    assert np.array_equal(local.result.kept_as, remote.result.kept_as)
    for key in ("documents", "shingles", "candidate_pairs", "similar_pairs", "clusters"):
        assert local.as_dict()[key] == remote.as_dict()[key], key
    for name in ("kept", "dup", "clusters", "pairs"):
        ours = (tmp_path / "l" / f"{name}.jsonl").read_bytes()
        assert ours == (tmp_path / "d" / f"{name}.jsonl").read_bytes(), name
    assert set(remote.result.stats.seconds) >= {"read", "shingles", "signatures", "write"}


def test_line_numbers_and_errors_across_ranges(dask_client, tmp_path, monkeypatch):
    monkeypatch.setattr(dask_engine, "_MIN_PART_BYTES", 64)
    path = tmp_path / "ids.jsonl"
    lines = [json.dumps({"id": f"d{i}", "text": f"document number {i} " * 3}) for i in range(40)]
    lines[33] = json.dumps({"id": "d5", "text": "repeated id"})
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match=r"'d5' at .*ids\.jsonl:6 and again at .*ids\.jsonl:34"):
        dedup_files([path], DedupOptions(read=ReadOptions(id_field="id")), client=dask_client)
    lines[33] = "{broken"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match=r"ids\.jsonl:34"):
        dedup_files([path], client=dask_client)
