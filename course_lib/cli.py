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
from typing import TYPE_CHECKING

from .exercises.cli import positive  # argparse only: no engine
from .i18n import N_, _, course_language, ngettext

if TYPE_CHECKING:
    from .recipe import Recipe


def _hidden_sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        sizes = []
    if not sizes or any(s < 1 for s in sizes):
        said = _(
            "expected comma-separated positive layer sizes such as 256 or 128,64, got {given!r}"
        )
        raise argparse.ArgumentTypeError(said.format(given=text))
    return sizes


def _number(
    message: str, ok: Callable[[float], bool], kind: type = float
) -> Callable[[str], float]:
    """An argparse type: a ``kind`` for which ``ok`` holds, or ``message`` (English marked
    with N_, naming what was ``{given!r}``) in the learner's language."""

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            value = float("nan")  # fails every test below
        if not ok(value):
            raise argparse.ArgumentTypeError(_(message).format(given=text))
        return value

    return parse


_momentum = _number(N_("expected a momentum in [0, 1), got {given!r}"), lambda v: 0 <= v < 1)
_non_negative = _number(
    N_("expected a number >= 0, got {given!r}"), lambda v: 0 <= v < float("inf")
)
_fraction = _number(N_("expected a fraction in [0, 1), got {given!r}"), lambda v: 0 <= v < 1)
_count = _number(N_("expected a whole number >= 0, got {given!r}"), lambda v: v >= 0, kind=int)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="course-lib",
        description=_("Backpropagation course: tools for learners and instructors."),
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    train = commands.add_parser(
        "train",
        help=_("train a digit classifier (an MLP) on USPS and print its accuracy"),
        description=_(
            "Train MLPs on the USPS digits and average them (SGD + momentum, random "
            "distortions of the training digits, cosine schedule, label smoothing); a "
            "validation split of the training set is held out, and both its accuracy and the "
            "test accuracy are printed."
        ),
    )
    add_train_options(train)
    commands.add_parser(
        "doctor",
        help=_("check that this environment is ready for the course, and say how to fix it"),
        description=_("Check Python, packages, the widgets front end, the kernel and the data."),
    )
    commands.add_parser(
        "lab",
        help=_(
            "open the course in JupyterLab on the welcome notebook (run it in the course folder)"
        ),
        description=_(
            "Start JupyterLab in this folder on notebooks/00_welcome.ipynb. Other options "
            "go to JupyterLab as they are (e.g. --no-browser, --port 9999)."
        ),
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
        # TRANSLATORS: argparse puts the option's default in place of %(default)s
        help=_("passes over the data (default %(default)s)"),
    )
    train.add_argument(
        "--hidden",
        type=_hidden_sizes,
        default=list(d.hidden),
        help=_("hidden layer sizes, comma-separated (default {sizes})").format(
            sizes=",".join(map(str, d.hidden))
        ),
    )
    train.add_argument(
        "--batch-size",
        type=positive(int),
        default=d.batch_size,
        help=_("examples per step (default %(default)s)"),
    )
    train.add_argument(
        "--lr",
        type=positive(float),
        default=d.lr,
        help=_("learning rate eta (default %(default)s)"),
    )
    train.add_argument(
        "--momentum",
        type=_momentum,
        default=d.momentum,
        help=_("momentum in [0, 1) (default %(default)s)"),
    )
    train.add_argument(
        "--weight-decay",
        type=_non_negative,
        default=d.weight_decay,
        help=_("L2 penalty on the weights (default %(default)s; 0 turns it off)"),
    )
    train.add_argument(
        "--dropout",
        type=_fraction,
        default=d.dropout,
        help=_("dropout probability after each hidden layer (default %(default)s)"),
    )
    train.add_argument(
        "--label-smoothing",
        type=_fraction,
        default=d.label_smoothing,
        help=_(
            "probability of the target spread over all classes (default %(default)s; 0 turns "
            "it off)"
        ),
    )
    train.add_argument(
        "--ensemble",
        type=positive(int),
        default=d.ensemble,
        help=_("networks to train and average (default %(default)s)"),
    )
    train.add_argument(
        "--tta-copies",
        type=_count,
        default=d.tta_copies,
        help=_(
            "test-time augmentation: distorted copies of each digit whose logits are averaged "
            "with its own (default %(default)s; 0 turns it off)"
        ),
    )
    train.add_argument(
        "--validation",
        type=_fraction,
        default=d.validation,
        help=_("fraction of the training set held out for validation (default %(default)s)"),
    )
    train.add_argument(
        "--seed",
        type=int,
        default=d.seed,
        help=_("seed of every random choice (default %(default)s)"),
    )
    train.add_argument(
        "--augment",
        action=argparse.BooleanOptionalAction,
        default=d.augment,
        help=_("a new random distortion of every training digit each epoch (default on)"),
    )
    train.add_argument(
        "--schedule",
        action=argparse.BooleanOptionalAction,
        default=d.schedule,
        help=_("cosine decay of the learning rate (default on; off: constant)"),
    )
    train.add_argument(
        "--json", action="store_true", help=_("end with one JSON line of the results")
    )
    train.add_argument("--no-progress", action="store_true", help=_("hide the progress bar"))


