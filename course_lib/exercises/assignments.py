"""The graded functions of the five exercise notebooks: hints, public cases, references.

One dict per notebook maps each graded function's grade_id to its :class:`.spec.Exercise`;
the list of exercises, their points and the notebooks' titles come from the solution
notebooks (``catalog.json``). Expected answers always come from ``course_lib`` (the
reference implementation), called on the same inputs; no expected number is written down
by hand. Public inputs are made from fixed seeds, so the check cell and the grader see the
same. The hidden cases are the instructor's: :mod:`.hidden`.
"""

from __future__ import annotations

import numpy as np

from .. import autodiff, gradcheck, nn, optim
from .inputs import USPS, Fn, resolve
from .spec import (
    Assignment,
    Case,
    ErrorRemark,
    Exercise,
    Mistake,
    Status,
    Verdict,
    describe,
    load_assignments,
)


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def _linear(W: np.ndarray, b: np.ndarray) -> nn.Linear:
    """A course_lib Linear layer holding the given W: (n_in, n_out) and b: (n_out,)."""
    layer = nn.Linear(W.shape[0], W.shape[1], dtype=np.float64)
    layer.W[...] = W
    layer.b[...] = b
    return layer


# ======================= 01 gradient descent =======================


def ref_numerical_gradient(f, theta: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    f = resolve(f)
    x = np.array(theta, dtype=np.float64)
    return gradcheck.numerical_gradient(lambda: f(x), x, eps)


def _bowl_case(seed: int, p: int) -> tuple:
    rng = _rng(seed)
    M = rng.standard_normal((p, p))
    A = M @ M.T + p * np.eye(p)
    return (Fn("bowl", {"A": A, "c": rng.standard_normal(p)}), rng.standard_normal(p))


def _wavy_case(seed: int, p: int) -> tuple:
    rng = _rng(seed)
    return (Fn("wavy", {"k": rng.uniform(0.5, 2.0, p)}), rng.standard_normal(p))


def ref_gradient_descent_step(theta: np.ndarray, grad: np.ndarray, eta: float) -> np.ndarray:
    value = np.array(theta, dtype=np.float64)
    optim.SGD([("theta", value, np.asarray(grad, dtype=np.float64))], lr=eta).step()
    return value


def _step_case(seed: int, p: int, eta: float) -> tuple:
    rng = _rng(seed)
    return (rng.standard_normal(p), rng.standard_normal(p), eta)


def ref_total_loss_and_gradient(w: float, b: float, x: np.ndarray, t: np.ndarray) -> tuple:
    """L = sum_n C^n, C^n = 1/2 (w x^n + b - t^n)^2, and its gradient, from course_lib's MSELoss.

    MSELoss averages over the batch, so L and its gradient are N times its values.
    """
    n = len(x)
    layer, loss = _linear(np.array([[w]]), np.array([b])), nn.MSELoss()
    mean_cost = loss.forward(layer.forward(x.reshape(n, 1)), t.reshape(n, 1))
    layer.backward(loss.backward())
    return (n * mean_cost, n * float(layer.dW[0, 0]), n * float(layer.db[0]))


def _regression_case(seed: int, n: int) -> tuple:
    rng = _rng(seed)
    x = rng.uniform(-2, 2, n)
    return (float(rng.normal()), float(rng.normal()), x, 1.5 * x - 0.5 + 0.3 * rng.normal(size=n))


def ref_momentum_step(theta: np.ndarray, v: np.ndarray, grad: np.ndarray, eta: float,
                      mu: float) -> tuple:  # fmt: skip
    """(theta^i, v^i) of one momentum step, v^i = mu v^(i-1) - eta grad, theta^i = theta^(i-1)
    + v^i, by course_lib's Momentum optimiser with its velocity set to v."""
    value = np.array(theta, dtype=np.float64)
    step = optim.Momentum([("theta", value, np.asarray(grad, dtype=np.float64))], lr=eta,
                          momentum=mu)  # fmt: skip
    step.velocity[0][...] = v
    step.step()
    return (value, step.velocity[0].copy())


def _momentum_case(seed: int, p: int, eta: float, mu: float, moving: bool = True) -> tuple:
    """(theta, v, grad, eta, mu) with P parameters; v = 0 (the first step) unless ``moving``."""
    rng = _rng(seed)
    theta, grad = rng.standard_normal(p), rng.standard_normal(p)
    v = 0.1 * rng.standard_normal(p) if moving else np.zeros(p)
    return (theta, v, grad, eta, mu)


A01: dict[str, Exercise] = {  # 01_gradient_descent
    "numerical_gradient": Exercise(
        forbidden=("course_lib.gradcheck",),
        forbidden_reason="write the finite differences yourself",
        hint="For each entry i, nudge theta[i] up by eps and down by eps (on a copy, or restore "
        "it), and divide the change of f by 2 * eps.",
        reference=ref_numerical_gradient,
        public=(
            Case("a quadratic bowl in 2 dimensions", lambda: _bowl_case(1, 2)),
            Case("a curved function in 3 dimensions", lambda: _wavy_case(2, 3)),
        ),
        rtol=1e-5,
        atol=1e-7,
        mistakes=(
            Mistake(
                lambda f, theta: 2 * ref_numerical_gradient(f, theta),
                "Your gradient is twice too large: look at how far apart your two nudged "
                "points are.",
                "twice_too_large",
            ),
        ),
    ),
    "gradient_descent_step": Exercise(
        forbidden=("course_lib.optim",),
        forbidden_reason="write the update yourself",
        hint="theta_new = theta - eta * grad: a step against the gradient, downhill.",
        reference=ref_gradient_descent_step,
        public=(Case("two parameters, eta = 0.1", lambda: _step_case(3, 2, 0.1)),),
        mistakes=(
            Mistake(
                lambda theta, grad, eta: theta + eta * grad,
                "You stepped uphill: every entry moved the way in which the loss grows.",
                "uphill",
            ),
            Mistake(
                lambda theta, grad, eta: theta - grad,
                "Your step is as long as the gradient itself: the learning rate eta is missing.",
                "no_eta",
            ),
        ),
    ),
    "total_loss_and_gradient": Exercise(
        forbidden=("course_lib.nn",),
        forbidden_reason="write the loss and its gradient yourself",
        hint="Per example, C^n = 1/2 (w x^n + b - t^n)^2, so dC^n/dw = (w x^n + b - t^n) x^n and "
        "dC^n/db = (w x^n + b - t^n). The total loss and its gradient are sums over n.",
        reference=ref_total_loss_and_gradient,
        public=(Case("five examples", lambda: _regression_case(4, 5)),),
        returns=("L", "dL/dw", "dL/db"),
        mistakes=(
            Mistake(
                lambda w, b, x, t: tuple(
                    v / len(x) for v in ref_total_loss_and_gradient(w, b, x, t)
                ),
                "You averaged over the examples: L is the sum of the C^n, not their mean.",
                "mean_not_sum",
            ),
        ),
    ),
    "momentum_step": Exercise(
        forbidden=("course_lib.optim",),
        forbidden_reason="write the momentum step yourself",
        hint="First the new velocity, v_new = mu * v - eta * grad (the old velocity, shrunk by "
        "mu, plus a plain gradient-descent step); then theta_new = theta + v_new.",
        reference=ref_momentum_step,
        public=(
            Case(
                "three parameters, moving already, eta = 0.1, mu = 0.9",
                lambda: _momentum_case(21, 3, 0.1, 0.9),
            ),
            Case(
                "the first step (v = 0), eta = 0.05, mu = 0.5",
                lambda: _momentum_case(22, 2, 0.05, 0.5, moving=False),
            ),
        ),  # fmt: skip
        returns=("theta_new", "v_new"),
        mistakes=(
            Mistake(
                lambda theta, v, grad, eta, mu: (theta + mu * v + eta * grad, mu * v + eta * grad),
                "You stepped uphill: the velocity gathers the gradient with the wrong sign, so "
                "every step goes the way in which the loss grows.",
                "uphill",
            ),
            Mistake(
                lambda theta, v, grad, eta, mu: (theta + v, mu * v - eta * grad),
                "v_new is right but theta_new is not: theta moved by the old velocity v^(i-1); "
                "theta^i moves by the new velocity v^i, which already holds this gradient.",
                "old_velocity",
            ),
            Mistake(
                lambda theta, v, grad, eta, mu: (theta - eta * grad, -eta * grad),
                "Your velocity forgets the previous one: that is plain gradient descent. The "
                "velocity carries the past steps along, shrunk by mu at each step.",
                "velocity_forgotten",
            ),
            Mistake(
                lambda theta, v, grad, eta, mu: (theta + v - eta * grad, v - eta * grad),
                "The old velocity is not shrunk: mu is missing, so the past steps never fade "
                "(that is mu = 1, for which momentum never settles).",
                "no_mu",
            ),
        ),
    ),
}


# ======================= 02 chain rule =======================

UNARY = {"exp": "exp", "tanh": "tanh", "sigmoid": "sigmoid"}


def _apply(op: str, a: autodiff.Value, b: autodiff.Value | None) -> autodiff.Value:
    if op == "+":
        return a + b
    if op == "*":
        return a * b
    if op in UNARY:
        return getattr(a, UNARY[op])()
    raise ValueError(f"unknown operation {op!r}")


def ref_local_derivatives(op: str, a: float, b: float | None) -> tuple:
    """(d out/da,) for a unary op, (d out/da, d out/db) for + and *: from course_lib's Value."""
    va = autodiff.Value(a)
    vb = autodiff.Value(b) if b is not None else None
    _apply(op, va, vb).backward()
    return (va.grad,) if vb is None else (va.grad, vb.grad)


def ref_chain_rule_case2(s: float) -> float:
    """dz/ds for x = s^2, y = e^s, z = x * y (two paths from s to z)."""
    vs = autodiff.Value(s)
    (vs**2 * vs.exp()).backward()
    return vs.grad


def _build(graph: list) -> list[autodiff.Value]:
    nodes: list[autodiff.Value] = []
    for node in graph:
        if node[0] == "input":
            nodes.append(autodiff.Value(node[1]))
        else:
            b = nodes[node[2]] if len(node) > 2 else None
            nodes.append(_apply(node[0], nodes[node[1]], b))
    return nodes


def ref_forward(graph: list) -> list:
    return [v.data for v in _build(graph)]


def ref_backward(graph: list, values: list) -> list:
    nodes = _build(graph)
    nodes[-1].backward()
    return [v.grad for v in nodes]


def wrong_backward_overwrites(graph: list, values: list) -> list:
    """backward with '=' instead of '+=': a node used twice keeps only its last contribution."""
    nodes = _build(graph)
    grads = [0.0] * len(graph)
    grads[-1] = 1.0
    for k in range(len(graph) - 1, -1, -1):
        node = graph[k]
        if node[0] == "input":
            continue
        a = values[node[1]]
        b = values[node[2]] if len(node) > 2 else None
        for i, d in zip(node[1:], ref_local_derivatives(node[0], a, b), strict=True):
            grads[i] = d * grads[k]
    del nodes
    return grads


# The lecture's neuron: z = w1 x1 + w2 x2 + b, a = sigmoid(z), with x = (1, -1), w = (1, -2), b = 1
LECTURE_NEURON = [
    ["input", 1.0], ["input", -1.0], ["input", 1.0], ["input", -2.0], ["input", 1.0],
    ["*", 2, 0], ["*", 3, 1], ["+", 5, 6], ["+", 7, 4], ["sigmoid", 8],
]  # fmt: skip


def _random_graph(seed: int, n_inputs: int, n_ops: int) -> list:
    """A random graph in which every node is used later (so every path reaches the output)."""
    rng = _rng(seed)
    graph: list = [["input", round(float(rng.uniform(-1.5, 1.5)), 3)] for _ in range(n_inputs)]
    for _ in range(n_ops):
        k = len(graph)
        op = str(rng.choice(["+", "*", "*", "tanh", "sigmoid", "exp"]))
        i = int(rng.integers(max(0, k - 3), k))
        if op in UNARY:
            graph.append([op, i])
        else:
            graph.append([op, i, int(rng.integers(0, k))])
    return graph


def _shared_graph() -> list:
    """s feeds two paths: x = s * s, y = exp(s), z = x * y (chain rule case 2, with reuse)."""
    return [["input", 0.7], ["*", 0, 0], ["exp", 0], ["*", 1, 2]]


def _graph_case(graph: list) -> tuple:
    return (graph, ref_forward(graph))


def _tiny_mlp_run(W1, b1, W2, b2, xs, ts, eta, steps, direction: float = -1.0,
                  scale: float = 1.0, accumulate: bool = False) -> tuple:  # fmt: skip
    """(dW1, db1, dW2, db2, losses) of exercise 2.5 by course_lib's layers (tanh hidden
    layer, linear output, MSELoss: the mean of the costs C^n = 1/2 (y^n - t^n)^2), trained
    by plain gradient descent. What the usual mistakes give: ``direction`` +1 steps uphill,
    ``scale`` N sums the costs, ``accumulate`` never resets the gradient sums (no zero_grad).
    """
    hidden, output = (
        _linear(np.array(W1, dtype=np.float64).T, np.array(b1, dtype=np.float64)),
        _linear(np.array(W2, dtype=np.float64).reshape(-1, 1), np.array([float(b2)])),
    )
    net, loss = nn.Sequential(hidden, nn.Tanh(), output), nn.MSELoss()
    x, t = np.array(xs, dtype=np.float64), np.array(ts, dtype=np.float64).reshape(-1, 1)
    params = net.parameters()
    sums = [np.zeros_like(value) for _, value, _ in params]
    losses, first = [], None
    for step in range(steps + 1):
        losses.append(scale * loss.forward(net.forward(x), t))
        net.backward(loss.backward())
        grads = [scale * grad for _, _, grad in params]
        sums = [s + g for s, g in zip(sums, grads, strict=True)] if accumulate else grads
        if first is None:
            first = [g.copy() for g in grads]
        if step < steps:
            for (_, value, _), g in zip(params, sums, strict=True):
                value += direction * eta * g
    dW1, db1, dW2, db2 = first
    return (dW1.T.copy(), db1, dW2[:, 0].copy(), float(db2[0]), np.array(losses))


def ref_train_tiny_mlp(W1, b1, W2, b2, xs, ts, eta, steps) -> tuple:
    """The gradient of L at the start, and L before and after each step (see _tiny_mlp_run)."""
    return _tiny_mlp_run(W1, b1, W2, b2, xs, ts, eta, steps)


def _tiny_mlp_case(seed: int, n: int, d: int, h: int, eta: float, steps: int) -> tuple:
    """(W1: (h, d), b1: (h,), W2: (h,), b2, xs: (n, d), ts: (n,), eta, steps): a toy set,
    the target t = x_1 x_2 (a saddle) plus a little noise; small random initial weights."""
    rng = _rng(seed)
    xs = rng.uniform(-1.0, 1.0, (n, d))
    ts = xs[:, 0] * xs[:, 1 % d] + 0.05 * rng.standard_normal(n)
    return (rng.standard_normal((h, d)) / np.sqrt(d), 0.1 * rng.standard_normal(h),
            rng.standard_normal(h) / np.sqrt(h), float(0.1 * rng.standard_normal()), xs, ts,
            eta, steps)  # fmt: skip


A02: dict[str, Exercise] = {  # 02_chain_rule
    "local_derivatives": Exercise(
        forbidden=("course_lib.autodiff",),
        forbidden_reason="work the derivatives out yourself",
        hint="d(a+b)/da = 1, d(ab)/da = b, d(e^a)/da = e^a, d tanh(a)/da = 1 - tanh(a)^2, "
        "sigma'(a) = sigma(a) (1 - sigma(a)).",
        reference=ref_local_derivatives,
        public=(
            Case("a + b", lambda: ("+", 2.0, -3.0)),
            Case("a * b", lambda: ("*", 2.0, -3.0)),
            Case("exp(a)", lambda: ("exp", 0.5, None)),
            Case("tanh(a)", lambda: ("tanh", 0.5, None)),
            Case("sigmoid(a)", lambda: ("sigmoid", 0.5, None)),
        ),
        mistakes=(
            Mistake(
                lambda op, a, b: (1.0 / (1.0 + np.exp(-a)),),
                "For sigmoid you returned sigma(a) itself: that is the function, not its "
                "derivative.",
                "sigma_not_derivative",
            ),
            Mistake(
                lambda op, a, b: (a, b),
                "For a * b you returned (a, b): each input's derivative is not the input itself.",
                "product_own_input",
            ),
        ),
    ),
    "chain_rule_case2": Exercise(
        forbidden=("course_lib.autodiff",),
        forbidden_reason="apply the chain rule yourself",
        hint="Two paths lead from s to z: dz/ds = dz/dx * dx/ds + dz/dy * dy/ds, with "
        "dz/dx = y, dz/dy = x, dx/ds = 2 s, dy/ds = e^s.",
        reference=ref_chain_rule_case2,
        public=(Case("s = 0.5", lambda: (0.5,)), Case("s = -1.0", lambda: (-1.0,))),
        mistakes=(
            Mistake(
                lambda s: float(np.exp(s) * 2 * s),
                "You followed only the path through x: s reaches z through y too (case 2).",
                "path_x_only",
            ),
            Mistake(
                lambda s: float(s**2 * np.exp(s)),
                "You followed only the path through y: s reaches z through x too (case 2).",
                "path_y_only",
            ),
        ),
    ),
    "forward": Exercise(
        forbidden=("course_lib.autodiff",),
        forbidden_reason="write the forward pass yourself",
        hint="Walk through the nodes in order; node k only uses nodes before it, whose values "
        "you already have.",
        reference=ref_forward,
        public=(
            Case("the lecture's neuron", lambda: (LECTURE_NEURON,)),
            Case("a random graph of 8 nodes", lambda: (_random_graph(5, 3, 5),)),
        ),
        mistakes=(
            Mistake(
                lambda graph: [
                    v
                    for node, v in zip(graph, ref_forward(graph), strict=True)
                    if node[0] != "input"
                ],  # fmt: skip
                "Your list leaves out the input nodes: it needs one value per node, in the "
                "graph's order, inputs included.",
                "inputs_left_out",
            ),
        ),
    ),
    "backward": Exercise(
        forbidden=("course_lib.autodiff",),
        forbidden_reason="write the backward pass yourself",
        hint="Start with grads = [0, ..., 0, 1] and visit the nodes from the last to the first; "
        "each node k adds local derivative * grads[k] to the grads of its inputs (+=, "
        "because a node may feed several others).",
        reference=ref_backward,
        uses=("local_derivatives",),  # judged with the reference local_derivatives in its place
        public=(
            Case("the lecture's neuron", lambda: _graph_case(LECTURE_NEURON)),
            Case(
                "a node used twice (x = s * s, y = e^s, z = x * y)",
                lambda: _graph_case(_shared_graph()),
            ),
        ),
        mistakes=(
            Mistake(
                wrong_backward_overwrites,
                "A node that feeds several others gets a contribution from each of them "
                "(chain rule case 2); yours keeps only the last one.",
                "overwrite_not_add",
            ),
        ),
    ),
    "train_tiny_mlp": Exercise(
        forbidden=("course_lib.nn", "course_lib.optim", "course_lib.gradcheck"),
        forbidden_reason="build the network from Value yourself",
        hint="Make every parameter a Value; for each example build y from the Values and "
        "C = 0.5 * (y - t)**2, call C.backward(), and add p.grad / N into a sum kept for each "
        "parameter p. At the start of every step set all those sums to 0 (zero_grad); after "
        "the examples, p.data -= eta * sum. Record L = the mean of C.data before each step "
        "and once after the last.",
        reference=ref_train_tiny_mlp,
        public=(
            Case(
                "a 2-3-1 network, 6 examples, 5 steps, eta = 0.5",
                lambda: _tiny_mlp_case(41, 6, 2, 3, 0.5, 5),
            ),
            Case(
                "a 2-4-1 network, 6 examples, 10 steps, eta = 0.5",
                lambda: _tiny_mlp_case(42, 6, 2, 4, 0.5, 10),
            ),
        ),  # fmt: skip
        rtol=1e-6,
        atol=1e-9,
        returns=("dW1", "db1", "dW2", "db2", "losses"),
        order=(2, 3, 0, 1, 4),  # from the output layer back, then the losses
        batch=lambda args: len(args[4]),
        mistakes=(
            Mistake(
                lambda *args: _tiny_mlp_run(*args, accumulate=True),
                "The first gradients and the first two losses are right, then the losses go "
                "wrong: the gradient sums of one step carry over into the next. They must "
                "start again from 0 at every step (zero_grad).",
                "no_zero_grad",
            ),
            Mistake(
                lambda *args: _tiny_mlp_run(*args, direction=1.0),
                "The gradients are right but the loss grows: your steps go uphill.",
                "uphill",
            ),
            Mistake(
                lambda *args: _tiny_mlp_run(*args, scale=float(len(args[4]))),
                "Every gradient, and the loss, is N times too large (N the number of "
                "examples): L is the mean of the costs C^n, not their sum.",
                "sum_not_mean",
            ),
        ),
    ),
}


# ======================= 03 forward pass =======================


def _sigmoid_layer(W: np.ndarray, b: np.ndarray) -> nn.Sequential:
    return nn.Sequential(_linear(W, b), nn.Sigmoid())


def ref_neuron(x: np.ndarray, w: np.ndarray, b: float) -> float:
    a = _sigmoid_layer(w.reshape(-1, 1), np.array([b])).forward(x.reshape(1, -1))
    return float(a[0, 0])


def ref_layer_forward(a: np.ndarray, W: np.ndarray, b: np.ndarray) -> tuple:
    layer = _linear(W, b)
    z = layer.forward(a)
    return (z, nn.Sigmoid().forward(z))


def ref_forward_pass(x: np.ndarray, weights: list, biases: list) -> list:
    net = nn.Sequential(*[_sigmoid_layer(W, b) for W, b in zip(weights, biases, strict=True)])
    net.forward(x)
    return [x] + [block[1].a for block in net.layers]


LECTURE_X = np.array([[1.0, -1.0]])
LECTURE_W1 = np.array([[1.0, -1.0], [-2.0, 1.0]])  # column j holds the weights into neuron j
LECTURE_B1 = np.array([1.0, 0.0])
LECTURE_W2 = np.array([[2.0, -2.0], [-1.0, -1.0]])
LECTURE_B2 = np.array([0.0, 0.0])


def _layer_case(seed: int, n: int, n_in: int, n_out: int) -> tuple:
    rng = _rng(seed)
    return (rng.standard_normal((n, n_in)), rng.standard_normal((n_in, n_out)),
            rng.standard_normal(n_out))  # fmt: skip


def _net_case(seed: int, sizes: list[int], n: int) -> tuple:
    rng = _rng(seed)
    pairs = zip(sizes[:-1], sizes[1:], strict=True)
    weights = [rng.standard_normal((i, o)) / np.sqrt(i) for i, o in pairs]
    biases = [rng.standard_normal(o) * 0.1 for o in sizes[1:]]
    return (rng.standard_normal((n, sizes[0])), weights, biases)


A03: dict[str, Exercise] = {  # 03_forward_pass
    "neuron": Exercise(
        forbidden=("course_lib.nn",),
        forbidden_reason="write the neuron yourself",
        hint="z = w . x + b (np.dot), then a = sigma(z) = 1 / (1 + e^(-z)).",
        reference=ref_neuron,
        public=(
            Case(
                "the lecture's first neuron",
                lambda: (np.array([1.0, -1.0]), np.array([1.0, -2.0]), 1.0),
            ),
            Case(
                "the lecture's second neuron",
                lambda: (np.array([1.0, -1.0]), np.array([-1.0, 1.0]), 0.0),
            ),
        ),
        mistakes=(
            Mistake(
                lambda x, w, b: float(np.dot(w, x) + b),
                "You returned z, the value before the activation.",
                "returned_z",
            ),
        ),
    ),
    "layer_forward": Exercise(
        forbidden=("course_lib.nn",),
        forbidden_reason="write the layer yourself",
        hint="With one example per row, z = a @ W + b has shape (N, n_out); then apply the "
        "sigmoid element-wise. Return both z and sigma(z).",
        reference=ref_layer_forward,
        public=(
            Case("the lecture's first layer", lambda: (LECTURE_X, LECTURE_W1, LECTURE_B1)),
            Case("a batch of 4 examples, 3 inputs, 5 outputs", lambda: _layer_case(6, 4, 3, 5)),
        ),
        returns=("z", "a_out"),
        mistakes=(
            Mistake(
                lambda a, W, b: (a @ W.T + b, nn.Sigmoid().sigma(a @ W.T + b)),
                "You used W transposed: in this notebook W has shape (n_in, n_out), one "
                "column per neuron.",
                "W_transposed",
            ),
        ),
    ),
    "forward_pass": Exercise(
        forbidden=("course_lib.nn",),
        forbidden_reason="write the forward pass yourself",
        hint="Keep a list that starts with x; for each (W, b), compute a = sigma(a @ W + b) from "
        "the last entry and append it. The cache holds one array more than there are layers.",
        reference=ref_forward_pass,
        uses=("layer_forward",),  # judged with the reference layer_forward in its place
        public=(
            Case(
                "the lecture's 2-2-2 network",
                lambda: (LECTURE_X, [LECTURE_W1, LECTURE_W2], [LECTURE_B1, LECTURE_B2]),
            ),
            Case("a 3-4-2 network on 5 examples", lambda: _net_case(7, [3, 4, 2], 5)),
        ),
        mistakes=(
            Mistake(
                lambda x, weights, biases: ref_forward_pass(x, weights, biases)[1:],
                "The cache should start with the input x itself (a_[0] = x): dz/dW of the "
                "first layer is x.",
                "cache_without_x",
            ),
        ),
    ),
}


# ======================= 04 backward pass =======================
# In this notebook a weight matrix has one row per output neuron, W: (n_out, n_in), the way
# PyTorch stores it: z = a @ W.T + b. (The lecture, and notebook 03, use W: (n_in, n_out).)


def ref_sigmoid_backward(a: np.ndarray, dC_da: np.ndarray) -> np.ndarray:
    layer = nn.Sigmoid()
    layer.a = a  # the layer's kept output: sigma'(z) = a (1 - a)
    return layer.backward(dC_da)


def ref_linear_backward(a: np.ndarray, W: np.ndarray, dC_dz: np.ndarray) -> tuple:
    """(dC/da, dC/dW, dC/db) of z = a @ W.T + b, W: (n_out, n_in), by course_lib's Linear
    (which stores W.T)."""
    layer = _linear(W.T, np.zeros(W.shape[0]))
    layer.forward(a)
    dC_da = layer.backward(dC_dz)
    return (dC_da, layer.dW.T.copy(), layer.db.copy())


def _two_layer(W1, b1, W2, b2, output: bool = True) -> nn.Sequential:
    """The network of 4.3, y = sigma(sigma(x @ W1.T + b1) @ W2.T + b2), W: (n_out, n_in);
    without its output sigmoid when ``output`` is False."""
    layers = [_linear(W1.T, b1), nn.Sigmoid(), _linear(W2.T, b2)]
    return nn.Sequential(*layers, *([nn.Sigmoid()] if output else []))


def _grads(net: nn.Sequential, dC_dy: np.ndarray) -> tuple:
    """(dW1, db1, dW2, db2) in the notebook's layout, after a forward pass of ``net``."""
    net.backward(dC_dy)
    dW1, db1, dW2, db2 = (grad for _, _, grad in net.parameters())
    return (dW1.T.copy(), db1.copy(), dW2.T.copy(), db2.copy())


def ref_backprop(x, t, W1, b1, W2, b2) -> tuple:
    """Every gradient by course_lib's backward pass (itself checked against finite
    differences in tests/test_nn.py); also what a timed case is measured against."""
    net, loss = _two_layer(W1, b1, W2, b2), nn.MSELoss()
    loss.forward(net.forward(x), t)
    return _grads(net, loss.backward())


def _backprop_without(x, t, W1, b1, W2, b2, hidden: bool = True, output: bool = True,
                      scale: float = 1.0) -> tuple:  # fmt: skip
    """backprop's gradients with the hidden or the output amplifier sigma' left out, or
    dC/dy scaled: what the usual mistakes give (built from course_lib's layers)."""
    net, loss = _two_layer(W1, b1, W2, b2), nn.MSELoss()
    loss.forward(net.forward(x), t)
    if not output:
        net.layers[3] = _Identity()
    if not hidden:
        net.layers[1] = _Identity()
    return _grads(net, scale * loss.backward())


class _Identity:
    """A layer that passes the gradient back unchanged (an amplifier forgotten)."""

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad

    def parameters(self) -> list:
        return []


def _linear_output(x, t, W1, b1, W2, b2) -> tuple:
    """The gradients of the network without its output sigmoid (a linear output)."""
    net, loss = _two_layer(W1, b1, W2, b2, output=False), nn.MSELoss()
    loss.forward(net.forward(x), t)
    return _grads(net, loss.backward())


def _grad_case(seed: int, n: int, d: int) -> tuple:
    rng = _rng(seed)
    a = nn.Sigmoid().sigma(rng.standard_normal((n, d)))
    return (a, rng.standard_normal((n, d)))


def _linear_back_case(seed: int, n: int, n_in: int, n_out: int) -> tuple:
    """(a: (n, n_in), W: (n_out, n_in), dC_dz: (n, n_out))."""
    rng = _rng(seed)
    return (rng.standard_normal((n, n_in)), rng.standard_normal((n_out, n_in)),
            rng.standard_normal((n, n_out)))  # fmt: skip


def _backprop_case(seed: int, n: int, sizes: tuple[int, int, int]) -> tuple:
    """(x: (n, d), t: (n, k) in [0, 1], W1: (h, d), b1, W2: (k, h), b2)."""
    rng = _rng(seed)
    d, h, k = sizes
    return (rng.standard_normal((n, d)), rng.uniform(0.0, 1.0, (n, k)),
            rng.standard_normal((h, d)), 0.1 * rng.standard_normal(h),
            rng.standard_normal((k, h)), 0.1 * rng.standard_normal(k))  # fmt: skip


def _lecture_backprop_case() -> tuple:
    """The lecture's 2-2-2 network, in this notebook's layout (W transposed), target (0, 1)."""
    return (LECTURE_X, np.array([[0.0, 1.0]]), LECTURE_W1.T.copy(), LECTURE_B1,
            LECTURE_W2.T.copy(), LECTURE_B2)  # fmt: skip


def _sigmoid_net(weights: list, biases: list) -> nn.Sequential:
    """A sigmoid network of any depth from weights stored by row, W_[l]: (n_l, n_(l-1))."""
    layers: list = []
    for W, b in zip(weights, biases, strict=True):
        layers += [_linear(W.T, b), nn.Sigmoid()]
    return nn.Sequential(*layers)


def _deep_grads(x, t, weights, biases, skip_hidden: bool = False, scale: float = 1.0) -> tuple:
    """(dWs, dbs) of the mean squared-error loss of a sigmoid network, by course_lib's
    backward pass; with the hidden layers' amplifiers sigma' left out, or dL/dy scaled: what
    the usual mistakes give."""
    net, loss = _sigmoid_net(weights, biases), nn.MSELoss()
    loss.forward(net.forward(x), t)
    if skip_hidden:
        for i in range(1, len(net.layers) - 1, 2):
            net.layers[i] = _Identity()
    net.backward(scale * loss.backward())
    grads = [grad for _, _, grad in net.parameters()]
    return ([g.T.copy() for g in grads[0::2]], [g.copy() for g in grads[1::2]])


def ref_backprop_deep(x, t, weights, biases) -> tuple:
    """(dWs, dbs): every gradient of the mean squared-error loss of a sigmoid network of any
    depth, W stored by row, by course_lib's backward pass."""
    return _deep_grads(x, t, weights, biases)


def _deep_case(seed: int, n: int, sizes: tuple[int, ...]) -> tuple:
    """(x: (n, sizes[0]), t: (n, sizes[-1]) in [0, 1], weights, biases), W_[l]: (n_l, n_(l-1))
    scaled by 1 / sqrt(n_(l-1)) so that the sigmoids are not saturated."""
    rng = _rng(seed)
    pairs = zip(sizes[:-1], sizes[1:], strict=True)
    weights = [rng.standard_normal((o, i)) / np.sqrt(i) for i, o in pairs]
    biases = [0.1 * rng.standard_normal(o) for o in sizes[1:]]
    return (rng.standard_normal((n, sizes[0])), rng.uniform(0.0, 1.0, (n, sizes[-1])), weights,
            biases)  # fmt: skip


LECTURE_W3 = np.array([[3.0, -1.0], [-1.0, 4.0]])  # the lecture's third layer (notebook 04, §2)
LECTURE_B3 = np.array([-2.0, 2.0])


def _lecture_deep_case() -> tuple:
    """The lecture's 2-2-2-2 network (notebook 04, section 2), W stored by row, target (0, 1)."""
    weights = [W.T.copy() for W in (LECTURE_W1, LECTURE_W2, LECTURE_W3)]
    return (LECTURE_X, np.array([[0.0, 1.0]]), weights, [LECTURE_B1, LECTURE_B2, LECTURE_B3])


def _by_layer(args: tuple, got) -> list[str]:
    """Each layer's dW and db, right or wrong, from the output layer back."""
    try:
        dWs, dbs = got
        want_W, want_b = ref_backprop_deep(*args)
        if len(dWs) != len(want_W) or len(dbs) != len(want_b):
            return []
        marks = []
        for layer in range(len(want_W), 0, -1):
            pair = []
            for name, mine, right in (("dW", dWs, want_W), ("db", dbs, want_b)):
                g, w = mine[layer - 1], right[layer - 1]
                ok = (
                    isinstance(g, np.ndarray)
                    and g.shape == w.shape
                    and np.allclose(g, w, 1e-5, 1e-8)
                )
                pair.append(f"{'✓' if ok else '✗'} {name}_[{layer}]")
            marks.append(" ".join(pair))
    except Exception:
        return []
    return ["layer by layer, from the output layer back (start at the first ✗): "
            + "; ".join(marks)]  # fmt: skip


SHAPES_DO_NOT_FIT = ("matmul", "could not be broadcast", "shapes", "not aligned")


def _shape_errors(message: str, name: str) -> tuple[ErrorRemark, ...]:
    return tuple(ErrorRemark(text, message, name) for text in SHAPES_DO_NOT_FIT)


A04: dict[str, Exercise] = {  # 04_backward_pass
    "sigmoid_backward": Exercise(
        forbidden=(
            "course_lib.nn.Activation",
            "course_lib.nn.Sigmoid",
            "course_lib.nn.Tanh",
            "course_lib.nn.ReLU",
        ),
        forbidden_reason="write sigma'(z) yourself",
        hint="dC/dz = sigma'(z) * dC/da, element-wise, and sigma'(z) = a * (1 - a): the "
        "amplifier of the reversed network.",
        reference=ref_sigmoid_backward,
        public=(Case("a batch of 3 examples, 4 units", lambda: _grad_case(8, 3, 4)),),
        batch=lambda args: len(args[0]),
        mistakes=(
            Mistake(
                lambda a, dC_da: dC_da,
                "You returned dC/da unchanged: on its way back, the gradient also goes "
                "through the sigmoid's amplifier sigma'(z).",
                "missing_sigma_prime",
            ),
            Mistake(
                lambda a, dC_da: nn.Sigmoid().sigma(a) * (1 - nn.Sigmoid().sigma(a)) * dC_da,
                "You applied the sigmoid to a: a is already the sigmoid's output sigma(z), "
                "so sigma is applied twice.",
                "sigma_twice",
            ),
        ),
    ),
    "linear_backward": Exercise(
        forbidden=("course_lib.nn.Linear",),
        forbidden_reason="write the backward pass yourself",
        hint="W is (n_out, n_in) and z = a @ W.T + b. dC/dW[j, i] = sum over the batch of "
        "dC/dz[n, j] * a[n, i], so dC/dW = dC/dz.T @ a; dC/db = dC/dz summed over the batch "
        "(axis 0); dC/da = dC/dz @ W.",
        reference=ref_linear_backward,
        public=(
            Case("a batch of 5, 3 inputs, 2 outputs", lambda: _linear_back_case(10, 5, 3, 2)),
            Case("a batch of 4, 2 inputs, 6 outputs", lambda: _linear_back_case(9, 4, 2, 6)),
        ),
        returns=("dC_da", "dC_dW", "dC_db"),
        batch=lambda args: len(args[0]),
        errors=_shape_errors(
            "The shapes of a matrix product do not fit: write each factor's shape beside it. "
            "Here W is (n_out, n_in): one row per output neuron.",
            "shapes_do_not_fit",
        ),
        mistakes=(
            Mistake(
                lambda a, W, dz: (lambda r: (r[0], r[1].T, r[2]))(ref_linear_backward(a, W, dz)),
                "dC_dW is transposed: it must have the shape of W, (n_out, n_in), one row per "
                "output neuron.",
                "transposed_dW",
            ),
            Mistake(
                lambda a, W, dz: (lambda r: (r[0], r[1], r[2] / len(a)))(
                    ref_linear_backward(a, W, dz)
                ),
                "dC_db is an average over the batch: each example's contribution to the "
                "gradient adds up, as in dC_dW.",
                "mean_for_db",
            ),
            Mistake(
                lambda a, W, dz: (lambda r: (r[0], r[1], dz.sum(axis=1)))(
                    ref_linear_backward(a, W, dz)
                ),
                "dC_db is summed over the wrong axis: it has one entry per example, it needs "
                "one per output neuron.",
                "wrong_sum_axis",
            ),
            Mistake(
                lambda a, W, dz: (lambda r: (r[0], r[1], r[2][None, :]))(
                    ref_linear_backward(a, W, dz)
                ),
                "dC_db has shape (1, n_out), with an axis kept for the batch: b is a vector "
                "of shape (n_out,).",
                "keepdims",
            ),
        ),
    ),
    "backprop": Exercise(
        forbidden=("course_lib.nn", "course_lib.gradcheck", "course_lib.autodiff"),
        forbidden_reason="write backpropagation yourself",
        speed_reference=ref_backprop,
        hint="Forward: a_[1] = sigma(x @ W1.T + b1), y = sigma(a_[1] @ W2.T + b2). Backward, L "
        "being the mean over the batch: dL/dy = (y - t) / N; case 1, dL/dz_[2] = "
        "sigma'(z_[2]) * dL/dy = sigmoid_backward(y, dL/dy); linear_backward(a_[1], W2, "
        "dL/dz_[2]) gives dL/da_[1], dW2, db2; case 2, dL/dz_[1] = sigmoid_backward(a_[1], "
        "dL/da_[1]); linear_backward(x, W1, dL/dz_[1]) gives dW1, db1.",
        reference=ref_backprop,
        public=(
            Case("the lecture's 2-2-2 network, target (0, 1)", _lecture_backprop_case),
            Case("a 3-4-2 network on 5 examples", lambda: _backprop_case(11, 5, (3, 4, 2))),
            Case(
                "a 4-3-1 network (one output) on 6 examples",
                lambda: _backprop_case(12, 6, (4, 3, 1)),
            ),  # fmt: skip
        ),
        rtol=1e-5,
        atol=1e-8,
        returns=("dW1", "db1", "dW2", "db2"),
        order=(2, 3, 0, 1),  # from the output layer back
        uses=("sigmoid_backward", "linear_backward"),
        batch=lambda args: len(args[0]),
        errors=(
            ErrorRemark(
                "",
                "It fails on the case with one output (K = 1) only: y and t have shape "
                "(N, 1) there; an array squeezed to (N,) broadcasts against an (N, 1) one into "
                "an (N, N) array. Print the shapes.",
                "squeeze",
                when=lambda args: args[1].shape[1] == 1,
            ),
        ),
        mistakes=(
            Mistake(
                lambda *args: _backprop_without(*args, hidden=False),
                "dW2 and db2 are right but dW1 and db1 are not: on its way back from a_[1] to "
                "z_[1] the gradient skips the hidden layer's amplifier sigma'(z_[1]) (case 2).",
                "missing_hidden_sigma_prime",
            ),
            Mistake(
                lambda *args: _backprop_without(*args, output=False),
                "Every gradient is off, from the output layer on: the gradient skips the "
                "output sigmoid's amplifier sigma'(z_[2]) (case 1): this network's output is "
                "y = sigma(z_[2]), not z_[2].",
                "output_treated_as_linear",
            ),
            Mistake(
                _linear_output,
                "Your forward pass has no sigmoid on the output: this network's output is "
                "y = sigma(z_[2]), as in the lecture.",
                "no_output_sigmoid",
            ),
            Mistake(
                lambda x, *rest: _backprop_without(x, *rest, scale=float(len(x))),
                "Every gradient is N times too large (N the batch size): the loss L is the "
                "mean of the costs C^n over the batch.",
                "missing_1_over_N",
            ),
        ),
    ),
    "backprop_deep": Exercise(
        forbidden=("course_lib.nn", "course_lib.gradcheck", "course_lib.autodiff"),
        forbidden_reason="write backpropagation yourself",
        speed_reference=ref_backprop_deep,
        hint="Forward: keep a list a with a[0] = x and a[l] = sigma(a[l-1] @ W_[l].T + b_[l]). "
        "Backward: start with dL/da = (y - t) / N for the output a[-1] = y; then for l from the "
        "last layer down to 1: dL/dz = sigmoid_backward(a[l], dL/da), and linear_backward(a[l-1], "
        "weights[l-1], dL/dz) gives the next dL/da and layer l's dW and db. Put them at "
        "position l-1 of your lists.",
        reference=ref_backprop_deep,
        public=(
            Case("the lecture's 2-2-2-2 network, target (0, 1)", _lecture_deep_case),
            Case("a 3-5-4-2 network on 5 examples", lambda: _deep_case(31, 5, (3, 5, 4, 2))),
        ),
        rtol=1e-5,
        atol=1e-8,
        returns=("dWs", "dbs"),
        uses=("sigmoid_backward", "linear_backward"),
        batch=lambda args: len(args[0]),
        diagnose=_by_layer,
        mistakes=(
            Mistake(
                lambda *args: _deep_grads(*args, skip_hidden=True),
                "The output layer's gradients are right, every other layer's are not: on its "
                "way back through a hidden layer, the gradient skips that layer's amplifier "
                "sigma'(z_[l]) (case 2).",
                "missing_hidden_sigma_prime",
            ),
            Mistake(
                lambda x, *rest: _deep_grads(x, *rest, scale=float(len(x))),
                "Every gradient is N times too large (N the batch size): the loss L is the "
                "mean of the costs C^n over the batch.",
                "missing_1_over_N",
            ),
            Mistake(
                lambda *args: tuple(g[::-1] for g in ref_backprop_deep(*args)),
                "Your lists are in backward order, the output layer first: dWs[0] must be the "
                "gradient of weights[0], the first layer's, as the lists you were given.",
                "reversed_lists",
            ),
            Mistake(
                lambda *args: tuple(g[1:] for g in ref_backprop_deep(*args)),
                "Your lists have one layer too few: the loop stops before the first layer "
                "(layer 1, whose input is x).",
                "first_layer_left_out",
            ),
        ),
    ),
}


# ======================= 05 digit classification =======================
# In this notebook the logits of a batch come one example per column, z: (K, N), as the
# lecture writes z_k for one example. (The lecture's code, and course_lib, use (N, K).)


def ref_softmax(z: np.ndarray) -> np.ndarray:
    return nn.softmax(z.T).T


def ref_cross_entropy(z: np.ndarray, t: np.ndarray) -> float:
    return nn.SoftmaxCrossEntropy().forward(z.T, t)


def ref_cross_entropy_grad(z: np.ndarray, t: np.ndarray) -> np.ndarray:
    loss = nn.SoftmaxCrossEntropy()
    loss.forward(z.T, t)
    return loss.backward().T


def _logits_case(seed: int, n: int, k: int, scale: float = 2.0) -> tuple:
    """(z: (k, n), t: (n,))."""
    rng = _rng(seed)
    return (scale * rng.standard_normal((k, n)), rng.integers(0, k, n))


def _far_apart_logits() -> tuple:
    """(z: (5, 3), t): logits in the hundreds. The examples' logits are far apart (800
    between columns; the largest above 709, where np.exp overflows), and each target's
    logit is 1000 below the rest of its column (its probability rounds to 0)."""
    z, t = _logits_case(15, 3, 5, 1.0)
    z = z + np.array([800.0, 0.0, -800.0])
    z[t, np.arange(3)] -= 1000.0
    return (z, t)


P_COLON_T = ("You indexed the columns with t, as in p[:, t]: the columns are the examples; "
             "each example n needs one entry, the probability of its own class t[n] (row "
             "t[n] of column n).")  # fmt: skip


def _p_of_targets(z: np.ndarray, pick) -> float:
    with np.errstate(all="ignore"):
        p = ref_softmax(z)
        return float(-np.mean(np.log(pick(p))))


def _naive_softmax(z: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        e = np.exp(z)
        return e / e.sum(axis=0)


def _global_max_softmax(z: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        e = np.exp(z - z.max())
        return e / e.sum(axis=0)


def _columns_sum_to_one(args: tuple, got) -> list[str]:
    """Softmax's columns are probabilities: say which do not sum to 1."""
    if not isinstance(got, np.ndarray) or got.ndim != 2 or not np.all(np.isfinite(got)):
        return []
    sums = got.sum(axis=0)
    off = ~np.isclose(sums, 1.0)
    if not off.any():
        return []
    shown = ", ".join(f"{s:.4g}" for s in sums[:6])
    return [f"Each column (one example) must sum to 1; the columns of yours sum to {shown}."]


TARGET_ACCURACY = 0.93
HIDDEN_UNITS = (16, 512)  # the fewest and the most hidden units allowed
TIME_LIMIT = 60.0  # seconds for train_classifier: the check cell, `course-lib check`, the grader


# what judge_classifier says about the known mistakes of train_classifier, by name
CLASSIFIER_REMARKS = {
    "zero_init": "Every hidden unit has the same weights (the columns of W1 are identical): "
    "units that start equal get equal gradients, and stay equal.",
    "uphill": "That is worse than guessing (10%): training made the network worse. Does "
    "each step go downhill?",
}


def judge_classifier(args: tuple, got) -> Verdict:
    """The returned weights must form a 256-H-10 ReLU network (16 <= H <= 512, float arrays)
    that reaches 93% on the test set.

    The accuracy is computed here, in the grader's process, with course_lib's layers.
    """
    if not isinstance(got, tuple | list) or len(got) != 4:
        return Verdict(
            Status.FAILED,
            f"train_classifier should return a tuple (W1, b1, W2, b2), got {describe(got)}",
        )
    W1 = got[0]
    h = W1.shape[1] if isinstance(W1, np.ndarray) and W1.ndim == 2 else 64
    low, high = HIDDEN_UNITS
    if not low <= h <= high:
        return Verdict(Status.FAILED, f"W1 has {h} hidden units; use between {low} and {high}")
    shapes = {"W1": (256, h), "b1": (h,), "W2": (h, 10), "b2": (10,)}
    for (name, shape), value in zip(shapes.items(), got, strict=True):
        if not isinstance(value, np.ndarray):
            return Verdict(Status.FAILED, f"{name} should be a numpy array, got {describe(value)}")
        if value.shape != shape:
            return Verdict(Status.FAILED, f"{name} has shape {value.shape}, expected {shape}")
        if value.dtype not in (np.float32, np.float64):
            return Verdict(Status.FAILED, f"{name} has dtype {value.dtype}, expected float32 or "
                           "float64")  # fmt: skip
        if not np.all(np.isfinite(value)):
            return Verdict(Status.FAILED, f"{name} contains NaN or inf: did the training diverge?")
    net = nn.Sequential(_linear(got[0], got[1]), nn.ReLU(), _linear(got[2], got[3]))
    x_test, y_test = resolve(USPS("x_test")), resolve(USPS("y_test"))
    accuracy = float(np.mean(np.argmax(net.forward(x_test.astype(np.float64)), axis=1) == y_test))
    if accuracy < TARGET_ACCURACY:
        verdict = Verdict(
            Status.FAILED,
            f"your network reaches {accuracy:.1%} test accuracy; it needs at least "
            f"{TARGET_ACCURACY:.0%}",
        )
        if np.allclose(W1, W1[:, :1]):
            verdict.details.append(CLASSIFIER_REMARKS["zero_init"])
        elif accuracy < 0.1:
            verdict.details.append(CLASSIFIER_REMARKS["uphill"])
        return verdict
    return Verdict(Status.PASSED, f"your network reaches {accuracy:.1%} test accuracy")


A05: dict[str, Exercise] = {  # 05_digit_classification
    "softmax": Exercise(
        forbidden=("course_lib.nn",),
        forbidden_reason="write softmax yourself",
        hint="Subtract each column's maximum, z.max(axis=0), before np.exp (the result does "
        "not change, and exp cannot overflow), then divide each column by its sum (axis=0).",
        reference=ref_softmax,
        public=(
            Case("4 classes, 3 examples", lambda: _logits_case(12, 3, 4)[:1]),
            Case(
                "very large logits, far apart (5 classes, 3 examples)",
                lambda: _far_apart_logits()[:1],
            ),  # fmt: skip
        ),
        diagnose=_columns_sum_to_one,
        mistakes=(
            Mistake(
                _naive_softmax,
                "NaN where the logits are large: np.exp overflowed (e^z is inf for z above "
                "709), and inf / inf is NaN. Softmax does not change if the same number is "
                "taken off every logit of an example.",
                "naive_softmax",
            ),
            Mistake(
                _global_max_softmax,
                "NaN in the examples whose logits are all far below the batch's largest "
                "logit: subtracting one maximum for the whole batch sends their np.exp to 0, "
                "and 0 / 0 is NaN. Each example needs its own maximum.",
                "global_max",
            ),
            Mistake(
                lambda z: np.exp(z) / np.exp(z).sum(axis=1, keepdims=True),
                "You normalised along the wrong axis: here each *column* is one example.",
                "wrong_axis",
            ),
            Mistake(
                lambda z: np.exp(z) / np.exp(z).sum(),
                "You divided by the sum of the whole array: each example (column) must sum "
                "to 1 on its own.",
                "whole_sum",
            ),
        ),
    ),
    "cross_entropy": Exercise(
        forbidden=("course_lib.nn",),
        forbidden_reason="write the cost yourself",
        hint="log softmax(z)[k, n] = (z[k, n] - m_n) - log(sum_j exp(z[j, n] - m_n)) with "
        "m_n = z[:, n].max(): compute it for all entries at once, pick row t[n] of column n "
        "with log_p[t, np.arange(N)], and take minus the mean.",
        reference=ref_cross_entropy,
        public=(
            Case("4 classes, 3 examples", lambda: _logits_case(13, 3, 4)),
            Case("very large logits, far apart (5 classes, 3 examples)", _far_apart_logits),
        ),
        batch=lambda args: len(args[1]),
        errors=(ErrorRemark("out of bounds for axis 1", P_COLON_T, "p_colon_t"),),
        mistakes=(
            Mistake(
                lambda z, t: _p_of_targets(z, lambda p: p[t, np.arange(len(t))]),
                "Your loss L is inf: a target's probability rounds to 0 when its logit is far "
                "below the largest, and log(0) is -inf. The log of a softmax can be computed "
                "without computing the softmax first.",
                "log_of_softmax",
            ),
            Mistake(
                lambda z, t: float(-np.mean(np.log(_naive_softmax(z)[t, np.arange(len(t))]))),
                "NaN for large logits: np.exp overflowed (e^z is inf above 709).",
                "naive_softmax",
            ),
            Mistake(lambda z, t: _p_of_targets(z, lambda p: p[:, t]), P_COLON_T, "p_colon_t"),
            Mistake(
                lambda z, t: _p_of_targets(z, lambda p: p[t]),
                "You took whole rows, p[t]: each example n needs one entry, the probability "
                "of its own class t[n] (row t[n] of column n).",
                "p_rows_t",
            ),
            Mistake(
                lambda z, t: len(t) * ref_cross_entropy(z, t),
                "You summed over the batch: the loss L is the *mean* of the costs C^n.",
                "sum_over_batch",
            ),
        ),
    ),
    "cross_entropy_grad": Exercise(
        forbidden=("course_lib.nn",),
        forbidden_reason="write the gradient yourself",
        hint="dL/dz = (softmax(z) - onehot(t)) / N, where onehot(t)[t[n], n] = 1: copy "
        "softmax(z), subtract 1 at [t, np.arange(N)], divide by N.",
        reference=ref_cross_entropy_grad,
        public=(
            Case("4 classes, 3 examples", lambda: _logits_case(14, 3, 4)),
            Case("very large logits, far apart (5 classes, 3 examples)", _far_apart_logits),
        ),
        uses=("softmax",),
        batch=lambda args: len(args[1]),
        errors=_shape_errors(
            "The shapes do not fit: here the examples are the *columns* of z, (K, N); a "
            "one-hot matrix built with one row per example is (N, K).",
            "onehot_rows",
        ),
        mistakes=(
            Mistake(
                lambda z, t: len(t) * ref_cross_entropy_grad(z, t),
                "Every entry is N times too large: L is the mean of the N costs C^n.",
                "missing_1_over_N",
            ),
            Mistake(
                lambda z, t: ref_softmax(z) / len(t),
                "Only the target classes are wrong: the one-hot target was never taken off.",
                "no_onehot",
            ),
        ),
    ),
    "train_classifier": Exercise(
        forbidden=(
            "course_lib.nn",
            "course_lib.train",
            "course_lib.optim",
            "course_lib.data.load_usps",
            "course_lib.data.verify_usps",
        ),
        forbidden_reason="train with your own functions, on the training set you are given",
        hint="Train on the shifted copies too (augment_shifts), in mini-batches of 32 with eta "
        "around 0.1, for a few epochs; start W ~ N(0, 2 / n_in), not at zero. Your "
        "cross_entropy_grad takes logits of shape (K, N): pass z2.T and transpose back. If "
        "the accuracy stays near 10%, check the sign of your update and your gradients.",
        reference=None,
        public=(
            Case("the USPS training set, seed 0", lambda: (USPS("x_train"), USPS("y_train"), 0)),
        ),
        custom=judge_classifier,
        uses=("cross_entropy_grad",),
        call_timeout=TIME_LIMIT,
    ),
}


SPECS: dict[str, Exercise] = {**A01, **A02, **A03, **A04, **A05}
ASSIGNMENTS: dict[str, Assignment] = load_assignments(SPECS)


def find_exercise(grade_id: str) -> tuple[Assignment, Exercise]:
    """The assignment and exercise with this grade_id (grade_ids are unique across notebooks)."""
    for assignment in ASSIGNMENTS.values():
        for ex in assignment.exercises:
            if ex.grade_id == grade_id:
                return assignment, ex
    known = ", ".join(ex.grade_id for a in ASSIGNMENTS.values() for ex in a.exercises)
    raise KeyError(f"unknown exercise {grade_id!r}; known exercises: {known}")


def assignment_of(nb, path) -> Assignment | None:
    """The assignment a notebook belongs to: from its metadata, else from its file name."""
    from pathlib import Path

    stem = nb.metadata.get("course_lib", {}).get("assignment")
    if stem in ASSIGNMENTS:
        return ASSIGNMENTS[stem]
    for name, assignment in ASSIGNMENTS.items():
        if Path(path).stem.startswith(name) or Path(path).stem.startswith(name[:3]):
            return assignment
    return None
