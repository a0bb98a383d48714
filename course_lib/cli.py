"""The ``course-lib`` command: lab, train, doctor, the learner's ``check``, and (where the
instructor's package is installed) build, grade, gradescope, release. Starting a command
imports only what it runs: ``lab``, ``train`` and ``doctor`` never load the grader."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

from .exercises.cli import positive  # argparse only: no engine


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


def _number(what: str, ok: Callable[[float], bool], kind: type = float) -> Callable[[str], float]:
    """An argparse type: a ``kind`` for which ``ok`` holds, or a message naming what was given."""

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            value = float("nan")  # fails every test below
        if not ok(value):
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
        return value

    return parse


_momentum = _number("a momentum in [0, 1)", lambda v: 0 <= v < 1)
_non_negative = _number("a number >= 0", lambda v: 0 <= v < float("inf"))
_fraction = _number("a fraction in [0, 1)", lambda v: 0 <= v < 1)
_count = _number("a whole number >= 0", lambda v: v >= 0, kind=int)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="course-lib", description="Backpropagation course: tools for learners and instructors."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    train = commands.add_parser(
        "train",
        help="train a digit classifier (an MLP) on USPS and print its accuracy",
        description=(
            "Train MLPs on the USPS digits and average them (SGD + momentum, random "
            "distortions of the training digits, cosine schedule, label smoothing); a "
            "validation split of the training set is held out, and both its accuracy and the "
            "test accuracy are printed."
        ),
    )
    add_train_options(train)
    commands.add_parser(
        "doctor",
        help="check that this environment is ready for the course, and say how to fix it",
        description="Check Python, packages, the widgets front end, the kernel and the data.",
    )
    commands.add_parser(
        "lab",
        help="open the course in JupyterLab on the welcome notebook (run it in the course folder)",
        description="Start JupyterLab in this folder on notebooks/00_welcome.ipynb. Other options "
        "go to JupyterLab as they are (e.g. --no-browser, --port 9999).",
    )
    for module in command_modules():
        module.add_commands(commands)
    return parser


COMMAND_GROUP = "course_lib.commands"  # entry points that add subcommands (pyproject.toml)


def command_modules() -> list:
    """The modules that add subcommands: the learner's ``check`` (course_lib.exercises.cli),
    then each module of the ``course_lib.commands`` entry points: the instructor's commands
    (course_lib.instructor.cli) where this is the instructor's edition. The learner edition
    declares none, so nothing in it names the instructor's package."""
    from importlib.metadata import entry_points

    from .exercises import cli as learner

    found = [learner]
    for point in sorted(entry_points(group=COMMAND_GROUP), key=lambda p: p.name):
        try:
            found.append(point.load())
        except ImportError:  # declared by an install whose package is gone
            continue
    return found


