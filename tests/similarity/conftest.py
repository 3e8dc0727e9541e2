import numpy as np
import pytest


def planted_corpus(n_base: int = 150, seed: int = 0) -> list[str]:
    """Random word documents plus edited copies (word swaps) at many similarity levels."""
    rng = np.random.default_rng(seed)
    vocabulary = [f"w{i}" for i in range(3000)]
    texts = [" ".join(rng.choice(vocabulary, rng.integers(20, 120))) for _ in range(n_base)]
    for text in list(texts[: n_base // 2]):
        words = text.split()
        for edits in rng.integers(0, max(2, len(words) // 6), 2):
            copy = list(words)
            for position in rng.integers(0, len(copy), edits):
                copy[position] = str(rng.choice(vocabulary))
            texts.append(" ".join(copy))
    order = rng.permutation(len(texts))
    return [texts[i] for i in order] + ["", "!!! ???"]


@pytest.fixture(scope="session")
def corpus() -> list[str]:
    return planted_corpus()
