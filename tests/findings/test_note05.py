"""Finding 5: each claim's grading on synthetic measurements, and the whole run at a tiny size."""

import pytest

from notelab.findings import note05_teacher_forcing as note5


def _run(
    task, policy, seed, *, curve=(2.0, 1.6, 1.3, 1.1, 1.0), tf=0.9, fr=0.8, after=0.5, fresh=0.1
):
    compounding = {
        "errors_after_error": int(after * 100),
        "steps_after_error": 100,
        "errors_without_error": int(fresh * 100),
        "steps_without_error": 100,
        "rate_after_error": after,
        "rate_without_error": fresh,
    }
    return {
        "task": task,
        "policy": policy,
        "seed": seed,
        "curve": [(10 * (i + 1), x) for i, x in enumerate(curve)],
        "metrics": {
            "teacher_forced_accuracy": tf,
            "free_running_accuracy": fr,
            "exposure_bias_gap": tf - fr,
            "exact_match": 0.5,
            "teacher_forced_loss": curve[-1],
            "position_accuracy_free": [0.9, 0.7, 0.6],
            "position_accuracy_teacher": [0.9, 0.9, 0.9],
            "position_counts": [10, 10, 5],
            "compounding_free": compounding,
            "compounding_teacher": compounding,
        },
        "truth_inputs": 10,
        "model_inputs": 0,
        "feeding": {
            "wrong_predictions": 40,
            "then_fed_truth": 40,
            "free_fed_own": 60,
            "free_steps": 60,
            "example_source": ["E", "D", "C", "B", "A"],
            "example_truth": ["A", "B", "C", "D", "E", "<eos>"],
            "example_predicted": ["A", "F", "C", "D", "E", "<eos>"],
            "example_fed": ["<bos>", "A", "B", "C", "D", "E"],
        },
    }


def _runs(free_curve=(2.5, 2.0, 1.8, 1.6, 1.5), schedule_fr=0.7, gap=0.1):
    runs = []
    for seed in range(3):
        runs.append(_run("reverse", "teacher", seed, fr=0.9 - gap - 0.01 * seed))
        runs.append(_run("reverse", "free", seed, curve=free_curve, tf=0.7, fr=0.69))
        for policy in note5.DECAYS:
            runs.append(_run("reverse", policy, seed, tf=0.75, fr=schedule_fr + 0.01 * seed))
    return runs


def test_fed_truth_claim_names_the_wrong_prediction():
    claim = note5._fed_truth_claim(_runs())
    assert claim.verdict.value == "holds"
    assert "predicted 'F' at step 2 where the truth was 'B', and the next input was 'B'" in (
        claim.evidence
    )
    broken = _runs()
    for run in broken:
        run["feeding"] = {**run["feeding"], "then_fed_truth": 20}
    assert note5._fed_truth_claim(broken).verdict.value == "fails"


@pytest.mark.parametrize(
    ("free", "verdict"), [((2.5, 2, 1.8, 1.6, 1.5), "holds"), ((1.5, 1, 0.8, 0.6, 0.5), "fails")]
)
def test_converge_claim(free, verdict):
    assert note5._converge_claim(_runs(free_curve=free), 20).verdict.value == verdict


@pytest.mark.parametrize(("gap", "verdict"), [(0.1, "holds"), (-0.1, "fails")])
def test_gap_claim(gap, verdict):
    assert note5._gap_claim(_runs(gap=gap)).verdict.value == verdict


def test_compound_claim_takes_the_smaller_effect():
    claim = note5._compound_claim(_runs())
    # rate difference 0.4; accuracy falls from 0.9 to (0.7*10 + 0.6*5) / 15 = 0.667
    assert claim.estimate.value == pytest.approx(0.9 - 10 / 15)
    assert claim.verdict.value == "holds"


@pytest.mark.parametrize(("fr", "verdict"), [(0.9, "holds"), (0.6, "fails")])
def test_scheduled_claim(fr, verdict):
    claim = note5._scheduled_claim(_runs(schedule_fr=fr))
    assert claim.verdict.value == verdict
    assert "On reverse, where it fared worst" in claim.evidence


def test_tiny_run_builds_the_finding(monkeypatch):
    monkeypatch.setitem(note5.STEPS, "quick", 8)
    monkeypatch.setitem(note5.HELDOUT, "quick", 12)
    finding = note5.run("quick", seed=0)
    assert finding.title == note5.TITLE and len(finding.claims) == 5
    assert all(c.estimate is not None for c in finding.claims)
    assert [f.name for f in finding.figures] == [
        "note05-positions",
        "note05-schedules",
        "note05-gap",
    ]
    plan = note5._plan("quick")
    assert len(finding.data["runs"]) == note5.REPLICAS * len(plan)
    rows = finding.tables[0].rows
    assert len(rows) == len(plan)
    feeding = finding.data["runs"][0]["feeding"]
    assert feeding["then_fed_truth"] == feeding["wrong_predictions"] > 0
