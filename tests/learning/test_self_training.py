"""Self-training against scikit-learn's, temperature scaling against brute force."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.semi_supervised import SelfTrainingClassifier

from notelab.learning import SelfTraining, TemperatureScaled
from notelab.learning.calibration import fit_temperature, softmax
from tests.learning.conftest import few_labels


@pytest.mark.parametrize(
    "options",
    [
        {"criterion": "threshold", "threshold": 0.6},
        {"criterion": "k_best", "k_best": 40},
    ],
)
def test_same_rounds_as_scikit_learn_without_calibration(digits, options):
    X, shown = digits.X[:700], few_labels(digits.y[:700], 4)
    base = LogisticRegression(max_iter=1000)
    ours = SelfTraining(base, max_rounds=4, calibration_folds=0, balanced=False, **options).fit(
        X, shown
    )
    theirs = SelfTrainingClassifier(base, max_iter=4, **options).fit(X, shown)
    assert np.array_equal(ours.labeled_iter_, theirs.labeled_iter_)
    assert np.array_equal(ours.transduction_, theirs.transduction_)
    assert np.array_equal(ours.predict(digits.X[700:]), theirs.predict(digits.X[700:]))


def test_rounds_record_what_was_added(digits):
    X, shown = digits.X[:600], few_labels(digits.y[:600], 3)
    model = SelfTraining(criterion="k_best", k_best=50, max_rounds=3).fit(X, shown)
    assert len(model.rounds_) == 3
    for number, added in enumerate(model.rounds_, start=1):
        assert (model.labeled_iter_[added["added"]] == number).all()
        assert len(added["added"]) == len(added["labels"]) == len(added["confidence"])
    # balanced: at most ceil(50 / 10) = 5 rows of each predicted class per round
    assert max(np.bincount(model.rounds_[0]["labels"])) <= 5


def test_threshold_that_nothing_passes_stops_at_once(digits):
    X, shown = digits.X[:300], few_labels(digits.y[:300], 1)
    model = SelfTraining(criterion="threshold", threshold=0.999).fit(X, shown)
    assert model.stop_reason_ == "no_change" and model.rounds_ == []


def test_temperature_is_the_log_loss_minimum():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(300, 4)) * 3
    y = np.array([rng.choice(4, p=p) for p in softmax(logits / 2.0)])
    log_proba = np.log(softmax(logits))
    found = fit_temperature(log_proba, y)
    grid = np.exp(np.linspace(np.log(0.05), np.log(20), 4001))
    losses = [-np.mean(np.log(softmax(log_proba / t)[np.arange(300), y])) for t in grid]
    assert found == pytest.approx(grid[int(np.argmin(losses))], rel=0.01)
    assert found == pytest.approx(2.0, rel=0.25)  # the temperature the labels were drawn at


def test_temperature_keeps_every_prediction(digits):
    X, y = digits.X[:400], digits.y[:400]
    plain = LogisticRegression(max_iter=1000).fit(X[::4], y[::4])
    scaled = TemperatureScaled(LogisticRegression(max_iter=1000)).fit(X[::4], y[::4])
    assert np.array_equal(plain.predict(X), scaled.predict(X))
    assert scaled.temperature_ != 1.0
