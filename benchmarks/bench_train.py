"""How much do course_lib's abstractions cost? One run, three implementations, same network.

Trains 256-128-10 (ReLU, softmax cross-entropy, batch 32, SGD with momentum 0.9,
lr 0.05, 20 epochs, no augmentation) on USPS with:
  1. course_lib (mlp + Momentum + fit),
  2. a minimal hand-written numpy loop: the same maths and the same bookkeeping as
     course_lib's fit (the epoch's mean loss, checked for NaN, and training accuracy),
     with no classes, no checks of shapes, no progress bar, same initial weights,
  3. scikit-learn's MLPClassifier, when it is installed (`pip install scikit-learn`).
Each is timed `--repeats` times, interleaved so that load on a shared machine hits all
of them alike, and the fastest run is kept. Prints seconds per epoch, test accuracy
and the ratios. Targets: course_lib / numpy <= 1.15; sklearn / course_lib >= 2.

    python benchmarks/bench_train.py [--epochs 20] [--repeats 3]

BLAS runs on one thread for all three: with matrices this small, extra threads only
spin, and on a shared 2-core machine they make every timing noisy.
"""

from __future__ import annotations

import argparse
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


def run_course_lib(X, y, X_test, y_test, epochs):
    model = mlp(SIZES, rng=SEED)
    optimizer = Momentum(model.parameters(), lr=LR, momentum=MU)
    start = time.perf_counter()
    fit(
        model,
        SoftmaxCrossEntropy(),
        optimizer,
        X,
        y,
        epochs=epochs,
        batch_size=BATCH,
        rng=SEED,
        progress=False,
    )
    seconds = time.perf_counter() - start
    return seconds, accuracy(model, X_test, y_test)


def run_numpy(X, y, X_test, y_test, epochs):
    """The same training as course_lib, written out as one loop over plain arrays.

    Like fit, it keeps each epoch's mean loss (and stops on NaN) and training accuracy:
    what is measured is the cost of course_lib's abstractions, not of its bookkeeping.
    """
    init = mlp(SIZES, rng=SEED)
    W1, b1, W2, b2 = (v.copy() for _, v, _ in init.parameters())
    params = [W1, b1, W2, b2]
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
    pred = np.argmax(np.maximum(X_test @ W1 + b1, 0) @ W2 + b2, axis=1)
    return seconds, float(np.mean(pred == y_test))


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    (X, y), (X_test, y_test) = load_usps()
    runners = {"course_lib": run_course_lib, "numpy loop": run_numpy}
    try:
        import sklearn  # noqa: F401

        runners["scikit-learn"] = run_sklearn
    except ImportError:
        print("scikit-learn is not installed: skipping it (pip install scikit-learn)")
    best: dict[str, tuple[float, float]] = {}
    for _ in range(args.repeats):
        for name, run in runners.items():
            seconds, acc = run(X, y, X_test, y_test, args.epochs)
            if name not in best or seconds < best[name][0]:
                best[name] = (seconds, acc)
    print(f"{'implementation':<14} {'s/epoch':>8} {'test acc':>9}")
    for name, (seconds, acc) in best.items():
        print(f"{name:<14} {seconds / args.epochs:>8.4f} {acc:>9.2%}")
    ours = best["course_lib"][0]
    print(f"course_lib / numpy loop = {ours / best['numpy loop'][0]:.3f}  (target <= 1.15)")
    if "scikit-learn" in best:
        print(f"scikit-learn / course_lib = {best['scikit-learn'][0] / ours:.2f}  (target >= 2)")


if __name__ == "__main__":
    main()