def train_command(args: argparse.Namespace) -> int:
    from dataclasses import fields

    from .recipe import Recipe, train_digits
    from .train import TrainingDiverged

    recipe = Recipe(
        **{f.name: getattr(args, f.name) for f in fields(Recipe) if hasattr(args, f.name)}
    )
    print(_training(recipe), file=sys.stderr)
    try:
        result = train_digits(recipe, progress=not args.no_progress)
    except TrainingDiverged as err:
        print(f"course-lib train: {err}", file=sys.stderr)
        return 1
    result.pop("model")
    test_acc, val_acc = result["test_accuracy"], result["validation_accuracy"]
    print(_("final training loss {loss:.4f}").format(loss=result["final_loss"]))
    if val_acc is not None:
        n_val = result["n_validation"]
        said = _("validation accuracy {accuracy:.2%} ({right}/{total})")
        print(said.format(accuracy=val_acc, right=round(val_acc * n_val), total=n_val))
    said = _("test accuracy {accuracy:.2%} ({right}/{total})")
    print(said.format(accuracy=test_acc, right=round(test_acc * 2007), total=2007))
    print(_("training took {seconds:.1f} s").format(seconds=result["train_seconds"]))
    if args.json:
        print(json.dumps(result))
    return 0


def _training(recipe: Recipe) -> str:
    """What ``course-lib train`` is about to do, in one sentence."""
    # TRANSLATORS: "MLP(s)" and "epochs" are the same for every count in English; {layers} is
    # "256-128-10"; the forms are chosen by the number of epochs
    if recipe.augment:
        said = ngettext(
            "training {ensemble} MLP(s) {layers} for {epochs} epochs on randomly distorted "
            "digits, holding out {validation:.0%} of the training set for validation",
            "training {ensemble} MLP(s) {layers} for {epochs} epochs on randomly distorted "
            "digits, holding out {validation:.0%} of the training set for validation",
            recipe.epochs,
        )
    else:
        said = ngettext(
            "training {ensemble} MLP(s) {layers} for {epochs} epochs, holding out "
            "{validation:.0%} of the training set for validation",
            "training {ensemble} MLP(s) {layers} for {epochs} epochs, holding out "
            "{validation:.0%} of the training set for validation",
            recipe.epochs,
        )
    layers = f"256-{'-'.join(map(str, recipe.hidden))}-10"  # 256-128-64-10: not prose
    return said.format(
        ensemble=recipe.ensemble,
        layers=layers,
        epochs=recipe.epochs,
        validation=recipe.validation,
    )


def doctor_command(args: argparse.Namespace) -> int:
    from .doctor import main as doctor_main

    return doctor_main()


WELCOME = "notebooks/00_welcome.ipynb"
WELCOME_IN = {"en": WELCOME, "zh": "notebooks/zh/00_welcome.ipynb"}


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
        said = _("course-lib lab: no {notebook} here ({folder}): run it in the course folder")
        print(said.format(notebook=WELCOME, folder=Path.cwd()), file=sys.stderr)
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
        parser.error(_("unrecognized arguments: {arguments}").format(arguments=" ".join(extra)))
    commands = dict(COMMANDS)
    for module in command_modules():
        commands.update(module.COMMANDS)
    return commands[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
