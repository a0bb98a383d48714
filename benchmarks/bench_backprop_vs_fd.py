"""How much slower than backprop is brute force? The numbers behind backprop's time budget.

Exercise 4.3 (``backprop`` in solutions/04_backward_pass.ipynb) returns every gradient of
C = 1/(2N) sum_n ||y_n - t_n||^2 for y = sigma(x @ W1 + b1) @ W2 + b2. For a 256-64-10
network (17,098 parameters), a batch of 32, float64, this measures

  1. backprop: the exercise's solution (copied below), one call = forward + backward pass,
     median of ``--repeats`` calls;
  2. finite differences, the plain loop of ``course_lib.gradcheck``: nudge one parameter,
     two forward passes of the cost, 34,196 passes in all. Timed on ``--fd-params``
     parameters drawn at random and extrapolated to all of them (``--full``: all, no
     extrapolation);
  3. finite differences in batches: the same two forward passes per parameter, but
     ``--batch-fd`` nudged copies of the parameters at a time in one stacked matmul: the
     obvious way to vectorise a brute force that treats the cost as a black box (timed
     on the same subset);
  4. finite differences that know the network: a nudge of W2 or b2 only changes the
     output layer, a nudge of W1[i, j] or b1[j] only hidden unit j, so only that is
     recomputed, all nudges at once. Still two costs per parameter, but no longer blind.

Each finite difference runs ``--fd-repeats`` times and keeps the median. The table gives
seconds for all 17,098 gradients, the ratio to backprop, and the relative error against
backprop's gradient (on the parameters computed). The data are drawn like the grader's
cases (standard normal x, t, W1, W2; b1, b2 at 0.1 scale), seeded.

    python benchmarks/bench_backprop_vs_fd.py [--repeats 200] [--fd-params 2000]
                                              [--fd-repeats 3] [--batch-fd 64] [--full]
                                              [--sizes 256 64 10] [--batch 32] [--seed 0]

Finite differences cost 2P forward passes of O(N P) each, backprop O(N P) in all: the
ratio grows with the number of parameters P (try ``--sizes 256 256 10``).

BLAS runs on one thread, as in the grader's sandbox: these matrices are too small for more.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before numpy is imported

import numpy as np  # noqa: E402

EPS = 1e-6  # gradcheck's default step


# ----- the exercise's solution (solutions/04_backward_pass.ipynb, 4.1 to 4.3) -----


def sigmoid_backward(a, dC_da):
    return a * (1.0 - a) * dC_da


def linear_backward(a, W, dC_dz):
    dC_da = dC_dz @ W.T
    dC_dW = a.T @ dC_dz
    dC_db = dC_dz.sum(axis=0)
    return dC_da, dC_dW, dC_db


def backprop(x, t, W1, b1, W2, b2):
    N = x.shape[0]
    # forward pass, keeping what the backward pass needs
    a1 = 1.0 / (1.0 + np.exp(-(x @ W1 + b1)))
    y = a1 @ W2 + b2
    # backward pass, from the output layer back to the input
    dC_dy = (y - t) / N
    dC_da1, dW2, db2 = linear_backward(a1, W2, dC_dy)
    dC_dz1 = sigmoid_backward(a1, dC_da1)
    _, dW1, db1 = linear_backward(x, W1, dC_dz1)
    return dW1, db1, dW2, db2


# ----- brute force -----


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def cost(x, t, W1, b1, W2, b2) -> float:
    """The forward pass and C: what finite differences evaluate twice per parameter."""
    y = sigmoid(x @ W1 + b1) @ W2 + b2
    return 0.5 * float(((y - t) ** 2).sum()) / x.shape[0]


def fd_loop(x, t, params, flat_indices):
    """Central differences, one parameter at a time (as gradcheck.numerical_gradient)."""
    views = [p.reshape(-1) for p in params]  # views: nudging them nudges params
    offsets = np.cumsum([0] + [p.size for p in params])
    grads = np.empty(len(flat_indices))
    for out, index in enumerate(flat_indices):
        k = np.searchsorted(offsets, index, side="right") - 1
        flat, i = views[k], index - offsets[k]
        old = flat[i]
        flat[i] = old + EPS
        c_plus = cost(x, t, *params)
        flat[i] = old - EPS
        c_minus = cost(x, t, *params)
        flat[i] = old
        grads[out] = (c_plus - c_minus) / (2 * EPS)
    return grads


def fd_batched(x, t, params, flat_indices, batch):
    """Central differences, ``batch`` nudged copies of all the parameters per forward pass."""
    theta = np.concatenate([p.reshape(-1) for p in params])
    cuts = np.cumsum([p.size for p in params])[:-1]
    grads = np.empty(len(flat_indices))
    for start in range(0, len(flat_indices), batch):
        chunk = flat_indices[start : start + batch]
        rows = np.arange(len(chunk))
        costs = []
        for sign in (1.0, -1.0):
            thetas = np.repeat(theta[None, :], len(chunk), axis=0)
            thetas[rows, chunk] += sign * EPS
            W1, b1, W2, b2 = np.split(thetas, cuts, axis=1)
            W1, W2 = W1.reshape(-1, *params[0].shape), W2.reshape(-1, *params[2].shape)
            y = sigmoid(x @ W1 + b1[:, None, :]) @ W2 + b2[:, None, :]  # (batch, N, K)
            costs.append(0.5 * ((y - t) ** 2).sum(axis=(1, 2)) / x.shape[0])
        grads[start : start + len(chunk)] = (costs[0] - costs[1]) / (2 * EPS)
    return grads


def fd_structured(x, t, W1, b1, W2, b2):
    """Central differences for every parameter, recomputing only what each nudge changes."""
    n = x.shape[0]
    z1 = x @ W1 + b1
    a1 = sigmoid(z1)
    r = a1 @ W2 + b2 - t  # (N, K): the residual; C = 1/(2N) sum r^2
    total, column = (r**2).sum(), (r**2).sum(axis=0)  # scalar, (K,)

    def output_layer(inputs):  # inputs (N, M): the nudged weight is inputs[:, m] -> y[:, k]
        costs = [
            total - column + ((r[:, None, :] + s * EPS * inputs[:, :, None]) ** 2).sum(axis=0)
            for s in (1.0, -1.0)
        ]  # each (M, K)
        return (costs[0] - costs[1]) / (4 * EPS * n)

    def hidden_layer(inputs):  # inputs (N, M): the nudged weight is inputs[:, m] -> z1[:, j]
        rows = max(1, 2**22 // r.size // z1.shape[1])  # a block of M: ~32 MB temporaries
        grads = []
        for block in np.split(inputs.T, range(rows, inputs.shape[1], rows)):
            costs = []
            for s in (1.0, -1.0):
                da = sigmoid(z1[None] + s * EPS * block[:, :, None]) - a1  # (rows, N, H)
                costs.append(((r[None, :, None, :] + da[..., None] * W2) ** 2).sum(axis=(1, 3)))
            grads.append((costs[0] - costs[1]) / (4 * EPS * n))  # (rows, H)
        return np.concatenate(grads)

    ones = np.ones((n, 1))
    return hidden_layer(x), hidden_layer(ones)[0], output_layer(a1), output_layer(ones)[0]


# ----- measuring -----


def median_seconds(func, repeats: int) -> float:
    for _ in range(max(3, repeats // 10)):  # warm up
        func()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def relative_error(a, b) -> float:
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-12))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=200, help="backprop calls timed")
    parser.add_argument("--fd-params", type=int, default=2000, help="parameters timed by FD")
    parser.add_argument("--batch-fd", type=int, default=64, help="nudges per batched pass")
    parser.add_argument("--fd-repeats", type=int, default=3, help="FD runs, median kept")
    parser.add_argument("--full", action="store_true", help="FD on every parameter")
    parser.add_argument("--sizes", type=int, nargs=3, default=[256, 64, 10], help="D H K")
    parser.add_argument("--batch", type=int, default=32, help="N, examples per call")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    (D, H, K), N = args.sizes, args.batch

    rng = np.random.default_rng(args.seed)
    x, t = rng.standard_normal((N, D)), rng.standard_normal((N, K))
    params = [
        rng.standard_normal((D, H)),
        0.1 * rng.standard_normal(H),
        rng.standard_normal((H, K)),
        0.1 * rng.standard_normal(K),
    ]
    n_params = sum(p.size for p in params)
    exact = np.concatenate([g.reshape(-1) for g in backprop(x, t, *params)])
    subset = (
        np.arange(n_params)
        if args.full
        else np.sort(rng.choice(n_params, size=min(args.fd_params, n_params), replace=False))
    )
    share = n_params / len(subset)  # extrapolation factor, 1 with --full

    t_backprop = median_seconds(lambda: backprop(x, t, *params), args.repeats)
    t_forward = median_seconds(lambda: cost(x, t, *params), args.repeats)
    runs = {
        "FD loop": (lambda: fd_loop(x, t, params, subset), subset, share),
        f"FD batched x{args.batch_fd}": (
            lambda: fd_batched(x, t, params, subset, args.batch_fd),
            subset,
            share,
        ),
        "FD structured": (
            lambda: np.concatenate([g.reshape(-1) for g in fd_structured(x, t, *params)]),
            np.arange(n_params),
            1.0,
        ),
    }
    rows = []
    for name, (run, where, factor) in runs.items():
        times = []
        for _ in range(args.fd_repeats):
            start = time.perf_counter()
            grads = run()
            times.append(time.perf_counter() - start)
        rows.append((name, statistics.median(times) * factor, grads, where))

    extrapolated = "" if args.full else f", FD loop and batched on {len(subset)} and extrapolated"
    print(
        f"{D}-{H}-{K} sigmoid MLP, {n_params} parameters, batch {N}, float64, 1 BLAS thread"
        f"{extrapolated}"
    )
    print(f"backprop (forward + backward): {t_backprop * 1e3:9.3f} ms  (median of {args.repeats})")
    print(
        f"one forward pass of the cost:  {t_forward * 1e3:9.3f} ms  "
        f"(x {2 * n_params} passes = {2 * n_params * t_forward:.2f} s)"
    )
    print(f"{'method':<16} {'seconds':>9} {'/ backprop':>11} {'rel. error':>11}")
    print(f"{'backprop':<16} {t_backprop:>9.5f} {1:>11.0f} {0:>11.1e}")
    for name, seconds, grads, where in rows:
        error = relative_error(grads, exact[where])
        print(f"{name:<16} {seconds:>9.3f} {seconds / t_backprop:>11.0f} {error:>11.1e}")


if __name__ == "__main__":
    main()
