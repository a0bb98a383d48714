"""Training: mini-batch gradient descent with a progress bar, and evaluation helpers.

One step is the whole lecture in four lines: forward pass, cost, backward pass,
gradient-descent update.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .nn import Layer, check_labels


class TrainingDiverged(FloatingPointError):
    """The loss became NaN or infinite: the learning rate is too large."""


@dataclass
class History:
    """What happened during training, one entry per epoch."""

    loss: list[float] = field(default_factory=list)  # mean training cost over the epoch
    train_accuracy: list[float] = field(default_factory=list)  # on the batches, if asked
    val_accuracy: list[float] = field(default_factory=list)  # empty without validation data
    seconds: float = 0.0  # time spent in the training loop


def predict_logits(model: Layer, X: np.ndarray, batch_size: int = 1024) -> np.ndarray:
    """The model's outputs for X: (N, D) -> (N, K), computed in batches.

    Switches the model's ``training`` flag off first (Dropout then keeps every unit).
    """
    set_training(model, False)
    return np.concatenate(
        [model.forward(X[i : i + batch_size]) for i in range(0, len(X), batch_size)]
    )


def predict(model: Layer, X: np.ndarray, batch_size: int = 1024) -> np.ndarray:
    """The predicted class of each row of X: (N, D) -> (N,) int."""
    return np.argmax(predict_logits(model, X, batch_size), axis=1)


def accuracy(model: Layer, X: np.ndarray, y: np.ndarray) -> float:
    """Fraction of the rows of X whose predicted class equals y: (N, D), (N,) -> float."""
    y = np.asarray(y)
    if y.shape != (len(X),):
        raise ValueError(f"expected labels of shape ({len(X)},) (one per row of X), got {y.shape}")
    return float(np.mean(predict(model, X) == y))


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int = 10) -> np.ndarray:
    """(n_classes, n_classes) int counts: row = true class, column = predicted class."""
    y_true = check_labels(y_true, len(y_true), n_classes)
    y_pred = check_labels(y_pred, len(y_true), n_classes)
    counts = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(counts, (y_true, y_pred), 1)
    return counts


def cosine_schedule(lr: float, epochs: int) -> Callable[[int], float]:
    """Learning rate lr at the first epoch, decaying along a half cosine towards 0."""
    return lambda epoch: 0.5 * lr * (1 + np.cos(np.pi * epoch / epochs))


def train_step(
    model: Layer, loss, optimizer, xb: np.ndarray, yb: np.ndarray
) -> tuple[float, np.ndarray]:
    """One gradient-descent step on a batch; returns the cost C and the outputs (N, K)."""
    outputs = model.forward(xb)  # forward pass: every z and a
    cost = loss.forward(outputs, yb)  # C, the mean over the batch
    if not math.isfinite(cost):
        lr = getattr(optimizer, "lr", float("nan"))
        raise TrainingDiverged(
            f"the loss became {cost} with learning rate {lr:g}: the steps are too large, "
            "try a smaller learning rate (for example a tenth)"
        )
    model.backward_params(loss.backward())  # backward pass: every dC/dw
    optimizer.step()  # theta <- theta - eta * grad
    return cost, outputs


def fit(
    model: Layer,
    loss,
    optimizer,
    X: np.ndarray,
    y: np.ndarray,
    epochs: int = 10,
    batch_size: int = 32,
    rng: np.random.Generator | int | None = 0,
    validation: tuple[np.ndarray, np.ndarray] | None = None,
    lr_schedule: Callable[[int], float] | None = None,
    progress: bool = True,
    on_epoch_end: Callable[[int, History], None] | None = None,
    augment: Callable[[np.ndarray, np.random.Generator], np.ndarray] | None = None,
    train_accuracy: bool = False,
) -> History:
    """Train ``model`` with mini-batch gradient descent; return the History.

    X: (N, D) inputs, y: (N,) labels (or (N, K) targets for MSELoss). Each epoch
    visits the examples in a new random order (from ``rng``), in batches of
    ``batch_size``. A progress bar (tqdm.auto: a widget in Jupyter, text in a
    terminal) shows the running loss.

    - ``lr_schedule(epoch)``, if given, sets ``optimizer.lr`` at the start of each epoch.
    - ``augment(X, rng)``, if given, makes the epoch's inputs: a new random deformation
      of every row of X, (N, D) -> (N, D), at the start of each epoch (labels unchanged).
    - ``train_accuracy=True`` also records the accuracy on the batches as they go by
      (off by default: it costs an argmax per step, a few percent of a small network's step).
    - ``on_epoch_end(epoch, history)`` is called after each epoch (for a live plot).

    The model's ``training`` flag (see :func:`set_training`) is on during the epochs and off
    after them, so layers such as Dropout act only while training.
    Raises TrainingDiverged if the loss becomes NaN or infinite.
    """
    from tqdm.auto import tqdm

    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same number of rows, got {len(X)} and {len(y)}")
    if epochs < 1 or batch_size < 1:
        raise ValueError(f"epochs and batch_size must be positive, got {epochs} and {batch_size}")
    rng = np.random.default_rng(rng)
    history = History()
    count_correct = train_accuracy and y.ndim == 1
    steps = -(-len(X) // batch_size)
    start = time.perf_counter()
    bar = tqdm(total=epochs * steps, disable=not progress, unit="batch")
    # overflow is reported as TrainingDiverged, with advice, rather than as warnings
    with bar, np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(epochs):
            if lr_schedule is not None:
                optimizer.lr = lr_schedule(epoch)
            X_epoch = X if augment is None else augment(X, rng)
            order = rng.permutation(len(X))
            total_cost, correct = 0.0, 0
            set_training(model, True)
            for i in range(0, len(X), batch_size):
                idx = order[i : i + batch_size]
                xb, yb = X_epoch[idx], y[idx]
                cost, outputs = train_step(model, loss, optimizer, xb, yb)
                total_cost += cost * len(idx)  # a float: costs nothing next to a step
                if count_correct:
                    correct += int((outputs.argmax(axis=1) == yb).sum())
                if progress:
                    bar.update(1)
            set_training(model, False)
            history.loss.append(total_cost / len(X))
            if count_correct:
                history.train_accuracy.append(correct / len(X))
            if validation is not None:
                history.val_accuracy.append(accuracy(model, *validation))
            history.seconds = time.perf_counter() - start
            if progress:
                bar.set_postfix(loss=f"{history.loss[-1]:.4f}")
            if on_epoch_end is not None:
                on_epoch_end(epoch, history)
    return history


def set_training(model: Layer, training: bool) -> None:
    """Set the ``training`` flag of every layer in ``model`` that has one (e.g. Dropout)."""
    if hasattr(model, "training"):
        model.training = training
    for attr in ("layers", "members"):  # Sequential's layers, Ensemble's networks
        parts = getattr(model, attr, None)
        if isinstance(parts, (list, tuple)):
            for part in parts:
                set_training(part, training)
