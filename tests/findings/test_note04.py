import numpy as np

from notelab.findings import note04_em


def test_note_sample_has_the_notes_shape():
    x = note04_em.note_sample(10, 0)
    assert x.shape == (20,)


def test_em_steps_rise_and_converge():
    rows, model = note04_em.em_steps(note04_em.note_sample(10, 1), 1)
    likelihood = [r["log_likelihood"] for r in rows]
    assert np.all(np.diff(likelihood) >= -1e-9)
    assert model.converged_


def test_finding_claims_hold_at_quick_scale():
    finding = note04_em.run("quick", 0)
    assert [c.verdict.value for c in finding.claims] == ["holds"] * 3
    assert max(finding.data["sklearn_gaps"]) < 1e-6
