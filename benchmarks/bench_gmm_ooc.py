"""Out of core: a 20,000,000 x 8 float64 .npy (1.3 GB) fitted in chunks; rows per second per
iteration and peak RSS against the file size.
Run: .venv/bin/python -m benchmarks.bench_gmm_ooc [ROWS] [DIR]
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks._timing import peak_rss_mib
from notelab.mixture import GaussianMixture, NpyFileSource

D, K = 8, 4


def write_npy(path: Path, rows: int, chunk: int = 1_000_000) -> None:
    """Write the data chunk by chunk so that this process never holds it."""
    rng = np.random.default_rng(0)
    centres = rng.normal(0, 1.5, (K, D))
    with open(path, "wb") as handle:
        np.lib.format.write_array_header_2_0(
            handle, {"descr": "<f8", "fortran_order": False, "shape": (rows, D)}
        )
        for start in range(0, rows, chunk):
            m = min(chunk, rows - start)
            block = centres[rng.integers(0, K, m)] + rng.normal(0, 1, (m, D))
            handle.write(block.astype("<f8").tobytes())


def main(rows: int, folder: Path) -> None:
    path = folder / "ooc.npy"
    # written by another process, so that this one's peak RSS is the fit's alone
    subprocess.run(
        [
            sys.executable,
            "-c",
            f"from benchmarks.bench_gmm_ooc import write_npy; "
            f"from pathlib import Path; write_npy(Path({str(path)!r}), {rows})",
        ],
        check=True,
    )
    size_mib = path.stat().st_size / 2**20
    rss_before = peak_rss_mib()
    model = GaussianMixture(
        K, covariance_type="full", random_state=0, max_iter=30, tol=1e-4, chunk_bytes=64 * 2**20
    )
    begin = time.perf_counter()
    model.fit(NpyFileSource(path))
    seconds = time.perf_counter() - begin
    per_iteration = seconds / (model.n_iter_ + 2)  # + the mean pass and the k-means pass
    print(f"file: {rows:,} x {D} float64, {size_mib:,.0f} MiB")
    print(f"fit: {seconds:.1f} s, {model.n_iter_} iterations, converged {model.converged_}")
    print(f"rows per second per iteration: {rows / per_iteration:,.0f}")
    print(
        f"peak RSS: {peak_rss_mib():,.0f} MiB (before the fit: {rss_before:,.0f} MiB), "
        f"{peak_rss_mib() / size_mib:.1%} of the file"
    )
    path.unlink()


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000_000
    where = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(tempfile.gettempdir())
    main(count, where)
