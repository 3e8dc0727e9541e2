"""Are the findings' verdicts the same on every run? Each note at quick scale, for every seed
and repeat, each run in a fresh process; a claim x run table of verdicts and the number of
claims whose verdict changed (exit 1 when any did).

Run: .venv/bin/python -m benchmarks.verdict_stability [--seeds 0,1,2] [--repeat 2] [--notes 4,6]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import dataclass

from benchmarks._timing import print_table
from notelab.findings.registry import parse_notes, run_finding

SHORT = {"holds": "holds", "partly": "partly", "fails": "FAILS", "unclear": "unclear"}


@dataclass(frozen=True)
class Run:
    """One finding run: which note, seed and repeat, its verdicts (by claim) and seconds."""

    note: int
    seed: int
    repeat: int
    verdicts: dict[str, str]
    seconds: float


def worker(note: int, seed: int) -> None:
    """Run one finding here and print its verdicts as one JSON line (the child's side)."""
    finding = run_finding(note, scale="quick", seed=seed)
    verdicts = {f"{note}.{i + 1} {c.text}": c.verdict.value for i, c in enumerate(finding.claims)}
    if finding.error:
        verdicts = {f"{note}.- finding": "error: " + finding.error.strip().splitlines()[-1]}
    print(json.dumps({"verdicts": verdicts, "seconds": finding.seconds}))


def run_once(note: int, seed: int, repeat: int) -> Run:
    """One finding in a fresh process."""
    command = [sys.executable, "-m", "benchmarks.verdict_stability", "--worker", f"{note},{seed}"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0 or not done.stdout.strip():
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return Run(note, seed, repeat, {f"{note}.- finding": f"crashed: {last}"}, 0.0)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return Run(note, seed, repeat, result["verdicts"], result["seconds"])


def changed_claims(runs: list[Run]) -> list[str]:
    """The claims whose verdict is not the same in every run of their note."""
    claims = sorted({c for r in runs for c in r.verdicts}, key=_claim_order)
    changed = []
    for claim in claims:
        note = int(claim.split(".")[0])
        seen = {r.verdicts.get(claim, "missing") for r in runs if r.note == note}
        if len(seen) > 1:
            changed.append(claim)
    return changed


def _claim_order(claim: str) -> tuple[int, str]:
    note, rest = claim.split(".", 1)
    return int(note), rest.split(" ", 1)[0].zfill(3)


def table(runs: list[Run], changed: list[str]) -> tuple[list[str], list[list[str]]]:
    """Columns and rows of the claim x run table."""
    keys = sorted({(r.seed, r.repeat) for r in runs})
    by = {(r.note, r.seed, r.repeat): r for r in runs}
    columns = ["claim", *[f"s{s} r{k}" for s, k in keys], "same"]
    rows = []
    for claim in sorted({c for r in runs for c in r.verdicts}, key=_claim_order):
        note = int(claim.split(".")[0])
        cells = [by[(note, s, k)].verdicts.get(claim, "missing") for s, k in keys]
        label = claim if len(claim) <= 60 else claim[:57] + "..."
        rows.append([label, *[SHORT.get(c, c) for c in cells], "no" if claim in changed else "yes"])
    return columns, rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated seeds (default 0,1,2)")
    parser.add_argument("--repeat", type=int, default=2, help="runs per seed (default 2)")
    parser.add_argument("--notes", default="all", help="comma-separated notes (default all)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        note, seed = map(int, args.worker.split(","))
        worker(note, seed)
        return 0
    seeds = [int(s) for s in args.seeds.split(",")]
    runs = []
    start = time.perf_counter()
    for repeat in range(1, args.repeat + 1):
        for seed in seeds:
            for note in parse_notes(args.notes):
                runs.append(run_once(note, seed, repeat))
                last = runs[-1]
                print(f"note {note} seed {seed} repeat {repeat}: {last.seconds:.1f} s", flush=True)
    changed = changed_claims(runs)
    columns, rows = table(runs, changed)
    print_table(
        f"Verdicts at quick scale, seeds {args.seeds} x {args.repeat} repeats", columns, rows
    )
    slowest = {
        n: max(r.seconds for r in runs if r.note == n) for n in sorted({r.note for r in runs})
    }
    print("slowest run per note: " + ", ".join(f"{n}: {s:.1f} s" for n, s in slowest.items()))
    print(
        f"{len(changed)} of {len(rows)} claims changed verdict over {len(runs)} runs "
        f"({time.perf_counter() - start:.0f} s in all)"
    )
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
