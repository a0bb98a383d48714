"""Choose the pieces of ``course-lib train``'s recipe by cross-validation on the training set
alone: the test set is never loaded here.

Each candidate is the default recipe (course_lib.recipe.DEFAULTS) with a few fields changed.
For every fold of a 5-fold split of the 7,291 training digits, it trains on the other four
folds and predicts the held-out one: 7,291 held-out digits per split, and ``--splits`` splits
(different random folds). The rule, fixed before running: the candidate with the most
held-out digits right wins; on a tie, the one listed first (candidates are listed cheapest
and mildest first). Candidates that differ only in test-time augmentation share their
trained networks.

Studies, in the order they were run. ``--base`` gives the recipe each ran on (the defaults of
the time); the first two, rerun with these commands after the script replaced an older one,
gave the same counts to the digit (training is seeded and deterministic); so did the first two
again on 2026-12-07, when their results were first stored.

- ``distortion --base epochs=30 weight_decay=5e-4 label_smoothing=0``: one network per fold,
  the milder distortion (12 degrees, 10%, 0.6 px) against a stronger one (15 degrees, 15%,
  1.0 px). Milder: 7,218 right; stronger: 7,205 (choose_recipe_distortion.json).
- ``ensemble --base epochs=30 weight_decay=5e-4 label_smoothing=0``: 3 networks against 5.
  3: 7,225; 5: 7,224 (choose_recipe_ensemble.json).
- ``budget --splits 2 --base weight_decay=5e-4 label_smoothing=0``: what to spend the 60 s of
  ``course-lib train`` on, with 3 networks: both distortions, 30 or 60 epochs, with or
  without test-time augmentation (8 copies), on two splits (14,582 held-out digits). Winner:
  milder, 60 epochs, no copies, 14,470 right (benchmarks/results/choose_recipe_budget.json).
- ``pieces --splits 2 --base weight_decay=5e-4 label_smoothing=0``: the ablation of
  benchmarks/ablation_train.py (each piece removed in turn) on held-out folds. The rule,
  fixed before running: a piece whose removal keeps at least as many held-out digits right
  leaves the recipe (it is simpler and cheaper without it). Weight decay left: 14,483 right
  without it, 14,470 with it (choose_recipe_pieces_round1.json). Run again on the new recipe
  (``pieces --splits 2 --base label_smoothing=0``), it removed nothing
  (choose_recipe_pieces_round2.json).
- ``additions --splits 2 --base label_smoothing=0``: the tools of course_lib that the recipe
  does not use (weight decay, dropout, label smoothing, test-time augmentation), each added
  alone. The rule, fixed before running: the tool that gets the most held-out digits right
  joins the recipe if that is more than the recipe without it; a tie keeps it out. Label
  smoothing 0.1 joined: 14,485 against 14,483 (choose_recipe_additions_round1.json).
- ``round --splits 2``: both rules again, on the new recipe, sharing its training: nothing to
  remove, nothing to add (choose_recipe_round.json), so the recipe is final.

Each takes 2 (distortion) to 23 minutes (round) on 2 cores.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one BLAS thread per worker process
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402
from dataclasses import asdict, replace  # noqa: E402

import numpy as np  # noqa: E402
from ablation_train import ADDED, PIECES  # noqa: E402  (next to this file)

from course_lib.data import load_usps  # noqa: E402
from course_lib.recipe import DEFAULTS, Recipe, recipe_accuracy, train_networks  # noqa: E402

MILDER = {"rotation": 12.0, "scale": 0.10, "elastic": 0.6}
STRONGER = {"rotation": 15.0, "scale": 0.15, "elastic": 1.0}

STUDIES: dict[str, dict[str, dict]] = {  # study -> candidate name -> fields changed
    "distortion": {
        "milder (12 deg, 10%, 0.6 px)": {**MILDER, "ensemble": 1},
        "stronger (15 deg, 15%, 1.0 px)": {**STRONGER, "ensemble": 1},
    },
    "ensemble": {
        "3 networks": {**MILDER, "ensemble": 3},
        "5 networks": {**MILDER, "ensemble": 5},
    },
    "budget": {
        f"{strength}, {epochs} epochs{', 8 test-time copies' if tta else ''}": {
            **fields,
            "ensemble": 3,
            "epochs": epochs,
            "tta_copies": tta,
        }
        for epochs in (30, 60)
        for strength, fields in (("milder", MILDER), ("stronger", STRONGER))
        for tta in (0, 8)
    },
    "pieces": {  # the ablation of benchmarks/ablation_train.py, on held-out folds
        "full recipe": {},
        **{name: fields for name, fields in PIECES.items() if fields},
    },
    "additions": {  # the tools of course_lib that the recipe does not use, added one at a time
        "full recipe": {},
        **ADDED,
    },
}
STUDIES["round"] = {**STUDIES["pieces"], **STUDIES["additions"]}  # both, sharing the full recipe


def fold_right(recipe: Recipe, tta: list[int], split: int, folds: int, k: int) -> list[int]:
    """Digits right on held-out fold k of split ``split``, for each number of test-time copies."""
    (X, y), _ = load_usps()  # the test set is not used
    order = np.random.default_rng(split).permutation(len(X))
    held = np.array_split(order, folds)[k]
    train = np.setdiff1d(order, held)
    model, _ = train_networks(recipe, X[train], y[train], np.random.default_rng(split + k))
    return [
        round(
            recipe_accuracy(replace(recipe, tta_copies=c, seed=split + k), model, X[held], y[held])
            * len(held)
        )
        for c in tta
    ]


def parse_base(items: list[str]) -> dict:
    """``["epochs=30", "weight_decay=5e-4"]`` -> ``{"epochs": 30, "weight_decay": 0.0005}``."""
    base = {}
    for item in items:
        name, _, text = item.partition("=")
        kind = type(getattr(DEFAULTS, name, None))
        try:
            if kind is bool and text in ("True", "False"):
                base[name] = text == "True"
            elif kind in (int, float):
                base[name] = kind(text)
            else:
                raise ValueError
        except ValueError:
            raise SystemExit(
                f"--base expects FIELD=VALUE with a number or True/False field of Recipe, "
                f"got {item!r}"
            ) from None
    return base


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("study", choices=STUDIES)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument(
        "--splits", type=int, default=1, help="random 5-fold splits, seeds 0, 1, ..."
    )
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument(
        "--base",
        nargs="*",
        default=[],
        metavar="FIELD=VALUE",
        help="change the default recipe under every candidate, e.g. epochs=30 (as a study was run)",
    )
    args = parser.parse_args()
    base = parse_base(args.base)
    candidates = {name: {**base, **fields} for name, fields in STUDIES[args.study].items()}

    def trained(fields: dict) -> str:  # the recipe a candidate trains: all of it but the tta
        return json.dumps(asdict(replace(DEFAULTS, **{**fields, "tta_copies": 0})), sort_keys=True)

    trainings: dict[str, list[int]] = {}  # one training per recipe, for all its tta values
    for fields in candidates.values():
        copies = trainings.setdefault(trained(fields), [])
        if fields.get("tta_copies", 0) not in copies:  # two names can be one recipe
            copies.append(fields.get("tta_copies", 0))
    start = time.perf_counter()
    keys = [(t, s, k) for t in trainings for s in range(args.splits) for k in range(args.folds)]
    jobs = [(Recipe(**json.loads(t)), trainings[t], s, args.folds, k) for t, s, k in keys]
    with ProcessPoolExecutor(args.jobs) as pool:
        outcomes = list(pool.map(fold_right, *zip(*jobs, strict=True)))
    right: dict[tuple[str, int], int] = {}
    for (t, *_), counts in zip(keys, outcomes, strict=True):
        for c, n in zip(trainings[t], counts, strict=True):
            right[t, c] = right.get((t, c), 0) + n
    n_held = args.splits * len(load_usps()[0][0])
    results = {}
    for name, fields in candidates.items():
        results[name] = right[trained(fields), fields.get("tta_copies", 0)]
        print(
            f"{name:<44} {results[name]}/{n_held} held-out digits right "
            f"({results[name] / n_held:.2%})"
        )
    best = max(results.values())
    chosen = next(name for name, r in results.items() if r == best)  # the first on a tie
    summary = {
        "study": args.study,
        "base": base,
        "folds": args.folds,
        "splits": args.splits,
        "right": results,
        "of": n_held,
        "chosen": chosen,
    }
    studied = replace(DEFAULTS, **base)  # the recipe that the pieces are removed from
    changes = {
        name: any(getattr(studied, f) != v for f, v in fields.items())
        for name, fields in candidates.items()
    }
    full = results.get("full recipe")
    if any(name in PIECES for name in candidates):  # the rule: a piece that does not help leaves
        summary["removed"] = [
            name
            for name in candidates
            if name in PIECES and changes[name] and results[name] >= full
        ]
        print(f"the rule removes: {', '.join(summary['removed']) or 'nothing'}")
    if any(name in ADDED for name in candidates):  # the rule: a tool joins if it wins digits
        winners = {
            name: results[name]
            for name in candidates
            if name in ADDED and changes[name] and results[name] > full
        }
        summary["added"] = max(winners, key=winners.get) if winners else None
        print(f"the rule adds: {summary['added'] or 'nothing'}")
    if full is None:
        print(f"chosen: {chosen}")
    print(f"({time.perf_counter() - start:.0f} s in all)")
    print(json.dumps(summary))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(summary, f, indent=1)


if __name__ == "__main__":
    main()
