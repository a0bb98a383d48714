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


def ref_total_loss_and_gradient(w: float, b: float, x: np.ndarray, y: np.ndarray) -> tuple:
    """L = sum_n 1/2 (w x_n + b - y_n)^2 and its gradient, from course_lib's MSELoss.

    MSELoss averages over the batch, so L and its gradient are N times its values.
    """
    n = len(x)
    layer, loss = _linear(np.array([[w]]), np.array([b])), nn.MSELoss()
    mean_cost = loss.forward(layer.forward(x.reshape(n, 1)), y.reshape(n, 1))
    layer.backward(loss.backward())
    return (n * mean_cost, n * float(layer.dW[0, 0]), n * float(layer.db[0]))


def _regression_case(seed: int, n: int) -> tuple:
    rng = _rng(seed)
    x = rng.uniform(-2, 2, n)
    return (float(rng.normal()), float(rng.normal()), x, 1.5 * x - 0.5 + 0.3 * rng.normal(size=n))


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
                "Your gradient is twice too large: the two nudged points are 2 * eps apart.",
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
                "You stepped uphill: gradient descent subtracts eta * grad.",
            ),
            Mistake(
                lambda theta, grad, eta: theta - grad,
                "You forgot the learning rate eta: the step is eta * grad.",
            ),
        ),
    ),
    "total_loss_and_gradient": Exercise(
        forbidden=("course_lib.nn",),
        forbidden_reason="write the loss and its gradient yourself",
        hint="Per example, C^n = 1/2 (w x_n + b - y_n)^2, so dC^n/dw = (w x_n + b - y_n) x_n and "
        "dC^n/db = (w x_n + b - y_n). The total loss and its gradient are sums over n.",
        reference=ref_total_loss_and_gradient,
        public=(Case("five examples", lambda: _regression_case(4, 5)),),
        returns=("L", "dL/dw", "dL/db"),
        mistakes=(
            Mistake(
                lambda w, b, x, y: tuple(
                    v / len(x) for v in ref_total_loss_and_gradient(w, b, x, y)
                ),
                "You averaged over the examples: L is the sum of the C^n, not their mean.",
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
                "sigma'(a) is sigma(a) * (1 - sigma(a)), not sigma(a) itself.",
            ),
            Mistake(
                lambda op, a, b: (a, b),
                "For a * b, d(ab)/da is the *other* input b (and d(ab)/db is a).",
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
                "You followed only the path through x: add the path through y (case 2).",
            ),
            Mistake(
                lambda s: float(s**2 * np.exp(s)),
                "You followed only the path through y: add the path through x (case 2).",
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
    ),
    "backward": Exercise(
        forbidden=("course_lib.autodiff",),
        forbidden_reason="write the backward pass yourself",
        hint="Start with grads = [0, ..., 0, 1] and visit the nodes from the last to the first; "
        "each node k adds local derivative * grads[k] to the grads of its inputs (+=, "
        "because a node may feed several others).",
        reference=ref_backward,
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
                "A node that feeds several others must *add up* all contributions "
                "(grads[i] += ..., chain rule case 2); yours keeps only one of them.",
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
                "You returned z: apply the activation, a = sigma(z).",
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
                "You used W transposed: W has shape (n_in, n_out), so z = a @ W + b.",
            ),
        ),
    ),
    "forward_pass": Exercise(
        forbidden=("course_lib.nn",),
        forbidden_reason="write the forward pass yourself",
        hint="Keep a list that starts with x; for each (W, b), compute a = sigma(a @ W + b) from "
        "the last entry and append it. The cache holds L + 1 arrays.",
        reference=ref_forward_pass,
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
                "The cache should start with the input x itself (a^0 = x): dz/dw of the "
                "first layer is x.",
            ),
        ),
    ),
}


# ======================= 04 backward pass =======================


def ref_sigmoid_backward(a: np.ndarray, dC_da: np.ndarray) -> np.ndarray:
    layer = nn.Sigmoid()
    layer.a = a  # the layer's kept output: sigma'(z) = a (1 - a)
    return layer.backward(dC_da)


def ref_linear_backward(a: np.ndarray, W: np.ndarray, dC_dz: np.ndarray) -> tuple:
    layer = _linear(W, np.zeros(W.shape[1]))
    layer.forward(a)
    dC_da = layer.backward(dC_dz)
    return (dC_da, layer.dW.copy(), layer.db.copy())


def _two_layer(W1, b1, W2, b2) -> nn.Sequential:
    return nn.Sequential(_linear(W1, b1), nn.Sigmoid(), _linear(W2, b2))


def ref_backprop(x, t, W1, b1, W2, b2) -> tuple:
    """Every gradient by course_lib's backward pass (itself checked against finite
    differences in tests/test_nn.py); also what a timed case is measured against."""
    net, loss = _two_layer(W1, b1, W2, b2), nn.MSELoss()
    loss.forward(net.forward(x), t)
    net.backward(loss.backward())
    return tuple(grad for _, _, grad in net.parameters())


