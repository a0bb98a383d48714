"""How much do course_lib's abstractions cost? One run, one table, same network everywhere.

Trains 256-128-10 (ReLU, softmax cross-entropy, batch 32, SGD with momentum 0.9,
lr 0.05, 20 epochs, no augmentation) on USPS with:
  1. course_lib: mlp + Momentum + fit, with fit's defaults (the epoch's mean loss only),
  2. a minimal hand-written numpy loop: forward, gradient, backward, update, and nothing
     else (no loss value, no checks), same initial weights and same data order,
  3. the same loop with fit's bookkeeping added (the epoch's mean loss, checked for NaN,
     and the training accuracy of every batch), to show what that bookkeeping costs,
  4. scikit-learn's MLPClassifier (its own initial weights and order), when installed,
  5. PyTorch (torch.nn, one thread, same initial weights and order), when installed.
scikit-learn and PyTorch are not course dependencies: install them beside the course to
compare (`pip install scikit-learn torch`); missing ones are skipped, and said so.
Each is timed `--repeats` times, interleaved so that load on a shared machine hits all
of them alike, and the fastest run is kept. Target: course_lib / minimal loop <= 1.10.

    python benchmarks/bench_train.py [--epochs 20] [--repeats 3] [--json FILE]

BLAS runs on one thread for all: with matrices this small, extra threads only spin, and
on a shared 2-core machine they make every timing noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import time

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before numpy is imported

import numpy as np  # noqa: E402

from course_lib.data import load_usps  # noqa: E402
from course_lib.nn import SoftmaxCrossEntropy, mlp  # noqa: E402
from course_lib.optim import Momentum  # noqa: E402
from course_lib.train import accuracy, fit  # noqa: E402

SIZES, BATCH, LR, MU, SEED = [256, 128, 10], 32, 0.05, 0.9, 0
TARGET = 1.10  # course_lib / minimal numpy loop


def initial_weights() -> list[np.ndarray]:
    """W1, b1, W2, b2 as course_lib's mlp draws them (float32), copied."""
    return [v.copy() for _, v, _ in mlp(SIZES, rng=SEED).parameters()]


def numpy_accuracy(params: list[np.ndarray], X: np.ndarray, y: np.ndarray) -> float:
    W1, b1, W2, b2 = params
    return float(np.mean(np.argmax(np.maximum(X @ W1 + b1, 0) @ W2 + b2, axis=1) == y))


def run_course_lib(X, y, X_test, y_test, epochs):
    model = mlp(SIZES, rng=SEED)
    optimizer = Momentum(model.parameters(), lr=LR, momentum=MU)
    start = time.perf_counter()
    fit(model, SoftmaxCrossEntropy(), optimizer, X, y, epochs, BATCH, rng=SEED, progress=False)
    seconds = time.perf_counter() - start
    return seconds, accuracy(model, X_test, y_test)


def run_minimal(X, y, X_test, y_test, epochs):
    """The training written out as one loop over plain arrays, and nothing more."""
    params = W1, b1, W2, b2 = initial_weights()
    velocity = [np.zeros_like(p) for p in params]
    rng = np.random.default_rng(SEED)  # the same permutations as fit
    start = time.perf_counter()
    for _ in range(epochs):
        order = rng.permutation(len(X))
        for i in range(0, len(X), BATCH):
            idx = order[i : i + BATCH]
            xb, yb = X[idx], y[idx]
            n = len(idx)
            z1 = xb @ W1 + b1
            a1 = np.maximum(z1, 0)
            z2 = a1 @ W2 + b2
            p = np.exp(z2 - z2.max(axis=1, keepdims=True))
            dz2 = p / (p.sum(axis=1, keepdims=True) * n)  # softmax / n
            dz2[np.arange(n), yb] -= 1 / n  # minus onehot / n
            dW2, db2 = a1.T @ dz2, dz2.sum(axis=0)
            dz1 = (dz2 @ W2.T) * (z1 > 0)
            dW1, db1 = xb.T @ dz1, dz1.sum(axis=0)
            for param, v, grad in zip(params, velocity, (dW1, db1, dW2, db2), strict=True):
                v *= MU
                v -= LR * grad
                param += v
    seconds = time.perf_counter() - start
    return seconds, numpy_accuracy(params, X_test, y_test)


