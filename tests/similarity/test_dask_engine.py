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


@pytest.mark.parametrize("way", ["workers", "streamed", "gzip"])
def test_outputs_written_by_workers_or_streamed_are_the_same_bytes(
    dask_client, files, tmp_path, monkeypatch, way
):
    """The workers write their partitions into the file where they see it; elsewhere (here
    made to look so, or a .gz name) the lines come through the client: the same bytes."""
    import gzip

    from notelab.similarity import dask_output

    monkeypatch.setattr(dask_engine, "_MIN_PART_BYTES", 4096)
    shared, seen = dask_output._shared_file, []
    monkeypatch.setattr(
        dask_output,
        "_shared_file",
        lambda h, c: seen.append(shared(h, c)) or (seen[-1] if way == "workers" else None),
    )
    suffix = ".jsonl.gz" if way == "gzip" else ".jsonl"
    local = DedupOutputs(tmp_path / "kept.jsonl", tmp_path / "dup.jsonl")
    remote = DedupOutputs(tmp_path / f"kept-d{suffix}", tmp_path / f"dup-d{suffix}")
    dedup_files(files, DedupOptions(threshold=0.7), outputs=local)
    dedup_files(files, DedupOptions(threshold=0.7), outputs=remote, client=dask_client)
    read = gzip.decompress if way == "gzip" else bytes
    assert read(remote.output.read_bytes()) == local.output.read_bytes()
    assert read(remote.duplicates.read_bytes()) == local.duplicates.read_bytes()
    assert len(seen) == 2 and all(seen) == (way != "gzip")  # the workers saw the plain files
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


class _Client:
    """Stands for a Dask client whose workers see (or do not see) the client's files."""

    def __init__(self, sees: bool) -> None:
        self.sees = sees

    def run(self, function, *args):
        return {"w1": function(*args), "w2": self.sees and function(*args)}


@pytest.mark.parametrize("sees", [True, False])
def test_shared_file_asks_every_worker_and_leaves_the_file_empty(tmp_path, sees):
    from notelab.similarity.dask_output import _shared_file

    with open(tmp_path / "out.tmp", "wb") as handle:
        found = _shared_file(handle, _Client(sees))
        assert handle.tell() == 0
    assert found == (str(tmp_path / "out.tmp") if sees else None)
    assert (tmp_path / "out.tmp").read_bytes() == b""


def test_shared_file_refuses_what_workers_cannot_write(tmp_path):
    import gzip
    import io

    from notelab.similarity.dask_output import _shared_file

    with gzip.open(tmp_path / "out.gz", "wb") as packed:
        assert _shared_file(packed, _Client(True)) is None
    assert _shared_file(io.BytesIO(), _Client(True)) is None


def _failing_write(*args):
    raise OSError(28, "No space left on device")


def _fail_writes(failing):
    """On a worker: make its writes fail, or put the real ones back."""
    from notelab.similarity import dask_output

    original = dask_output.__dict__.setdefault("_real_write_at", dask_output._write_at)
    dask_output._write_at = _failing_write if failing else original


def test_a_worker_failing_to_write_leaves_the_old_output(dask_client, files, tmp_path):
    """A worker's write that fails (a full disk) fails the run: the old file stays as it was
    and no temporary file is left beside it."""
    kept = tmp_path / "kept.jsonl"
    kept.write_bytes(b"old\n")
    dask_client.run(_fail_writes, True)
    try:
        with pytest.raises(OSError, match="No space left"):
            dedup_files(files, outputs=DedupOutputs(kept), client=dask_client)
    finally:
        dask_client.run(_fail_writes, False)
    dedup_files(files, outputs=DedupOutputs(tmp_path / "again.jsonl"), client=dask_client)
    assert kept.read_bytes() == b"old\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    assert (tmp_path / "again.jsonl").stat().st_size > 0  # the workers write again