def wrong_backprop_no_sigma_prime(x, t, W1, b1, W2, b2) -> tuple:
    net, loss = _two_layer(W1, b1, W2, b2), nn.MSELoss()
    loss.forward(net.forward(x), t)
    dz2 = loss.backward()
    dW2, db2 = net[1].a.T @ dz2, dz2.sum(axis=0)
    dz1 = dz2 @ W2.T  # missing the factor sigma'(z1)
    return (x.T @ dz1, dz1.sum(axis=0), dW2, db2)


def _grad_case(seed: int, n: int, d: int) -> tuple:
    rng = _rng(seed)
    a = nn.Sigmoid().sigma(rng.standard_normal((n, d)))
    return (a, rng.standard_normal((n, d)))


def _linear_back_case(seed: int, n: int, n_in: int, n_out: int) -> tuple:
    rng = _rng(seed)
    return (rng.standard_normal((n, n_in)), rng.standard_normal((n_in, n_out)),
            rng.standard_normal((n, n_out)))  # fmt: skip


def _backprop_case(seed: int, n: int, sizes: tuple[int, int, int]) -> tuple:
    rng = _rng(seed)
    d, h, k = sizes
    return (rng.standard_normal((n, d)), rng.standard_normal((n, k)),
            rng.standard_normal((d, h)), 0.1 * rng.standard_normal(h),
            rng.standard_normal((h, k)), 0.1 * rng.standard_normal(k))  # fmt: skip


def _lecture_backprop_case() -> tuple:
    return (LECTURE_X, np.array([[1.0, 0.0]]), LECTURE_W1, LECTURE_B1, LECTURE_W2, LECTURE_B2)


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
        mistakes=(
            Mistake(
                lambda a, dC_da: dC_da,
                "You returned dC/da unchanged: multiply by sigma'(z) = a * (1 - a).",
            ),
            Mistake(
                lambda a, dC_da: nn.Sigmoid().sigma(a) * (1 - nn.Sigmoid().sigma(a)) * dC_da,
                "You applied sigma to a again: a is already sigma(z), so sigma'(z) = a * (1 - a).",
            ),
        ),
    ),
    "linear_backward": Exercise(
        forbidden=("course_lib.nn.Linear",),
        forbidden_reason="write the backward pass yourself",
        hint="dC/dW = a.T @ dC/dz (point 8: dC/dw = a * dC/dz, summed over the batch), "
        "dC/db = dC/dz summed over the batch (axis 0), dC/da = dC/dz @ W.T.",
        reference=ref_linear_backward,
        public=(
            Case("a batch of 3, 4 inputs, 4 outputs", lambda: _linear_back_case(10, 3, 4, 4)),
            Case("a batch of 4, 3 inputs, 2 outputs", lambda: _linear_back_case(9, 4, 3, 2)),
        ),
        returns=("dC_da", "dC_dW", "dC_db"),
        mistakes=(
            Mistake(
                lambda a, W, dz: (dz @ W, a.T @ dz, dz.sum(axis=0)),
                "dC/da should be dC/dz @ W.T: you used W without transposing it.",
            ),
            Mistake(
                lambda a, W, dz: (dz @ W.T, a.T @ dz / len(a), dz.sum(axis=0) / len(a)),
                "The gradients of W and b are *sums* over the batch, not means "
                "(the loss already averaged).",
            ),
        ),
    ),
    "backprop": Exercise(
        forbidden=("course_lib.nn", "course_lib.gradcheck", "course_lib.autodiff"),
        forbidden_reason="write backpropagation yourself",
        speed_reference=ref_backprop,
        hint="Forward: z1 = x @ W1 + b1, a1 = sigma(z1), y = a1 @ W2 + b2. Backward: "
        "dC/dy = (y - t) / N; then the output layer (dW2 = a1.T @ dC/dy), then "
        "dC/dz1 = sigma'(z1) * (dC/dy @ W2.T), then the first layer.",
        reference=ref_backprop,
        public=(
            Case("the lecture's 2-2-2 network, target (1, 0)", _lecture_backprop_case),
            Case("a 3-4-2 network on 5 examples", lambda: _backprop_case(11, 5, (3, 4, 2))),
        ),
        rtol=1e-5,
        atol=1e-8,
        returns=("dW1", "db1", "dW2", "db2"),
        mistakes=(
            Mistake(
                wrong_backprop_no_sigma_prime,
                "dW2 and db2 are right, but dW1 and db1 miss the factor sigma'(z1) = "
                "a1 * (1 - a1): the hidden layer's amplifier.",
            ),
        ),
    ),
}


# ======================= 05 digit classification =======================


def ref_softmax(z: np.ndarray) -> np.ndarray:
    return nn.softmax(z)


def ref_cross_entropy(z: np.ndarray, t: np.ndarray) -> float:
    return nn.SoftmaxCrossEntropy().forward(z, t)


def ref_cross_entropy_grad(z: np.ndarray, t: np.ndarray) -> np.ndarray:
    loss = nn.SoftmaxCrossEntropy()
    loss.forward(z, t)
    return loss.backward()