def add_train_options(train: argparse.ArgumentParser) -> None:
    """The options of ``course-lib train``; their defaults are the recipe's (course_lib.recipe)."""
    from .recipe import DEFAULTS as d

    train.add_argument(
        "--epochs",
        type=positive(int),
        default=d.epochs,
        help="passes over the data (default %(default)s)",
    )
    train.add_argument(
        "--hidden",
        type=_hidden_sizes,
        default=list(d.hidden),
        help=f"hidden layer sizes, comma-separated (default {','.join(map(str, d.hidden))})",
    )
    train.add_argument(
        "--batch-size",
        type=positive(int),
        default=d.batch_size,
        help="examples per step (default %(default)s)",
    )
    train.add_argument(
        "--lr", type=positive(float), default=d.lr, help="learning rate eta (default %(default)s)"
    )
    train.add_argument(
        "--momentum",
        type=_momentum,
        default=d.momentum,
        help="momentum in [0, 1) (default %(default)s)",
    )
    train.add_argument(
        "--weight-decay",
        type=_non_negative,
        default=d.weight_decay,
        help="L2 penalty on the weights (default %(default)s; 0 turns it off)",
    )
    train.add_argument(
        "--dropout",
        type=_fraction,
        default=d.dropout,
        help="dropout probability after each hidden layer (default %(default)s)",
    )
    train.add_argument(
        "--label-smoothing",
        type=_fraction,
        default=d.label_smoothing,
        help="probability of the target spread over all classes (default %(default)s; 0 turns "
        "it off)",
    )
    train.add_argument(
        "--ensemble",
        type=positive(int),
        default=d.ensemble,
        help="networks to train and average (default %(default)s)",
    )
    train.add_argument(
        "--tta-copies",
        type=_count,
        default=d.tta_copies,
        help="test-time augmentation: distorted copies of each digit whose logits are averaged "
        "with its own (default %(default)s; 0 turns it off)",
    )
    train.add_argument(
        "--validation",
        type=_fraction,
        default=d.validation,
        help="fraction of the training set held out for validation (default %(default)s)",
    )
    train.add_argument(
        "--seed", type=int, default=d.seed, help="seed of every random choice (default %(default)s)"
    )
    train.add_argument(
        "--augment",
        action=argparse.BooleanOptionalAction,
        default=d.augment,
        help="a new random distortion of every training digit each epoch (default on)",
    )
    train.add_argument(
        "--schedule",
        action=argparse.BooleanOptionalAction,
        default=d.schedule,
        help="cosine decay of the learning rate (default on; off: constant)",
    )
    train.add_argument("--json", action="store_true", help="end with one JSON line of the results")
    train.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def train_command(args: argparse.Namespace) -> int:
    from dataclasses import fields

    from .recipe import Recipe, train_digits
    from .train import TrainingDiverged

    recipe = Recipe(
        **{f.name: getattr(args, f.name) for f in fields(Recipe) if hasattr(args, f.name)}
    )
    print(
        f"training {recipe.ensemble} MLP(s) 256-{'-'.join(map(str, recipe.hidden))}-10 for "
        f"{recipe.epochs} epochs{' on randomly distorted digits' if recipe.augment else ''}, "
        f"holding out {recipe.validation:.0%} of the training set for validation",
        file=sys.stderr,
    )
    try:
        result = train_digits(recipe, progress=not args.no_progress)
    except TrainingDiverged as err:
        print(f"course-lib train: {err}", file=sys.stderr)
        return 1
    result.pop("model")
    test_acc, val_acc = result["test_accuracy"], result["validation_accuracy"]
    print(f"final training loss {result['final_loss']:.4f}")
    if val_acc is not None:
        n_val = result["n_validation"]
        print(f"validation accuracy {val_acc:.2%} ({round(val_acc * n_val)}/{n_val})")
    print(f"test accuracy {test_acc:.2%} ({round(test_acc * 2007)}/2007)")
    print(f"training took {result['train_seconds']:.1f} s")
    if args.json:
        print(json.dumps(result))
    return 0


def doctor_command(args: argparse.Namespace) -> int:
    from .doctor import main as doctor_main

    return doctor_main()


WELCOME = "notebooks/00_welcome.ipynb"
WELCOME_IN = {"en": WELCOME, "zh": "notebooks/zh/00_welcome.ipynb"}


def course_language(environ: dict[str, str] | None = None) -> str:
    """The learner's language, "en" or "zh": COURSE_LIB_LANG if set, else the locale's, in
    the order gettext reads them (LANGUAGE, a list such as "zh_CN:en", then LC_ALL,
    LC_MESSAGES, LANG): zh_CN.UTF-8 is Chinese."""
    environ = os.environ if environ is None else environ
    for name in ("COURSE_LIB_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "").split(":")[0].strip().lower()
        if value:
            return "zh" if value.startswith("zh") else "en"
    return "en"


def welcome_notebook(environ: dict[str, str] | None = None) -> str:
    """The welcome notebook in the learner's language, or in English if this edition has no
    such translation; in Chinese if the edition is Chinese only."""
    wanted = WELCOME_IN[course_language(environ)]
    for path in (wanted, WELCOME, WELCOME_IN["zh"]):
        if Path(path).is_file():
            return path
    return wanted


def lab_command(args: argparse.Namespace) -> int:
    """Replace this process with JupyterLab, opened on the welcome notebook in the learner's
    language (:func:`course_language`). Jupyter refuses to run as root unless told
    (--allow-root): root is usual in containers, so it is told then."""
    welcome = welcome_notebook()
    if not Path(welcome).is_file():
        print(
            f"course-lib lab: no {WELCOME} here ({Path.cwd()}): run it in the course folder",
            file=sys.stderr,
        )
        return 2
    command = [sys.executable, "-m", "jupyterlab", f"--LabApp.default_url=/lab/tree/{welcome}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    command += args.jupyter_args  # what main() did not recognise
    sys.stdout.flush()
    os.execv(sys.executable, command)
    return 0  # not reached: execv does not return


COMMANDS = {"train": train_command, "doctor": doctor_command, "lab": lab_command}


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if args.command == "lab":
        args.jupyter_args = extra  # JupyterLab's own options, passed on
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    commands = dict(COMMANDS)
    for module in command_modules():
        commands.update(module.COMMANDS)
    return commands[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
