"""The Dask engine against the local one on the same machine and corpus (every ``.py`` file of
the running Python's standard library as JSONL): time per phase for 1, 2 and 4 workers (one
thread each: a worker stands for a core), throughput per core against the local engine's,
the client's peak memory at 1x and 4x the corpus, the bytes the band-key shuffle moves, and a
scale-out projection from the measured phases (which ones divide by the workers, which stay).

Run: .venv/bin/python -m benchmarks.bench_dedup_dask [--workers 1 2 4] [--big-copies 4]
    [--rounds 3]
Both engines start warm (kernels loaded in the process or on every worker, and one run on
2,000 documents), as a process or cluster that keeps running, and Dask's worker profiler is
off (``PROFILE``); rounds are interleaved and each engine's median run is shown.
The machine's load is printed: on a busy machine the wall times are slower and noisier, so
the CPU seconds of all processes (client, scheduler, workers) are shown as well.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks._corpus import stdlib_jsonl
from benchmarks._timing import print_table

PROFILE = False  # Dask's statistical profiler samples every 10 ms: about 0.2 CPU-s a run
PARALLEL = ("read", "shingles", "signatures", "verify")  # tasks on every worker
PHASES = ("read", "shingles", "signatures", "candidates", "verify", "clusters", "write")


def _warm() -> None:
    """Load the compiled kernels, as a process that has run once before has them."""
    from notelab.similarity._kernels import COMPILED_FROM, kernels

    for family in ("text", "minhash", "band", "pair", "cluster"):
        kernels(family, COMPILED_FROM)


def _warm_run(source: str, client) -> None:
    """One run on the first 2,000 lines: every code path loaded and run once."""
    from notelab.similarity import dedup_files

    small = Path(source).with_suffix(".warm.jsonl")
    with open(source, "rb") as handle:
        small.write_bytes(b"".join(line for _, line in zip(range(2000), handle, strict=False)))
    dedup_files([small], client=client)


def _cpu() -> float:
    """This process's CPU seconds so far (user + system)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _child(workers: int, source: str) -> None:
    """One run in this process (the client); prints the report and the client's peak RSS.
    Both engines start warm (kernels loaded here, or on every worker): the throughput of
    a process or cluster that keeps running, not its start-up."""
    import dask
    from distributed import Client, LocalCluster

    dask.config.set({"distributed.worker.profile.enabled": PROFILE})

    from notelab.similarity import DedupOutputs, dedup_files

    outputs = DedupOutputs(output=Path(source).with_suffix(".kept.jsonl"))
    if workers == 0:
        _warm()
        _warm_run(source, None)
        start = _cpu()
        report = dedup_files([source], outputs=outputs)
        cpu = _cpu() - start
    else:
        with (
            LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                env={"NUMBA_NUM_THREADS": "1"},
            ) as cluster,
            Client(cluster) as client,
        ):
            client.run(_warm)
            _warm_run(source, client)
            before, start = client.run(_cpu), _cpu()
            report = dedup_files([source], outputs=outputs, client=client)
            after = client.run(_cpu)
            cpu = _cpu() - start + sum(after[w] - before[w] for w in before)
    stats = report.as_dict()
    stats["cpu_seconds"] = cpu  # the client's (and scheduler's) and every worker's
    stats["client_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(stats))


def _run(workers: int, source: Path) -> dict:
    command = [sys.executable, "-m", "benchmarks.bench_dedup_dask", "--child", str(workers)]
    done = subprocess.run([*command, str(source)], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _median_run(runs: list[dict]) -> dict:
    """The run of median total time."""
    return sorted(runs, key=lambda r: r["seconds"]["total"])[len(runs) // 2]


def _projection(runs: dict[int, dict]) -> list[list]:
    """T(N) = the phases that stay + the parallel phases' work spread over N workers."""
    base = min(w for w in runs if w > 0)
    seconds = runs[base]["seconds"]
    work = sum(seconds[p] for p in PARALLEL) * base
    stays = sum(seconds[p] for p in PHASES if p not in PARALLEL)
    rows = []
    for n in (1, 2, 4, 8, 16, 32, 64):
        total = stays + work / n
        rows.append([n, total, (stays + work) / total, stays / total])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", nargs=2)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--big-copies", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.child:
        _child(int(args.child[0]), args.child[1])
        return
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        source, big = Path(tmp) / "speed.jsonl", Path(tmp) / "big.jsonl"
        documents, size = stdlib_jsonl(source)
        _run(0, source)  # kernels compiled or loaded, file cache warm
        rounds: dict[int, list[dict]] = {w: [] for w in [0, *args.workers]}
        for _ in range(args.rounds):  # interleaved: load changes hit every engine alike
            for w in rounds:
                rounds[w].append(_run(w, source))
        runs = {w: _median_run(r) for w, r in rounds.items()}
        stdlib_jsonl(big, args.big_copies)
        big_runs = {w: _run(w, big) for w in (0, 2)}
    _report(runs, big_runs, documents, size, load, args.big_copies)


def _report(runs, big_runs, documents, size, load, copies) -> None:
    cores = os.cpu_count() or 1
    local_rate = documents / runs[0]["seconds"]["total"] / cores
    rows = []
    for w, r in runs.items():
        rate = documents / r["seconds"]["total"] / (w or cores)
        rows.append(
            ["local" if w == 0 else w]
            + [r["seconds"].get(p, 0.0) for p in (*PHASES, "total")]
            + [rate, rate / local_rate, r["cpu_seconds"], runs[0]["cpu_seconds"] / r["cpu_seconds"]]
            + [r["client_rss_mib"]]
        )
    print_table(
        f"{documents:,} documents, {size / 1e6:.0f} MB; load average {load:.1f} on {cores} cores",
        [
            "workers",
            *PHASES,
            "total s",
            "docs/s per core",
            "vs local per core",
            "CPU s (all processes)",
            "local CPU / this CPU",
            "client MiB",
        ],
        rows,
    )
    r = runs[max(runs)]
    shuffle = r["bands"] * (r["documents"] - r["empty"]) * 16
    print(f"\nband-key shuffle: {shuffle / 1e6:.1f} MB ({r['bands']} bands x 16 bytes a document)")
    print_table(
        f"client peak RSS, 1x and {copies}x the corpus (2 workers; local for comparison)",
        ["engine", "1x MiB", f"{copies}x MiB"],
        [
            [name, runs[w]["client_rss_mib"], big_runs[w]["client_rss_mib"]]
            for name, w in (("local", 0), ("dask, 2 workers", 2))
        ],
    )
    print_table(
        "projection: phases on every worker divide by N, the others stay",
        ["workers N", "seconds", "speed-up", "share that stays"],
        _projection({w: x for w, x in runs.items() if w}),
    )


if __name__ == "__main__":
    main()
