"""End to end, text file in and kept documents out, as a user runs it: ``notelab dedup`` as a
process against the same pipeline on rensa and on datasketch (same shingling, same exact
verification, same clusters, same output), on every ``.py`` file of the running Python's
standard library as JSONL; then the kernels' throughput per core and with all cores.

Run: .venv/bin/python -m benchmarks.bench_dedup [--rounds N] [--copies N]
The machine's load is printed: timings on a busy machine are slower and noisier.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

import numpy as np

from benchmarks._corpus import stdlib_jsonl
from benchmarks._timing import print_table

THRESHOLD, NUM_PERM = 0.8, 128


def _peer(name: str, source: str, target: str) -> None:
    """A peer's pipeline, run in a child process: read, shingle (ours, in Python), MinHash
    and LSH (the peer's), verify exactly, cluster, write the kept records."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    from notelab.similarity import DEFAULTS, optimal_params, shingles

    lines = Path(source).read_bytes().splitlines()
    texts = [json.loads(line)["text"] for line in lines]
    sets = [{" ".join(s) for s in shingles(t)} for t in texts]
    bands = optimal_params(THRESHOLD, NUM_PERM, DEFAULTS.weights).bands
    hashes, lsh = _peer_sketches(name, sets, bands)
    candidates = {
        (min(i, j), max(i, j)) for i, m in enumerate(hashes) if m for j in lsh.query(m) if j != i
    }
    pairs = [
        (a, b)
        for a, b in candidates
        if len(sets[a] & sets[b]) / len(sets[a] | sets[b]) >= THRESHOLD
    ]
    n = len(texts)
    rows, cols = (list(x) for x in zip(*pairs, strict=True)) if pairs else ([], [])
    graph = coo_matrix(([1] * len(pairs), (rows, cols)), shape=(n, n))
    labels = connected_components(graph, directed=False)[1]
    first = {}
    for i, label in enumerate(labels):
        first.setdefault(label, i)
    with open(target, "wb") as out:
        out.writelines(lines[i] + b"\n" for i in range(n) if first[labels[i]] == i and sets[i])


def _peer_sketches(name: str, sets: list[set[str]], bands: int):
    if name == "rensa":
        from rensa import RMinHash, RMinHashLSH

        # rensa needs bands dividing num_perm: the divisor nearest our choice
        divisors = [b for b in range(1, NUM_PERM + 1) if NUM_PERM % b == 0]
        lsh = RMinHashLSH(THRESHOLD, NUM_PERM, min(divisors, key=lambda b: abs(b - bands)))

        def make(tokens):
            m = RMinHash(NUM_PERM, 1)
            m.update(sorted(tokens))
            return m
    else:
        from datasketch import MinHash, MinHashLSH

        lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)

        def make(tokens):
            m = MinHash(num_perm=NUM_PERM, seed=1)
            m.update_batch([x.encode() for x in tokens])
            return m

    hashes = []
    for i, s in enumerate(sets):
        hashes.append(make(s) if s else None)
        if s:
            lsh.insert(i, hashes[-1])
    return hashes, lsh


CPU: dict[str, list[float]] = {}  # CPU seconds (user + system) of each pipeline's runs


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(command: list[str], name: str | None = None) -> tuple[float, str]:
    start, start_cpu = time.perf_counter(), _children_cpu()
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    if name is not None:
        CPU.setdefault(name, []).append(_children_cpu() - start_cpu)
    return time.perf_counter() - start, done.stdout


def _end_to_end(folder: Path, rounds: int) -> dict:
    source, tiny = folder / "speed.jsonl", folder / "tiny.jsonl"
    tiny.write_text('{"text": "one line"}\n')
    ours = [sys.executable, "-m", "notelab", "dedup", str(source), "--id-field", "id"]
    ours += ["--threshold", str(THRESHOLD), "--output", str(folder / "kept.jsonl"), "--json"]
    start = [sys.executable, "-m", "notelab", "dedup", str(tiny), "--json"]
    peers = {
        name: [sys.executable, "-m", "benchmarks.bench_dedup", "--peer", name, str(source)]
        for name in ("rensa", "datasketch")
    }
    _run(ours)  # compiles (or loads) the kernels, warms the file cache
    times: dict[str, list[float]] = {"notelab": [], "start-up": [], "rensa": [], "datasketch": []}
    phases = []
    for r in range(rounds):  # interleaved, so load changes hit every pipeline alike
        seconds, out = _run(ours, "notelab")
        times["notelab"].append(seconds)
        phases.append(json.loads(out)["seconds"])
        times["start-up"].append(_run(start, "start-up")[0])
        times["rensa"].append(_run([*peers["rensa"], str(folder / "r.jsonl")], "rensa")[0])
        if r == 0:  # datasketch takes about a minute
            command = [*peers["datasketch"], str(folder / "d.jsonl")]
            times["datasketch"].append(_run(command, "datasketch")[0])
    return {"times": times, "phases": phases}


