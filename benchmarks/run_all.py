"""Run every benchmark, each in its own process (clean peak-memory figures), in order.

Run: .venv/bin/python -m benchmarks.run_all [name ...]   (e.g. ``minhash profiler``)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent


def main(names: list[str]) -> int:
    known = sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))
    unknown = sorted(set(names) - set(known))
    if unknown:
        print(f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(known)}")
        return 2
    failed = []
    for name in names or known:
        print(f"\n# benchmarks.bench_{name}", flush=True)
        if subprocess.call([sys.executable, "-m", f"benchmarks.bench_{name}"]) != 0:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
