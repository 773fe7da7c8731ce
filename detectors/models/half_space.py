"""Planting a River `HalfSpaceTrees` model's trees quickly, exactly as River would.

River builds a model's trees on its first `learn_one`, one node at a time through
`random.choices` and `random.uniform`. For the `unusual_day` model (30 trees of height 8, one
model per peer group) that took 120-200 ms a model here, a fixed cost per peer group that weighs
most on short replays. `plant` draws the same random numbers in the
same order and builds the same nodes with the same attributes, so the trees, and so every
score, are River's own; it only leaves out the general machinery.

Examples
--------
>>> import pickle
>>> from river import anomaly
>>> x = {"a": 0.2, "b": 0.9}
>>> ours = anomaly.HalfSpaceTrees(n_trees=3, height=4, seed=7)
>>> plant(ours, x)
>>> rivers = anomaly.HalfSpaceTrees(n_trees=3, height=4, seed=7)
>>> ours.learn_one(x); rivers.learn_one(x)
>>> pickle.dumps(ours) == pickle.dumps(rivers)
True
"""

from __future__ import annotations

from bisect import bisect
from collections.abc import Hashable, Iterable
from itertools import accumulate
from typing import Any

from river.anomaly import HalfSpaceTrees
from river.tree.padded import PaddedBranch, PaddedLeaf

# River's `HalfSpaceTrees.learn_one` passes this padding to `make_padded_tree`.
PADDING = 0.15


def plant(model: HalfSpaceTrees, features: Iterable[Hashable]) -> None:
    """Build `model`'s trees for `features` now, as its first `learn_one` of a vector with
    those features would; a model that has trees already is left alone."""
    if model.trees:
        return
    names = sorted(features)  # type: ignore[type-var]
    limits = [model.limits[name] for name in names]
    random = model.rng.random
    trees: list[Any] = []
    tree_nodes: list[list[Any]] = []
    for _ in range(model.n_trees):
        nodes: list[Any] = []
        trees.append(_grow(names, limits, model.height, random, nodes))
        tree_nodes.append(nodes)
    model.trees = trees
    # River's own node list for the window pivot, in the order of its `iter_dfs`, gathered
    # while growing: walking its recursive generators afterwards cost a third of planting.
    model._tree_nodes = tree_nodes


def _grow(
    names: list[Hashable],
    limits: list[tuple[float, float]],
    height: int,
    random: Any,
    nodes: list[Any],
) -> Any:
    """A subtree of `height`; its nodes are appended to `nodes` depth first, parents first."""
    if height == 0:
        leaf: Any = PaddedLeaf.__new__(PaddedLeaf)
        # In River's order, so a model pickles the same (see the branch's attributes below).
        leaf.r_mass = 0
        leaf.l_mass = 0
        nodes.append(leaf)
        return leaf
    branch = PaddedBranch.__new__(PaddedBranch)
    nodes.append(branch)
    # The draws of `random.choices(names, weights=widths)[0]` then `random.uniform(lo, hi)`.
    cumulative = list(accumulate([hi - lo for lo, hi in limits]))
    i = bisect(cumulative, random() * (cumulative[-1] + 0.0), 0, len(names) - 1)
    a, b = limits[i]
    lo = a + PADDING * (b - a)
    hi = b - PADDING * (b - a)
    at = lo + (hi - lo) * random()

    limits[i] = (a, at)
    left = _grow(names, limits, height - 1, random, nodes)
    limits[i] = (at, b)
    right = _grow(names, limits, height - 1, random, nodes)
    limits[i] = (a, b)

    # The attributes in the order River's constructors set them, so a model pickles the same.
    branch.children = (left, right)
    branch.feature = names[i]
    branch.threshold = at
    branch.l_mass = 0
    branch.r_mass = 0
    return branch
