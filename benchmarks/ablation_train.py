"""What does each piece of `course-lib train`'s recipe buy? Remove one at a time, measure.

Trains the default recipe (course_lib.recipe.DEFAULTS) and, for each piece, the same
recipe with that piece switched off; prints validation accuracy (the held-out 10% of the
training set: what the choices were made on), test accuracy (reported only) and seconds.
With --seeds it also runs the full recipe with other seeds.

    python benchmarks/ablation_train.py [--seeds 1 2] [--json FILE]

Takes a few minutes on 2 cores; notebook 05 shows the stored table.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace

from course_lib.recipe import DEFAULTS, Recipe, train_digits

D = DEFAULTS
PIECES: dict[str, dict] = {
    "full recipe": {},
    "no augmentation at all": {"augment": False},
    "no rotation or scaling": {"rotation": 0.0, "scale": 0.0},
    "no elastic distortion": {"elastic": 0.0},
    "no weight decay": {"weight_decay": 0.0},
    "no learning-rate schedule": {"schedule": False},
    "one network, not an ensemble": {"ensemble": 1},
}


def run(recipe: Recipe) -> dict:
    result = train_digits(recipe)
    result.pop("model")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="*", default=[], help="extra seeds, full recipe")
    parser.add_argument("--json", help="write the rows to this JSON file")
    args = parser.parse_args()
    rows = []
    print(f"{'':32} {'validation':>10} {'test':>8} {'seconds':>8}")
    for label, change in PIECES.items():
        if change and all(getattr(D, k) == v for k, v in change.items()):
            continue  # the piece is not in the default recipe: nothing to remove
        result = run(replace(D, **change))
        rows.append({"piece removed": label, **result})
        print(
            f"{label:32} {result['validation_accuracy']:>10.2%} {result['test_accuracy']:>8.2%}"
            f" {result['train_seconds']:>8.1f}",
            flush=True,
        )
    for seed in args.seeds:
        result = run(replace(D, seed=seed))
        rows.append({"piece removed": f"full recipe, seed {seed}", **result})
        print(
            f"{'full recipe, seed ' + str(seed):32} {result['validation_accuracy']:>10.2%}"
            f" {result['test_accuracy']:>8.2%} {result['train_seconds']:>8.1f}",
            flush=True,
        )
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"date": time.strftime("%Y-%m-%d"), "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
