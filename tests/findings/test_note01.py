from notelab.findings import note01_batch_size
from notelab.training.profiler import Profiler
from notelab.training.trial import TrialSpec
from tests.training.test_profiler import fake_runner


def sweep(step_per_sample):
    runner = fake_runner(step_per_sample=step_per_sample)
    return Profiler(89_000, TrialSpec(1), runner=runner).sweep([1, 2, 4, 8, 16, 32, 64])


def test_one_to_two_verdict_follows_the_step_times():
    # 1.5 ms vs 2 ms per step: an epoch at batch 2 takes 0.67 of batch 1: faster, not half
    assert note01_batch_size._one_to_two(sweep(0.0005)).verdict.value == "holds"
    # 1.1 ms vs 1.2 ms per step: 0.545 of batch 1, within 0.05 of half: "not half" fails
    assert note01_batch_size._one_to_two(sweep(0.0001)).verdict.value == "partly"


def test_other_claims_follow_the_measurement():
    profile = sweep(0.0001)
    assert note01_batch_size._memory(profile).verdict.value == "holds"
    assert note01_batch_size._knee(profile).verdict.value in ("holds", "partly")
