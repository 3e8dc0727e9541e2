import json

from notelab.findings.note06_steps import _check, _formula_claim


def test_check_counts_a_real_loop():
    row = _check(1003, 100, 2, False, 3, "flush")
    assert row["counted_steps"] == row["predicted_steps"] == 2 * 4
    assert row["match"]


def test_formula_claim_is_partly_when_last_batch_is_partial():
    grid = [_check(1000, 100, 1, False, 1, "flush"), _check(1003, 100, 1, False, 1, "flush")]
    claims = _formula_claim(grid)
    assert claims[0].verdict.value == "partly"
    assert claims[1].verdict.value == "holds"


def test_report_has_note6_claims(report_dir):
    document = json.loads((report_dir / "results.json").read_text())
    note6 = next(n for n in document["notes"] if n["note"] == 6)
    verdicts = [c["verdict"] for c in note6["claims"]]
    assert verdicts.count("fails") == 0
    examples = {(r["samples"], r["batch_size"]): r for r in note6["data"]["note_examples"]}
    assert examples[(89000, 2)]["counted_steps"] == 44500
