import json

from notelab.findings.note06_steps import _arithmetic_claim, _check, _formula_claim


def test_check_counts_a_real_loop():
    row = _check(1003, 100, 2, False, 3, "flush")
    assert row["counted_steps"] == row["predicted_steps"] == 2 * 4
    assert row["match"]


def test_formula_claim_is_partly_when_last_batch_is_partial():
    grid = [_check(1000, 100, 1, False, 1, "flush"), _check(1003, 100, 1, False, 1, "flush")]
    formula = _formula_claim(grid)
    assert formula.verdict.value == "partly"
    assert formula.estimate.value == 11 - 10.03  # ceil(1003 / 100) against 1003 / 100
    assert _arithmetic_claim(grid).verdict.value == "holds"
    assert _formula_claim(grid[:1]).verdict.value == "holds"


def test_arithmetic_claim_fails_on_a_mismatch():
    row = _check(1000, 100, 1, False, 1, "flush")
    assert _arithmetic_claim([row, {**row, "match": False}]).verdict.value == "fails"


def test_report_has_note6_claims(report_dir):
    document = json.loads((report_dir / "results.json").read_text())
    note6 = next(n for n in document["notes"] if n["note"] == 6)
    verdicts = [c["verdict"] for c in note6["claims"]]
    assert verdicts.count("fails") == 0
    examples = {(r["samples"], r["batch_size"]): r for r in note6["data"]["note_examples"]}
    assert examples[(89000, 2)]["counted_steps"] == 44500