def _kernel_rows(folder: Path) -> list[list]:
    import numba

    from notelab.similarity import MinHasher
    from notelab.similarity.shingle import _shingle_hash_sets

    lines = (folder / "speed.jsonl").read_bytes().splitlines()[:4000]
    texts = [json.loads(line)["text"] for line in lines]
    megabytes = sum(len(t.encode()) for t in texts) / 1e6
    hasher = MinHasher(num_perm=NUM_PERM)
    values, offsets = _shingle_hash_sets(texts)
    rows = []
    for threads in sorted({1, numba.config.NUMBA_NUM_THREADS}):
        numba.set_num_threads(threads)
        shingle = _best(lambda: _shingle_hash_sets(texts))
        sign = _best(lambda v=values, o=offsets: hasher._signatures_of_sets(v, o))
        per_core = [megabytes / shingle[1] * threads, len(values) / sign[1] / 1e6 * threads]
        rows.append([threads, megabytes / shingle[0], per_core[0], len(values) / sign[0] / 1e6])
        rows[-1].append(per_core[1])
    return rows


def _best(function, repeat: int = 3) -> tuple[float, float]:
    """Fastest wall time, and fastest CPU time per thread, of ``repeat`` runs."""
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        function()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return min(wall), min(cpu)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--peer", nargs=3, metavar=("NAME", "SOURCE", "TARGET"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--copies", type=int, default=1)
    args = parser.parse_args()
    if args.peer:
        _peer(*args.peer)
        return
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        documents, size = stdlib_jsonl(folder / "speed.jsonl", args.copies)
        result = _end_to_end(folder, args.rounds)
        kernels = _kernel_rows(folder)
    _report(result, kernels, documents, size, load)


def _report(result: dict, kernels: list, documents: int, size: int, load: float) -> None:
    times = {k: float(np.median(v)) for k, v in result["times"].items()}
    cpu = {k: float(np.median(v)) for k, v in CPU.items()}
    print_table(
        f"{documents:,} documents, {size / 1e6:.0f} MB of Python source, threshold {THRESHOLD}, "
        f"end to end as a process (median; load average {load:.1f} on {os.cpu_count()} cores)",
        ["pipeline", "seconds", "runs", "time / notelab", "CPU seconds", "CPU / notelab's"],
        [
            [k, v, len(result["times"][k]), v / times["notelab"], cpu[k], cpu[k] / cpu["notelab"]]
            for k, v in times.items()
        ],
    )
    phases = {k: float(np.median([p[k] for p in result["phases"]])) for k in result["phases"][0]}
    print_table(
        "notelab's phases (median seconds, from --json)",
        ["phase", "seconds"],
        [[k, v] for k, v in phases.items()],
    )
    print_table(
        "kernels on the first 4,000 documents (best of 3)",
        [
            "threads",
            "shingling MB/s",
            "per CPU-second x threads",
            "signatures M shingles/s",
            "per CPU-second x threads",
        ],
        kernels,
    )
    print(
        f"\nnotelab speed-up: {times['rensa'] / times['notelab']:.1f}x over rensa "
        f"{version('rensa')} (goal >= 3), {times['datasketch'] / times['notelab']:.1f}x over "
        f"datasketch {version('datasketch')} (goal >= 10); start-up {times['start-up']:.2f} s "
        f"(goal < 0.6; CPU {cpu['start-up']:.2f} s). By CPU seconds (what counts on a busy "
        f"machine): {cpu['rensa'] / cpu['notelab']:.1f}x over rensa, "
        f"{cpu['datasketch'] / cpu['notelab']:.1f}x over datasketch"
    )


if __name__ == "__main__":
    main()
