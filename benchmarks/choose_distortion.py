"""Choose the distortion strength and the ensemble size of ``course-lib train`` by
cross-validation on the training set alone (the test set is never scored here).

The validation split of ``course_lib.recipe`` (729 digits) cannot tell the two candidate
strengths apart (both average 99.13% over seeds 0-2). Here each candidate trains one
network per fold of a 5-fold split of the 7,291 training digits and is scored on the held-out
fold: 7,291 validation digits in all. The rule, fixed before running: the candidate with
more held-out digits right wins; on a tie, the milder one. ``--ensemble`` compares 3 and 5
networks (averaged logits) the same way, with the chosen strength; on a tie, 3 (faster).

    python benchmarks/choose_distortion.py              # about 2 minutes on 2 cores
    python benchmarks/choose_distortion.py --ensemble   # about 5 minutes
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from functools import partial

import numpy as np

from course_lib.augment import random_distortion
from course_lib.data import load_usps
from course_lib.nn import Ensemble, SoftmaxCrossEntropy
from course_lib.optim import Momentum
from course_lib.recipe import DEFAULTS, build_model
from course_lib.train import accuracy, cosine_schedule, fit

CANDIDATES = {  # name -> (rotation in degrees, relative scale, elastic pixels); milder first
    "milder (12 deg, 10%, 0.6 px)": (12.0, 0.10, 0.6),
    "stronger (15 deg, 15%, 1.0 px)": (15.0, 0.15, 1.0),
}


def held_out_right(rotation: float, scale: float, elastic: float, folds: int, seed: int,
                   networks: int = 1) -> int:  # fmt: skip
    """Digits right on the held-out folds, ``networks`` per fold (their logits averaged),
    trained on the other folds."""
    (X, y), _ = load_usps()  # the test set is not used
    order = np.random.default_rng(seed).permutation(len(X))
    recipe = replace(DEFAULTS, rotation=rotation, scale=scale, elastic=elastic, ensemble=1)
    augment = partial(random_distortion, rotation=rotation, scale=scale, shift=recipe.shift,
                      elastic=elastic)  # fmt: skip
    right = 0
    for k, held in enumerate(np.array_split(order, folds)):
        train = np.setdiff1d(order, held)
        rng = np.random.default_rng(seed + k)
        members = []
        for _ in range(networks):
            model = build_model(recipe, X.shape[1], rng)
            optimizer = Momentum(model.parameters(), lr=recipe.lr, momentum=recipe.momentum,
                                 weight_decay=recipe.weight_decay)  # fmt: skip
            fit(model, SoftmaxCrossEntropy(), optimizer, X[train], y[train],
                epochs=recipe.epochs, batch_size=recipe.batch_size, rng=rng, augment=augment,
                lr_schedule=cosine_schedule(recipe.lr, recipe.epochs), progress=False)  # fmt: skip
            members.append(model)
        model = members[0] if networks == 1 else Ensemble(*members)
        right += round(accuracy(model, X[held], y[held]) * len(held))
    return right


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ensemble", action="store_true", help="compare 3 and 5 networks")
    args = parser.parse_args()
    n = len(load_usps()[0][0])
    candidates = {name: (*strength, 1) for name, strength in CANDIDATES.items()}
    if args.ensemble:
        strength = (DEFAULTS.rotation, DEFAULTS.scale, DEFAULTS.elastic)
        candidates = {f"{k} networks": (*strength, k) for k in (3, 5)}
    results = {}
    for name, (rotation, scale, elastic, networks) in candidates.items():
        start = time.perf_counter()
        right = held_out_right(rotation, scale, elastic, args.folds, args.seed, networks)
        results[name] = right
        print(f"{name:<32} {right}/{n} held-out digits right ({right / n:.2%}), "
              f"{time.perf_counter() - start:.0f} s")  # fmt: skip
    best = max(results.values())
    chosen = next(name for name, right in results.items() if right == best)  # first on a tie
    print(f"chosen: {chosen}")
    print(json.dumps({"folds": args.folds, "seed": args.seed, "right": results, "of": n,
                      "chosen": chosen}))  # fmt: skip


if __name__ == "__main__":
    main()
