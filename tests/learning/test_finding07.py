"""Finding 7: each claim graded from synthetic measurements, and a tiny real run."""

import numpy as np
import pytest

from notelab.findings import note07_semi as note
from notelab.findings.registry import note_title

SEEDS = [0, 1, 2, 3, 4]


def _curve(accuracy: dict, fractions=(0.01, 0.05, 1.0)) -> dict:
    """A curve document with the given per-seed accuracies: method -> fraction -> list."""
    points = [
        {"method": m, "fraction": f, "labelled": 10, "accuracy_per_seed": list(acc[f])}
        for m, acc in accuracy.items()
        for f in fractions
        if f in acc
    ]
    return {
        "methods": list(accuracy),
        "fractions": list(fractions),
        "seeds": SEEDS,
        "points": points,
    }


def _noisy(value, spread=0.01, seed=0):
    return (value + np.random.default_rng(seed).normal(0, spread, 5)).tolist()


def _measurement(semi_lead=0.2, table_lead=0.05, drift=-0.5, probe_gain=0.06):
    base = {0.01: _noisy(0.6), 0.05: _noisy(0.8), 1.0: _noisy(0.96)}
    curve = _curve(
        {
            note.BASELINE: base,
            note.SEMI: {
                0.01: _noisy(0.6 + semi_lead, seed=1),
                0.05: _noisy(0.8 + semi_lead, seed=2),
                1.0: _noisy(0.965, seed=3),
            },
            note.SELF: {0.01: _noisy(0.6 + probe_gain, seed=4), 0.05: _noisy(0.82, seed=5)},
            note.CONTROL: {0.01: _noisy(0.5, seed=6), 0.05: _noisy(0.7, seed=7)},
        }
    )
    table = _curve(
        {
            note.BASELINE: {0.02: _noisy(0.7, seed=8)},
            note.SEMI: {0.02: _noisy(0.9 + table_lead - 0.05, seed=9)},
            note.SELF: {0.02: _noisy(0.85, seed=10)},
        },
        fractions=(0.02,),
    )
    rounds = []
    for seed in SEEDS:
        for variant in note.ROUND_VARIANTS:
            for number, share in ((1, 1.0), (5, 1.0 + drift)):
                rounds.append(
                    {
                        "variant": variant,
                        "seed": seed,
                        "round": number,
                        "added": 100,
                        "correct": int(100 * share),
                    }
                )
            rounds.append({"variant": variant, "seed": seed, "round": "test", "accuracy": 0.5})
    return {
        "seeds": SEEDS,
        "curve": curve,
        "pretext": [{"seed": s, "score": 0.35, "chance": 0.0, "loss": 0.7} for s in SEEDS],
        "families": {"moons": table, "breast_cancer": table},
        "rounds": rounds,
    }


@pytest.mark.parametrize(
    ("options", "verdicts"),
    [
        ({}, ["holds", "holds", "holds", "partly", "holds"]),
        (
            {"semi_lead": -0.1, "table_lead": -0.1, "drift": 0.0, "probe_gain": -0.05},
            ["fails", "fails", "fails", "holds", "fails"],
        ),
        ({"table_lead": 0.3}, ["holds", "holds", "holds", "fails", "holds"]),
    ],
)
def test_claims_follow_the_measurements(options, verdicts):
    claims = note.claims(_measurement(**options))
    assert [c.verdict.value for c in claims] == verdicts
    for claim in claims:
        assert claim.estimate is not None and claim.evidence.endswith(".")


def test_tiny_run_has_the_finding_shape(monkeypatch):
    tiny = {
        "seeds": 2,
        "fractions": (0.05,),
        "pretrain_steps": 10,
        "rounds": 2,
        "moons": 150,
        "family_fraction": 0.05,
        "table_seeds": 2,
    }
    monkeypatch.setitem(note.SCALES, "tiny", tiny)
    finding = note.run("tiny", seed=0)
    assert finding.note == 7 and finding.title == note_title(7)
    assert len(finding.claims) == 5
    assert {f.name for f in finding.figures} == {"note07-curve", "note07-rounds", "note07-moons"}
    assert all(t.rows for t in finding.tables)
    assert finding.data["seeds"] == [0, 1]
