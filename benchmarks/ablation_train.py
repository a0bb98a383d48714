"""What does each piece of `course-lib train`'s recipe buy? Remove one at a time, measure.

Trains the default recipe (course_lib.recipe.DEFAULTS) and, for each piece, the same
recipe with that piece switched off; then, for each tool of course_lib that is not in the
recipe, the recipe with that tool added. Prints validation accuracy (the held-out 10% of
the training set), test accuracy (reported only) and seconds. With --seeds it also runs the
full recipe with other seeds. (The choices themselves were made by cross-validation on the
training set, with the same pieces: benchmarks/choose_recipe.py.)

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
    "no label smoothing": {"label_smoothing": 0.0},
}
ADDED: dict[str, dict] = {  # tools of course_lib that the recipe does not use
    "with weight decay 5e-4": {"weight_decay": 5e-4},
    "with dropout 0.2": {"dropout": 0.2},
    "with label smoothing 0.1": {"label_smoothing": 0.1},
    "with 8 test-time copies": {"tta_copies": 8},
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
    changes = {
        label: change
        for label, change in {**PIECES, **ADDED}.items()
        if not change or any(getattr(D, k) != v for k, v in change.items())
    }  # a piece not in the recipe cannot be removed, nor a piece in it added
    changes.update({f"full recipe, seed {seed}": {"seed": seed} for seed in args.seeds})
    rows = []
    print(f"{'':32} {'validation':>10} {'test':>8} {'seconds':>8}")
    for label, change in changes.items():
        result = run(replace(D, **change))
        rows.append({"change": label, **result})
        print(
            f"{label:32} {result['validation_accuracy']:>10.2%} {result['test_accuracy']:>8.2%}"
            f" {result['train_seconds']:>8.1f}",
            flush=True,
        )
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"date": time.strftime("%Y-%m-%d"), "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
