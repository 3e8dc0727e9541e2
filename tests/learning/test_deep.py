"""The PyTorch methods: augmentations against numpy, determinism per seed, the pretext task."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from notelab.learning import FixMatch, MLPClassifier, SelfSupervised, pretrain  # noqa: E402
from notelab.learning.augment import corrupt, shift_images  # noqa: E402
from notelab.learning.graph import shifted_copies  # noqa: E402
from tests.learning.conftest import few_labels  # noqa: E402


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_image_shifts_match_numpy():
    X = np.random.default_rng(0).random((50, 12))
    shifted = shift_images(
        torch.as_tensor(X, dtype=torch.float64), (3, 4), 1, torch.Generator().manual_seed(0)
    ).numpy()
    copies = np.stack(shifted_copies(X, (3, 4), 1))  # every possible shift
    for row in range(50):
        assert np.isclose(copies[:, row], shifted[row]).all(axis=1).any()


def test_corruption_takes_values_from_the_same_column():
    x = torch.arange(200.0).reshape(50, 4)
    pool = torch.arange(4.0).repeat(100, 1) + 1000 * torch.arange(100.0)[:, None]
    out, mask = corrupt(x, pool, 0.5, torch.Generator().manual_seed(0))
    assert torch.equal(out[~mask], x[~mask])
    replaced = out[mask] - 1000 * torch.div(out[mask], 1000, rounding_mode="floor")
    assert torch.equal(replaced, torch.nonzero(mask)[:, 1].float())
    assert 0.35 < float(mask.float().mean()) < 0.65


@pytest.mark.parametrize(
    "make",
    [
        lambda s: MLPClassifier(steps=60, random_state=s),
        lambda s: FixMatch(steps=40, random_state=s),
        lambda s: SelfSupervised(pretrain_steps=40, random_state=s),
        lambda s: SelfSupervised(
            pretext="contrastive",
            head="finetune",
            pretrain_steps=30,
            finetune_steps=30,
            random_state=s,
        ),
        lambda s: SelfSupervised(
            pretrain_steps=30, head="fixmatch", finetune_steps=30, random_state=s
        ),
    ],
)
def test_deterministic_per_seed(digits, make):
    X, shown = digits.X[:300], few_labels(digits.y[:300], 2)
    first = make(0).fit(X, shown).predict_proba(digits.X[300:400])
    again = make(0).fit(X, shown).predict_proba(digits.X[300:400])
    other = make(1).fit(X, shown).predict_proba(digits.X[300:400])
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


def test_pretext_is_learned_without_labels(digits):
    model = pretrain(digits.X[:1000], steps=200, random_state=0)
    score, chance = model.pretext_score(digits.X[1000:])
    assert score > chance + 0.2
    assert model.losses[-1] < model.losses[0]
    contrastive = pretrain(digits.X[:1000], task="contrastive", steps=100, random_state=0)
    hits, chance = contrastive.pretext_score(digits.X[1000:])
    assert hits > 20 * chance


def test_pretraining_is_cached_per_data_and_options(digits):
    a = pretrain(digits.X[:200], steps=5, random_state=3)
    assert pretrain(digits.X[:200], steps=5, random_state=3) is a
    assert pretrain(digits.X[:200], steps=5, random_state=4) is not a


def test_mlp_learns_like_a_plain_torch_loop(digits):
    """Same initial weights and batches as a hand-written loop: the same final weights."""
    from notelab.learning import _torch

    X, y = digits.X[:200], digits.y[:200]
    ours = MLPClassifier(steps=20, random_state=5, device="cpu").fit(X, y)
    rng = _torch.generator(5)  # seeds torch as the estimator does, then builds the same net
    net = torch.nn.Sequential(_torch.encoder_network(64, 128), torch.nn.Linear(128, 10))
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3, weight_decay=1e-4)
    x, t = torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y)
    for _ in range(20):
        rows = torch.randint(0, 200, (64,), generator=rng)
        loss = torch.nn.functional.cross_entropy(net(x[rows]), t[rows])
        opt.zero_grad()
        loss.backward()
        opt.step()
    for a, b in zip(ours.model_.parameters(), net.parameters(), strict=True):
        torch.testing.assert_close(a, b)


def test_fixmatch_uses_unlabelled_rows(moons):
    shown = few_labels(moons.y, 4)
    model = FixMatch(steps=150, random_state=0).fit(moons.X, shown)
    assert model.history_[-1]["confident"] > 0
    assert model.score(moons.X, moons.y) > 0.7
