"""Finding 3: each claim graded from its measurement; the measurements that are deterministic
checked for what they must show; the whole run on a tiny scale."""

import pytest

from notelab.findings import note03_norm as f3

TINY = {
    "batch_sizes": (2, 8),
    "seeds": 2,
    "train": 48,
    "epochs": 1,
    "gap_samples": 16,
    "mode_sizes": (2, 32),
    "rounds": 4,
    "lrs": (0.1,),
    "lr_steps": 3,
}


def test_example_claim_holds_against_torch():
    claim = f3.example_claim(f3.measure_example())
    assert claim.verdict.value == "holds"
    assert "3, 4, 6, 5" in claim.evidence and "4.25, 4.25, 5" in claim.evidence


def test_eps_cases_are_all_fixed_by_eps():
    rows = f3.measure_eps()
    assert len(rows) == 20 and all(f3._eps_fixed(r) for r in rows)
    assert f3.eps_claim(rows).verdict.value == "holds"
    broken = [dict(r, guarded_finite=False) for r in rows]
    assert f3.eps_claim(broken).verdict.value == "fails"


def runs(deficit_small, deficit_reference, spread=0.01):
    """Accuracies for 3 seeds: group norm flat at 0.9, batch norm short by the deficits."""
    out = []
    for seed, jitter in enumerate((0.0, spread, -spread)):
        for norm, small, ref in (
            ("group", 0.9, 0.9),
            ("batch", 0.9 - deficit_small + jitter, 0.9 - deficit_reference),
        ):
            out.append({"seed": seed, "norm": norm, "batch_size": 2, "held_out": small})
            out.append({"seed": seed, "norm": norm, "batch_size": 8, "held_out": ref})
    return {"runs": out, "train_size": 400, "held_out_size": 1397}


@pytest.mark.parametrize(
    ("small", "reference", "verdict"),
    [(0.3, 0.0, "holds"), (0.025, 0.0, "partly"), (-0.2, 0.0, "fails")],
)
def test_batch_size_claim_grades_the_extra_loss(small, reference, verdict):
    assert f3.batch_size_claim(runs(small, reference, 0.002)).verdict.value == verdict


def test_modes_padding_and_alone_measure_what_they_claim():
    modes = f3.measure_modes("quick", 0)
    gaps = [r["gap"]["value"] for r in modes]
    assert gaps == sorted(gaps, reverse=True)  # the gap shrinks as the batch grows
    assert all(r["layer_gap"] == 0 for r in modes)
    padding = f3.measure_padding("quick", 0)
    assert padding["shift"]["low"] > 0.05 and padding["layer_extra_padding"] == 0
    assert padding["masked_extra_padding"] < 1e-12
    alone = f3.measure_alone(0)
    assert max(r["layer_difference"] for r in alone) < 1e-12
    assert min(r["batch_spread"] for r in alone) > 0.01
    data = {"rows": [{"norm": "batch", "batch_size": 2, "gap": {"value": -0.2}}]}
    for claim in (f3.modes_claim(modes, data), f3.padding_claim(padding), f3.alone_claim(alone)):
        assert claim.verdict.value == "holds", claim.evidence


def test_speed_claim_compares_the_best_losses():
    rows = [
        {"seed": s, "lr": lr, "normalised": n, "loss": (0.2 if n else 2.3) + 0.01 * s + lr}
        for s in range(3)
        for lr in (0.01, 0.1)
        for n in (True, False)
    ]
    assert f3.speed_claim(rows, 100).verdict.value == "holds"
    flipped = [dict(r, normalised=not r["normalised"]) for r in rows]
    assert f3.speed_claim(flipped, 100).verdict.value == "fails"


def test_run_assembles_the_finding(monkeypatch):
    monkeypatch.setitem(f3.SCALES, "tiny", TINY)
    finding = f3.run("tiny", seed=1)
    assert finding.note == 3 and finding.title == f3.TITLE
    assert len(finding.claims) == 7 and len(finding.tables) == 6 and len(finding.figures) == 3
    assert {r["seed"] for r in finding.data["batch_sizes"]["runs"]} == {2, 3}
    assert finding.claims[0].verdict.value == "holds"
    with pytest.raises(ValueError, match="scale"):
        f3.run("huge")
