"""The ``course-lib`` command: train, doctor, and the exercise commands (build, check, grade)."""

from __future__ import annotations

import argparse
import json
import sys
import time

from .exercises.cli import positive

DEFAULTS = {
    "epochs": 10,
    "hidden": "512,256",
    "batch_size": 64,
    "lr": 0.1,
    "momentum": 0.9,
    "seed": 0,
}


def _hidden_sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        sizes = []
    if not sizes or any(s < 1 for s in sizes):
        raise argparse.ArgumentTypeError(
            f"expected comma-separated positive layer sizes such as 256 or 128,64, got {text!r}"
        )
    return sizes


def _momentum(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"expected a momentum in [0, 1), got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="course-lib", description="Backpropagation course: tools for learners and instructors."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    train = commands.add_parser(
        "train",
        help="train a digit classifier (an MLP) on USPS and print its test accuracy",
        description="Train an MLP on the USPS digits with SGD + momentum; print the test accuracy.",
    )
    d = DEFAULTS
    train.add_argument(
        "--epochs",
        type=positive(int),
        default=d["epochs"],
        help="passes over the data (default %(default)s)",
    )
    train.add_argument(
        "--hidden",
        type=_hidden_sizes,
        default=_hidden_sizes(d["hidden"]),
        help="hidden layer sizes, comma-separated (default 512,256)",
    )
    train.add_argument(
        "--batch-size",
        type=positive(int),
        default=d["batch_size"],
        help="examples per step (default %(default)s)",
    )
    train.add_argument(
        "--lr",
        type=positive(float),
        default=d["lr"],
        help="learning rate eta (default %(default)s)",
    )
    train.add_argument(
        "--momentum",
        type=_momentum,
        default=d["momentum"],
        help="momentum in [0, 1) (default %(default)s)",
    )
    train.add_argument(
        "--seed",
        type=int,
        default=d["seed"],
        help="seed of every random choice (default %(default)s)",
    )
    train.add_argument(
        "--augment",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="add the 1-pixel shifts of every training image (default on)",
    )
    train.add_argument("--json", action="store_true", help="end with one JSON line of the results")
    train.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    commands.add_parser(
        "doctor",
        help="check that this environment is ready for the course, and say how to fix it",
        description="Check Python, packages, the widgets front end, the kernel and the data.",
    )
    from .exercises.cli import add_commands as add_exercise_commands

    add_exercise_commands(commands)
    return parser


def train_command(args: argparse.Namespace) -> int:
    import numpy as np

    from .data import augment_shifts, load_usps
    from .nn import SoftmaxCrossEntropy, mlp
    from .optim import Momentum
    from .train import TrainingDiverged, accuracy, cosine_schedule, fit

    (X, y), (X_test, y_test) = load_usps()
    if args.augment:
        X, y = augment_shifts(X, y)
    sizes = [X.shape[1], *args.hidden, 10]
    rng = np.random.default_rng(args.seed)
    model = mlp(sizes, rng=rng)
    optimizer = Momentum(model.parameters(), lr=args.lr, momentum=args.momentum)
    print(
        f"training an MLP {'-'.join(map(str, sizes))} on {len(X)} examples"
        f"{' (with 1-pixel shifts)' if args.augment else ''} for {args.epochs} epochs",
        file=sys.stderr,
    )
    start = time.perf_counter()
    try:
        history = fit(
            model,
            SoftmaxCrossEntropy(),
            optimizer,
            X,
            y,
            epochs=args.epochs,
            batch_size=args.batch_size,
            rng=rng,
            progress=not args.no_progress,
            lr_schedule=cosine_schedule(args.lr, args.epochs),
        )
    except TrainingDiverged as err:
        print(f"course-lib train: {err}", file=sys.stderr)
        return 1
    train_seconds = time.perf_counter() - start
    test_acc = accuracy(model, X_test, y_test)
    print(f"final training loss {history.loss[-1]:.4f}")
    print(f"test accuracy {test_acc:.2%} ({round(test_acc * len(y_test))}/{len(y_test)})")
    print(f"training took {train_seconds:.1f} s")
    if args.json:
        result = {
            "test_accuracy": test_acc,
            "train_seconds": train_seconds,
            "final_loss": history.loss[-1],
            "epochs": args.epochs,
            "hidden": args.hidden,
            "batch_size": args.batch_size,
            "lr": args.lr,
            "momentum": args.momentum,
            "seed": args.seed,
            "augment": args.augment,
        }
        print(json.dumps(result))
    return 0


def doctor_command(args: argparse.Namespace) -> int:
    from .doctor import main as doctor_main

    return doctor_main()


COMMANDS = {"train": train_command, "doctor": doctor_command}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from .exercises.cli import COMMANDS as EXERCISE_COMMANDS  # build, check, grade

    return {**COMMANDS, **EXERCISE_COMMANDS}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
