import itertools
import json

import numpy as np

from notelab.similarity import (
    DEFAULTS,
    Deduplicator,
    DedupOptions,
    DedupOutputs,
    MinHasher,
    PhaseTimer,
    Sketch,
    dedup_files,
)


def test_sketch_concat_and_take_equal_a_fresh_sketch(corpus):
    hasher = MinHasher(num_perm=32)
    whole = hasher.sketch(corpus[:40])
    joined = Sketch.concat([hasher.sketch(corpus[:15]), hasher.sketch(corpus[15:40])])
    chosen = [3, 0, 39, 17]
    for got, want in (
        (joined, whole),
        (whole.take(chosen), hasher.sketch([corpus[i] for i in chosen])),
    ):
        for name in ("values", "offsets", "signatures", "lengths"):
            assert np.array_equal(getattr(got, name), getattr(want, name)), name


def test_every_phase_timed_by_the_injected_clock(tmp_path, corpus):
    path = tmp_path / "docs.jsonl"
    path.write_text("".join(json.dumps({"text": t}) + "\n" for t in corpus))
    ticks = itertools.count()
    told = []
    report = dedup_files(
        [path],
        outputs=DedupOutputs(output=tmp_path / "kept.jsonl"),
        clock=lambda: float(next(ticks)),
        progress=told.append,
    )
    phases = ["read", "shingles", "signatures", "candidates", "verify", "clusters", "write"]
    assert told == phases
    seconds = report.result.stats.seconds
    assert list(seconds) == [*phases, "total"]
    assert all(seconds[p] == 1.0 for p in phases)  # one tick between start and end
    assert seconds["total"] == 2 * len(phases) + 1


def test_one_home_for_every_default():
    dedup, hasher = Deduplicator(), MinHasher()
    assert (dedup.threshold, dedup.verify, dedup.keep) == (
        DEFAULTS.threshold,
        DEFAULTS.verify,
        DEFAULTS.keep,
    )
    assert (hasher.num_perm, hasher.ngram, hasher.unit, hasher.seed) == (
        DEFAULTS.num_perm,
        DEFAULTS.ngram,
        DEFAULTS.unit,
        DEFAULTS.seed,
    )
    assert DedupOptions() == DEFAULTS


def test_timer_adds_repeated_phases():
    ticks = iter([0.0, 1.0, 5.0, 7.0])
    timer = PhaseTimer(clock=lambda: next(ticks))
    for _ in range(2):
        with timer.phase("read"):
            pass
    assert timer.seconds == {"read": 3.0}
