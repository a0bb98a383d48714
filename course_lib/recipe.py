"""The digit classifier of ``course-lib train``: one recipe, every piece of it switchable.

:func:`train_digits` holds out a validation split of the USPS training set, trains one or
more MLPs on the rest and returns their accuracies. The test set is only reported: every
choice in :data:`DEFAULTS` was made on training digits alone, by 5-fold cross-validation
(7,291 held-out digits per split; the search is in the instructor's repository). The
milder of two distortion strengths kept more digits right; 3 networks did as well as 5;
within the 60 s budget, 60 epochs beat 30; weight decay, dropout and test-time
augmentation lost digits, so they are off (the tools stay in course_lib, and the options
turn them on); label smoothing won 2 digits and is on. Notebook 05b shows what each piece
buys, switched off one at a time.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from functools import partial

import numpy as np

from .augment import random_distortion
from .data import load_usps
from .nn import Dropout, Ensemble, Layer, SoftmaxCrossEntropy, mlp
from .optim import Momentum
from .train import cosine_schedule, fit, predict_logits


@dataclass
class Recipe:
    """What ``course-lib train`` does by default; each field is one of its options."""

    hidden: list[int] = field(default_factory=lambda: [512, 256])
    epochs: int = 60
    batch_size: int = 64
    lr: float = 0.1
    momentum: float = 0.9
    weight_decay: float = 0.0  # L2 penalty on the weights (not the biases)
    dropout: float = 0.0  # probability of dropping a hidden unit while training
    label_smoothing: float = 0.1  # probability spread over all classes in the target
    augment: bool = True  # a new random distortion of every training digit each epoch
    rotation: float = 12.0  # degrees, at most, either way
    scale: float = 0.10  # relative change of size, at most, either way
    shift: float = 1.5  # pixels, at most, along each axis
    elastic: float = 0.6  # typical elastic displacement, pixels
    schedule: bool = True  # cosine decay of the learning rate (else constant)
    ensemble: int = 3  # networks trained from different random starts, logits averaged
    tta_copies: int = 0  # test-time augmentation: distorted copies averaged with each digit
    validation: float = 0.1  # fraction of the training set held out for choices
    seed: int = 0


DEFAULTS = Recipe()


def split_validation(
    X: np.ndarray, y: np.ndarray, fraction: float, rng: np.random.Generator | int | None = 0
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """A random ``fraction`` of the rows as a validation split: (train, validation)."""
    if not 0 <= fraction < 1:
        raise ValueError(f"the validation fraction must be in [0, 1), got {fraction}")
    order = np.random.default_rng(rng).permutation(len(X))
    n_val = round(fraction * len(X))
    val, train = order[:n_val], order[n_val:]
    return (X[train], y[train]), (X[val], y[val])


def build_model(recipe: Recipe, n_in: int, rng: np.random.Generator) -> Layer:
    """The MLP of the recipe (with Dropout after each hidden ReLU if asked)."""
    model = mlp([n_in, *recipe.hidden, 10], rng=rng)
    if recipe.dropout > 0:
        layers = []
        for layer in model:
            layers.append(layer)
            if type(layer).__name__ == "ReLU":
                layers.append(Dropout(recipe.dropout, rng=rng))
        model = type(model)(*layers)
    return model


def make_augment(recipe: Recipe):
    """The recipe's random distortion as ``augment(X, rng)``, or None without augmentation."""
    if not recipe.augment:
        return None
    return partial(
        random_distortion,
        rotation=recipe.rotation,
        scale=recipe.scale,
        shift=recipe.shift,
        elastic=recipe.elastic,
    )


def train_networks(
    recipe: Recipe, X: np.ndarray, y: np.ndarray, rng: np.random.Generator, progress: bool = False
) -> tuple[Layer, float]:
    """Train the recipe's network (or ensemble) on X: (N, 256), y: (N,).

    Returns the model and the mean final training loss of its networks.
    """
    augment = make_augment(recipe)
    models, losses = [], []
    for _ in range(recipe.ensemble):
        model = build_model(recipe, X.shape[1], rng)
        optimizer = Momentum(
            model.parameters(),
            lr=recipe.lr,
            momentum=recipe.momentum,
            weight_decay=recipe.weight_decay,
        )
        history = fit(
            model,
            SoftmaxCrossEntropy(label_smoothing=recipe.label_smoothing),
            optimizer,
            X,
            y,
            epochs=recipe.epochs,
            batch_size=recipe.batch_size,
            rng=rng,
            augment=augment,
            lr_schedule=cosine_schedule(recipe.lr, recipe.epochs) if recipe.schedule else None,
            progress=progress,
        )
        models.append(model)
        losses.append(history.loss[-1])
    model = models[0] if len(models) == 1 else Ensemble(*models)
    return model, float(np.mean(losses))


def averaged_logits(
    model: Layer, X: np.ndarray, augment=None, copies: int = 0, rng: np.random.Generator | int = 0
) -> np.ndarray:
    """Test-time augmentation: the mean logits over X and ``copies`` distortions of it.

    X: (N, D) -> (N, K). Each copy is a new random distortion of every row (``augment(X,
    rng)``, the one used in training); a digit the network reads wrongly when it is
    slightly turned gets outvoted. ``copies=0`` is plain ``predict_logits``.
    """
    rng = np.random.default_rng(rng)
    logits = predict_logits(model, X)
    for _ in range(copies):
        logits = logits + predict_logits(model, augment(X, rng))
    return logits / (copies + 1)


def recipe_accuracy(recipe: Recipe, model: Layer, X: np.ndarray, y: np.ndarray) -> float:
    """Accuracy on (X, y) with the recipe's test-time augmentation (seeded by the recipe)."""
    copies = recipe.tta_copies if recipe.augment else 0
    logits = averaged_logits(model, X, make_augment(recipe), copies, rng=recipe.seed)
    return float(np.mean(np.argmax(logits, axis=1) == np.asarray(y)))


def train_digits(recipe: Recipe = DEFAULTS, progress: bool = False) -> dict:
    """Train the recipe on USPS; return the accuracies, the seconds and the recipe.

    Validation accuracy is measured on the held-out split (seeded by 0, the same for every
    seed, so recipes are compared on the same digits); the test set is used only here, for
    the report.
    """
    (X, y), (X_test, y_test) = load_usps()
    (X_train, y_train), (X_val, y_val) = split_validation(X, y, recipe.validation, rng=0)
    rng = np.random.default_rng(recipe.seed)
    start = time.perf_counter()
    model, loss = train_networks(recipe, X_train, y_train, rng, progress)
    seconds = time.perf_counter() - start
    has_val = len(X_val) > 0
    return {
        "test_accuracy": recipe_accuracy(recipe, model, X_test, y_test),
        "validation_accuracy": recipe_accuracy(recipe, model, X_val, y_val) if has_val else None,
        "train_seconds": seconds,
        "final_loss": loss,
        "n_train": len(X_train),
        "n_validation": len(X_val),
        **asdict(recipe),
        "model": model,
    }
