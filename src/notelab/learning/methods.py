"""The methods by name: what each is, which family it belongs to, and how to make one.

Every method is a scikit-learn-style classifier whose ``fit(X, y)`` takes ``-1`` for an
unlabelled row. The scikit-learn ones run without PyTorch; the others need it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from notelab._util import InputError

BASELINE, SEMI, SELF, BOTH = "labels only", "semi-supervised", "self-supervised", "both"


@dataclass(frozen=True)
class Method:
    """A method's name, family, whether it needs PyTorch, a description and its factory."""

    name: str
    family: str
    torch: bool
    description: str
    build: Callable[..., Any]


def _logistic(**_: Any) -> Any:
    from notelab.learning.baseline import LabelsOnly

    return LabelsOnly()


def _mlp(*, random_state: int, device: str, **_: Any) -> Any:
    from notelab.learning.deep import MLPClassifier

    return MLPClassifier(random_state=random_state, device=device)


def _self_training(**_: Any) -> Any:
    from notelab.learning.self_training import SelfTraining

    return SelfTraining(criterion="k_best", k_best=100, max_rounds=5)


def _graph(variant: str) -> Callable[..., Any]:
    def build(*, image_shape: tuple[int, int] | None, **_: Any) -> Any:
        from notelab.learning import spreading

        cls = spreading.LabelSpreading if variant == "spreading" else spreading.LabelPropagation
        return cls(image_shape=image_shape)

    return build


def _fixmatch(
    *, random_state: int, image_shape: tuple[int, int] | None, device: str, **_: Any
) -> Any:
    from notelab.learning.deep import FixMatch

    return FixMatch(image_shape=image_shape, random_state=random_state, device=device)


def _selfsup(pretext: str, head: str) -> Callable[..., Any]:
    def build(
        *, random_state: int, image_shape: tuple[int, int] | None, device: str, **_: Any
    ) -> Any:
        from notelab.learning.selfsup import SelfSupervised

        return SelfSupervised(
            pretext=pretext,
            head=head,
            image_shape=image_shape,
            device=device,
            random_state=random_state,
        )

    return build


METHODS: dict[str, Method] = {
    m.name: m
    for m in (
        Method("logistic", BASELINE, False, "logistic regression on the labelled rows", _logistic),
        Method("mlp", BASELINE, True, "PyTorch MLP on the labelled rows", _mlp),
        Method(
            "self-training",
            SEMI,
            False,
            "logistic regression labels its 100 surest rows a round, 5 rounds",
            _self_training,
        ),
        Method(
            "label-spreading",
            SEMI,
            False,
            "labels spread over a sparse kNN graph, classes balanced",
            _graph("spreading"),
        ),
        Method(
            "label-propagation",
            SEMI,
            False,
            "labels propagated over a sparse kNN graph, labelled rows clamped",
            _graph("propagation"),
        ),
        Method(
            "fixmatch",
            SEMI,
            True,
            "MLP: confident predictions on weak views are targets for strong views",
            _fixmatch,
        ),
        Method(
            "masked-probe",
            SELF,
            True,
            "masked-feature pretraining (VIME), linear probe",
            _selfsup("masked", "probe"),
        ),
        Method(
            "masked-finetune",
            SELF,
            True,
            "masked-feature pretraining, fine-tuned on the labels",
            _selfsup("masked", "finetune"),
        ),
        Method(
            "contrastive-probe",
            SELF,
            True,
            "contrastive pretraining (SCARF), linear probe",
            _selfsup("contrastive", "probe"),
        ),
        Method(
            "contrastive-finetune",
            SELF,
            True,
            "contrastive pretraining, fine-tuned on the labels",
            _selfsup("contrastive", "finetune"),
        ),
        Method(
            "masked+fixmatch",
            BOTH,
            True,
            "masked-feature pretraining, then FixMatch fine-tuning",
            _selfsup("masked", "fixmatch"),
        ),
    )
}


def check_methods(names: Sequence[str]) -> None:
    """Raise one clear error for an unknown name, or a PyTorch method without PyTorch."""
    from notelab.learning._torch import torch_available

    if not names:
        raise InputError("at least one method", "none", f"e.g. {', '.join(METHODS)}")
    for name in names:
        if name not in METHODS:
            raise InputError(
                f"a method from {', '.join(METHODS)}", repr(name), "check the spelling"
            )
        if METHODS[name].torch and not torch_available():
            raise InputError(
                f"PyTorch for {name}", "torch is not installed", "pip install 'notelab[torch]'"
            )


def make_method(
    name: str,
    *,
    random_state: int = 0,
    image_shape: tuple[int, int] | None = None,
    device: str = "auto",
) -> Any:
    """A fresh, unfitted classifier for method ``name``.

    Examples
    --------
    >>> make_method("label-spreading", image_shape=(8, 8)).image_shape
    (8, 8)
    """
    check_methods([name])
    return METHODS[name].build(random_state=random_state, image_shape=image_shape, device=device)