def _logits_case(seed: int, n: int, k: int, scale: float = 2.0) -> tuple:
    rng = _rng(seed)
    return (scale * rng.standard_normal((n, k)), rng.integers(0, k, n))


TARGET_ACCURACY = 0.93
HIDDEN_UNITS_MAX = 512


def judge_classifier(args: tuple, got) -> Verdict:
    """The returned weights must form a 256-H-10 ReLU network that reaches 93% on the test set.

    The accuracy is computed here, in the grader's process, with course_lib's layers.
    """
    if not isinstance(got, tuple | list) or len(got) != 4:
        return Verdict(
            Status.FAILED,
            f"train_classifier should return a tuple (W1, b1, W2, b2), got {describe(got)}",
        )
    W1 = got[0]
    h = W1.shape[1] if isinstance(W1, np.ndarray) and W1.ndim == 2 else 64
    if not 1 <= h <= HIDDEN_UNITS_MAX:
        return Verdict(
            Status.FAILED, f"W1 has {h} hidden units; use between 1 and {HIDDEN_UNITS_MAX}"
        )
    shapes = {"W1": (256, h), "b1": (h,), "W2": (h, 10), "b2": (10,)}
    for (name, shape), value in zip(shapes.items(), got, strict=True):
        if not isinstance(value, np.ndarray):
            return Verdict(Status.FAILED, f"{name} should be a numpy array, got {describe(value)}")
        if value.shape != shape:
            return Verdict(Status.FAILED, f"{name} has shape {value.shape}, expected {shape}")
        if value.dtype.kind != "f":
            return Verdict(Status.FAILED, f"{name} has dtype {value.dtype}, expected a float array")
        if not np.all(np.isfinite(value)):
            return Verdict(Status.FAILED, f"{name} contains NaN or inf: did the training diverge?")
    net = nn.Sequential(_linear(got[0], got[1]), nn.ReLU(), _linear(got[2], got[3]))
    x_test, y_test = resolve(USPS("x_test")), resolve(USPS("y_test"))
    accuracy = float(np.mean(np.argmax(net.forward(x_test.astype(np.float64)), axis=1) == y_test))
    if accuracy < TARGET_ACCURACY:
        return Verdict(
            Status.FAILED,
            f"your network reaches {accuracy:.1%} test accuracy; it needs at least "
            f"{TARGET_ACCURACY:.0%}",
        )
    reached = f"your network reaches at least {TARGET_ACCURACY:.0%} test accuracy"
    return Verdict(Status.PASSED, reached)


A05: dict[str, Exercise] = {  # 05_digit_classification
    "softmax": Exercise(
        forbidden=("course_lib.nn",),
        forbidden_reason="write softmax yourself",
        hint="Subtract each row's maximum before np.exp (the result does not change, and exp "
        "cannot overflow), then divide each row by its sum (keepdims=True).",
        reference=ref_softmax,
        public=(Case("3 examples, 4 classes", lambda: _logits_case(12, 3, 4)[:1]),),
        mistakes=(
            Mistake(
                lambda z: np.exp(z) / np.exp(z).sum(),
                "Each row must sum to 1: sum over axis=1 with keepdims=True, not over "
                "the whole array.",
            ),
        ),
    ),
    "cross_entropy": Exercise(
        forbidden=("course_lib.nn",),
        forbidden_reason="write the cost yourself",
        hint="C = mean over the batch of -log softmax(z)[t]; compute log softmax as "
        "(z - max) - log(sum(exp(z - max))) so that large logits stay finite.",
        reference=ref_cross_entropy,
        public=(Case("3 examples, 4 classes", lambda: _logits_case(13, 3, 4)),),
        mistakes=(
            Mistake(
                lambda z, t: len(t) * ref_cross_entropy(z, t),
                "You summed over the batch: C is the *mean* over the examples.",
            ),
        ),
    ),
    "cross_entropy_grad": Exercise(
        forbidden=("course_lib.nn",),
        forbidden_reason="write the gradient yourself",
        hint="dC/dz = (softmax(z) - onehot(t)) / N: subtract 1 at each row's target class and "
        "divide by the batch size.",
        reference=ref_cross_entropy_grad,
        public=(Case("3 examples, 4 classes", lambda: _logits_case(14, 3, 4)),),
        mistakes=(
            Mistake(
                lambda z, t: len(t) * ref_cross_entropy_grad(z, t),
                "Divide by the batch size N: C is a mean over the examples.",
            ),
            Mistake(
                lambda z, t: nn.softmax(z) / len(t),
                "Subtract 1 at the target class: dC/dz = softmax(z) - onehot(t), over N.",
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
        "around 0.1, for a few epochs; start W ~ N(0, 2 / n_in), not at zero. If the "
        "accuracy stays near 10%, check the sign of your update and your gradients.",
        reference=None,
        public=(
            Case("the USPS training set, seed 0", lambda: (USPS("x_train"), USPS("y_train"), 0)),
        ),
        custom=judge_classifier,
        call_timeout=60.0,
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