def run_bookkeeping(X, y, X_test, y_test, epochs):
    """The minimal loop plus what fit recorded per step before it was made optional:
    the cost of every batch (summed, checked for NaN) and the batch's training accuracy."""
    params = W1, b1, W2, b2 = initial_weights()
    velocity = [np.zeros_like(p) for p in params]
    rng = np.random.default_rng(SEED)
    start = time.perf_counter()
    losses, accuracies = [], []
    for _ in range(epochs):
        order = rng.permutation(len(X))
        total_loss, correct = 0.0, 0
        for i in range(0, len(X), BATCH):
            idx = order[i : i + BATCH]
            xb, yb = X[idx], y[idx]
            n = len(idx)
            z1 = xb @ W1 + b1
            a1 = np.maximum(z1, 0)
            z2 = a1 @ W2 + b2
            correct += int((z2.argmax(axis=1) == yb).sum())
            z2 = z2 - z2.max(axis=1, keepdims=True)
            p = np.exp(z2)
            total = p.sum(axis=1, keepdims=True)
            rows = np.arange(n)
            cost = float((np.log(total[:, 0]) - z2[rows, yb]).sum()) / n
            if not np.isfinite(cost):
                raise FloatingPointError("the loss diverged")
            total_loss += cost * n
            dz2 = p / (total * n)
            dz2[rows, yb] -= 1 / n
            dW2, db2 = a1.T @ dz2, dz2.sum(axis=0)
            dz1 = (dz2 @ W2.T) * (z1 > 0)
            dW1, db1 = xb.T @ dz1, dz1.sum(axis=0)
            for param, v, grad in zip(params, velocity, (dW1, db1, dW2, db2), strict=True):
                v *= MU
                v -= LR * grad
                param += v
        losses.append(total_loss / len(X))
        accuracies.append(correct / len(X))
    seconds = time.perf_counter() - start
    return seconds, numpy_accuracy(params, X_test, y_test)


def run_sklearn(X, y, X_test, y_test, epochs):
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(
        hidden_layer_sizes=(SIZES[1],),
        activation="relu",
        solver="sgd",
        alpha=0.0,
        batch_size=BATCH,
        learning_rate_init=LR,
        momentum=MU,
        nesterovs_momentum=False,
        max_iter=epochs,
        shuffle=True,
        random_state=SEED,
        tol=0.0,
        n_iter_no_change=epochs + 1,
    )
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    seconds = time.perf_counter() - start
    return seconds, float(clf.score(X_test, y_test))


def run_torch(X, y, X_test, y_test, epochs):
    import torch

    torch.set_num_threads(1)
    W1, b1, W2, b2 = initial_weights()
    net = torch.nn.Sequential(
        torch.nn.Linear(SIZES[0], SIZES[1]), torch.nn.ReLU(), torch.nn.Linear(SIZES[1], SIZES[2])
    )
    with torch.no_grad():  # torch stores W as (n_out, n_in): the transpose of ours
        for layer, W, b in ((net[0], W1, b1), (net[2], W2, b2)):
            layer.weight.copy_(torch.from_numpy(W.T.copy()))
            layer.bias.copy_(torch.from_numpy(b))
    # torch's momentum, v <- mu v + g; theta <- theta - lr v, is ours with v scaled by -lr
    optimizer = torch.optim.SGD(net.parameters(), lr=LR, momentum=MU)
    loss_fn = torch.nn.CrossEntropyLoss()
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    rng = np.random.default_rng(SEED)
    start = time.perf_counter()
    for _ in range(epochs):
        order = torch.from_numpy(rng.permutation(len(X)))
        for i in range(0, len(X), BATCH):
            idx = order[i : i + BATCH]
            optimizer.zero_grad()
            loss_fn(net(Xt[idx]), yt[idx]).backward()
            optimizer.step()
    seconds = time.perf_counter() - start
    with torch.no_grad():
        pred = net(torch.from_numpy(X_test)).argmax(dim=1).numpy()
    return seconds, float(np.mean(pred == y_test))


RUNNERS = {
    "course_lib": (run_course_lib, None),
    "numpy, minimal": (run_minimal, None),
    "numpy + bookkeeping": (run_bookkeeping, None),
    "scikit-learn": (run_sklearn, "sklearn"),
    "PyTorch": (run_torch, "torch"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", help="also write the table to this JSON file")
    args = parser.parse_args()
    (X, y), (X_test, y_test) = load_usps()
    runners = {}
    for name, (run, module) in RUNNERS.items():
        if module is not None:
            try:
                __import__(module)
            except ImportError:
                print(f"{name} is not installed: skipped")
                continue
        runners[name] = run
    best: dict[str, tuple[float, float]] = {}
    for _ in range(args.repeats):
        for name, run in runners.items():
            seconds, acc = run(X, y, X_test, y_test, args.epochs)
            if name not in best or seconds < best[name][0]:
                best[name] = (seconds, acc)
    minimal = best["numpy, minimal"][0]
    print(
        f"256-128-10, batch {BATCH}, momentum {MU}, lr {LR}, {args.epochs} epochs, "
        f"fastest of {args.repeats}"
    )
    print(f"{'implementation':<20} {'s/epoch':>8} {'test acc':>9} {'/ minimal':>10}")
    for name, (seconds, acc) in best.items():
        print(f"{name:<20} {seconds / args.epochs:>8.4f} {acc:>9.2%} {seconds / minimal:>10.2f}")
    ratio = best["course_lib"][0] / minimal
    verdict = "met" if ratio <= TARGET else "NOT met"
    print(f"course_lib / minimal numpy loop = {ratio:.3f}  (target <= {TARGET}: {verdict})")
    if args.json:
        rows = [
            {"implementation": name, "seconds_per_epoch": s / args.epochs, "test_accuracy": a}
            for name, (s, a) in best.items()
        ]
        with open(args.json, "w") as f:
            json.dump({"epochs": args.epochs, "repeats": args.repeats, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
