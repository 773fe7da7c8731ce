"""`plant` builds exactly the trees River's own first `learn_one` builds."""

from __future__ import annotations

import pickle

from hypothesis import given, settings
from hypothesis import strategies as st
from river import anomaly

from detectors.config import load_config
from detectors.models.half_space import plant
from detectors.models.unusual_day import UnusualDayDetector, scaled
from detectors.testing import Scenario

names = st.lists(st.text("abcdefgh", min_size=1, max_size=3), min_size=1, max_size=8, unique=True)


@settings(max_examples=60, deadline=None)
@given(
    features=names,
    n_trees=st.integers(1, 4),
    height=st.integers(0, 6),
    seed=st.integers(0, 2**31 - 1),
    wide=st.floats(0.5, 40.0),
)
def test_planted_trees_are_rivers_own(
    features: list[str], n_trees: int, height: int, seed: int, wide: float
) -> None:
    # One feature with other limits than [0, 1], so the weighted choice of feature matters.
    limits = {features[0]: (-wide, wide)}
    x = {name: 0.5 for name in features}
    ours = anomaly.HalfSpaceTrees(n_trees=n_trees, height=height, limits=limits, seed=seed)
    rivers = anomaly.HalfSpaceTrees(n_trees=n_trees, height=height, limits=limits, seed=seed)

    plant(ours, reversed(features))  # any order of the names: River sorts them
    ours.learn_one(x)
    rivers.learn_one(x)

    assert pickle.dumps(ours) == pickle.dumps(rivers)
    assert ours.score_one({name: 0.1 for name in features}) == rivers.score_one(
        {name: 0.1 for name in features}
    )


def test_a_model_with_trees_is_left_alone() -> None:
    model = anomaly.HalfSpaceTrees(n_trees=2, height=3, seed=1)
    model.learn_one({"a": 0.3})
    before = pickle.dumps(model)
    plant(model, ["a", "b"])
    assert pickle.dumps(model) == before


def test_unusual_day_models_come_planted_and_learn_as_river_would() -> None:
    config = load_config(overrides={"detectors": {"unusual_day": {"window_size": 5}}})
    detector = UnusualDayDetector(config.detector("unusual_day"), Scenario().env(config))
    model = detector.new_model("response/constable")
    trees = model["trees"]
    assert len(trees.trees) == detector.n_trees

    plain = anomaly.HalfSpaceTrees(
        n_trees=detector.n_trees,
        height=detector.height,
        window_size=detector.window,
        limits=detector.limits,
        seed=trees.seed,
    )
    for day in range(12):
        x = scaled({"exports": float(day % 4), "denied": float(day % 3)})
        assert trees.score_one(x) == plain.score_one(x)
        trees.learn_one(x)
        plain.learn_one(x)
    assert pickle.dumps(trees) == pickle.dumps(plain)
