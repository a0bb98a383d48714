"""The graded functions of the five exercise notebooks, with their cases and references.

Expected answers always come from ``course_lib`` (the reference implementation),
called here on the same inputs; no expected number is written down by hand.
Inputs are made from fixed seeds, so every run (and every grader) sees the same.
"""

from __future__ import annotations

import numpy as np

from .. import autodiff, gradcheck, nn, optim
from .inputs import USPS, Fn, resolve
from .spec import FAILED, PASSED, Assignment, Case, Exercise, Mistake, Verdict, describe


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


A01 = Assignment(
    "01_gradient_descent",
    "Gradient descent",
    (
        Exercise(
            "numerical_gradient",
            "numerical_gradient",
            2,
            "For each entry i, nudge theta[i] up by eps and down by eps (on a copy, or restore "
            "it), and divide the change of f by 2 * eps.",
            ref_numerical_gradient,
            public=(
                Case("a quadratic bowl in 2 dimensions", lambda: _bowl_case(1, 2)),
                Case("a curved function in 3 dimensions", lambda: _wavy_case(2, 3)),
            ),
            hidden=(
                Case("a quadratic bowl in 6 dimensions", lambda: _bowl_case(101, 6)),
                Case("a curved function of a single parameter", lambda: _wavy_case(102, 1)),
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
        Exercise(
            "gradient_descent_step",
            "gradient_descent_step",
            1,
            "theta_new = theta - eta * grad: a step against the gradient, downhill.",
            ref_gradient_descent_step,
            public=(Case("two parameters, eta = 0.1", lambda: _step_case(3, 2, 0.1)),),
            hidden=(
                Case("ten parameters, eta = 0.01", lambda: _step_case(103, 10, 0.01)),
                Case("one parameter, eta = 2.5", lambda: _step_case(104, 1, 2.5)),
            ),
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
        Exercise(
            "total_loss_and_gradient",
            "total_loss_and_gradient",
            2,
            "Per example, C^n = 1/2 (w x_n + b - y_n)^2, so dC^n/dw = (w x_n + b - y_n) x_n and "
            "dC^n/db = (w x_n + b - y_n). The total loss and its gradient are sums over n.",
            ref_total_loss_and_gradient,
            public=(Case("five examples", lambda: _regression_case(4, 5)),),
            hidden=(
                Case("fifty examples", lambda: _regression_case(105, 50)),
                Case("a single example", lambda: _regression_case(106, 1)),
            ),
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
    ),
)


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


A02 = Assignment(
    "02_chain_rule",
    "The chain rule and a tiny autodiff engine",
    (
        Exercise(
            "local_derivatives",
            "local_derivatives",
            2,
            "d(a+b)/da = 1, d(ab)/da = b, d(e^a)/da = e^a, d tanh(a)/da = 1 - tanh(a)^2, "
            "sigma'(a) = sigma(a) (1 - sigma(a)).",
            ref_local_derivatives,
            public=(
                Case("a + b", lambda: ("+", 2.0, -3.0)),
                Case("a * b", lambda: ("*", 2.0, -3.0)),
                Case("exp(a)", lambda: ("exp", 0.5, None)),
                Case("tanh(a)", lambda: ("tanh", 0.5, None)),
                Case("sigmoid(a)", lambda: ("sigmoid", 0.5, None)),
            ),
            hidden=(
                Case("a * a with the same number twice", lambda: ("*", 1.7, 1.7)),
                Case("sigmoid of a large negative number", lambda: ("sigmoid", -30.0, None)),
                Case("tanh of a negative number", lambda: ("tanh", -1.3, None)),
                Case("exp of a negative number", lambda: ("exp", -2.0, None)),
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
        Exercise(
            "chain_rule_case2",
            "chain_rule_case2",
            1,
            "Two paths lead from s to z: dz/ds = dz/dx * dx/ds + dz/dy * dy/ds, with "
            "dz/dx = y, dz/dy = x, dx/ds = 2 s, dy/ds = e^s.",
            ref_chain_rule_case2,
            public=(Case("s = 0.5", lambda: (0.5,)), Case("s = -1.0", lambda: (-1.0,))),
            hidden=(Case("s = 0", lambda: (0.0,)), Case("s = 2.3", lambda: (2.3,))),
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
        Exercise(
            "forward",
            "forward",
            2,
            "Walk through the nodes in order; node k only uses nodes before it, whose values "
            "you already have.",
            ref_forward,
            public=(
                Case("the lecture's neuron", lambda: (LECTURE_NEURON,)),
                Case("a random graph of 8 nodes", lambda: (_random_graph(5, 3, 5),)),
            ),
            hidden=(
                Case("a random graph of 30 nodes", lambda: (_random_graph(107, 4, 26),)),
                Case("a single input node", lambda: ([["input", 0.25]],)),
            ),
        ),
        Exercise(
            "backward",
            "backward",
            3,
            "Start with grads = [0, ..., 0, 1] and visit the nodes from the last to the first; "
            "each node k adds local derivative * grads[k] to the grads of its inputs (+=, "
            "because a node may feed several others).",
            ref_backward,
            public=(
                Case("the lecture's neuron", lambda: _graph_case(LECTURE_NEURON)),
                Case(
                    "a node used twice (x = s * s, y = e^s, z = x * y)",
                    lambda: _graph_case(_shared_graph()),
                ),
            ),  # fmt: skip
            hidden=(
                Case("a random graph of 30 nodes", lambda: _graph_case(_random_graph(108, 4, 26))),
                Case("a random graph of 12 nodes", lambda: _graph_case(_random_graph(109, 2, 10))),
                Case("a single input node", lambda: _graph_case([["input", 0.25]])),
            ),
            mistakes=(
                Mistake(
                    wrong_backward_overwrites,
                    "A node that feeds several others must *add up* all contributions "
                    "(grads[i] += ..., chain rule case 2); yours keeps only one of them.",
                ),
            ),
        ),
    ),
)


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


A03 = Assignment(
    "03_forward_pass",
    "The forward pass",
    (
        Exercise(
            "neuron",
            "neuron",
            1,
            "z = w . x + b (np.dot), then a = sigma(z) = 1 / (1 + e^(-z)).",
            ref_neuron,
            public=(
                Case(
                    "the lecture's first neuron",
                    lambda: (np.array([1.0, -1.0]), np.array([1.0, -2.0]), 1.0),
                ),
                Case(
                    "the lecture's second neuron",
                    lambda: (np.array([1.0, -1.0]), np.array([-1.0, 1.0]), 0.0),
                ),
            ),  # fmt: skip
            hidden=(
                Case(
                    "a neuron with 10 inputs",
                    lambda: (_rng(110).standard_normal(10), _rng(111).standard_normal(10), 0.3),
                ),
                Case("a strongly negative z", lambda: (np.array([3.0]), np.array([-20.0]), -5.0)),
            ),  # fmt: skip
            mistakes=(
                Mistake(
                    lambda x, w, b: float(np.dot(w, x) + b),
                    "You returned z: apply the activation, a = sigma(z).",
                ),
            ),
        ),
        Exercise(
            "layer_forward",
            "layer_forward",
            2,
            "With one example per row, z = a @ W + b has shape (N, n_out); then apply the "
            "sigmoid element-wise. Return both z and sigma(z).",
            ref_layer_forward,
            public=(
                Case("the lecture's first layer", lambda: (LECTURE_X, LECTURE_W1, LECTURE_B1)),
                Case("a batch of 4 examples, 3 inputs, 5 outputs", lambda: _layer_case(6, 4, 3, 5)),
            ),  # fmt: skip
            hidden=(
                Case(
                    "a batch of 7 examples, 4 inputs, 4 outputs", lambda: _layer_case(112, 7, 4, 4)
                ),
                Case("one example, 6 inputs, 2 outputs", lambda: _layer_case(113, 1, 6, 2)),
            ),  # fmt: skip
            returns=("z", "a_out"),
            mistakes=(
                Mistake(
                    lambda a, W, b: (a @ W.T + b, nn.Sigmoid().sigma(a @ W.T + b)),
                    "You used W transposed: W has shape (n_in, n_out), so z = a @ W + b.",
                ),
            ),
        ),
        Exercise(
            "forward_pass",
            "forward_pass",
            2,
            "Keep a list that starts with x; for each (W, b), compute a = sigma(a @ W + b) from "
            "the last entry and append it. The cache holds L + 1 arrays.",
            ref_forward_pass,
            public=(
                Case(
                    "the lecture's 2-2-2 network",
                    lambda: (LECTURE_X, [LECTURE_W1, LECTURE_W2], [LECTURE_B1, LECTURE_B2]),
                ),
                Case("a 3-4-2 network on 5 examples", lambda: _net_case(7, [3, 4, 2], 5)),
            ),  # fmt: skip
            hidden=(
                Case("a 6-5-4-3 network on 8 examples", lambda: _net_case(114, [6, 5, 4, 3], 8)),
                Case("a single layer", lambda: _net_case(115, [3, 2], 2)),
            ),
            mistakes=(
                Mistake(
                    lambda x, weights, biases: ref_forward_pass(x, weights, biases)[1:],
                    "The cache should start with the input x itself (a^0 = x): dz/dw of the "
                    "first layer is x.",
                ),
            ),
        ),
    ),
)


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
    """The gradient by finite differences (course_lib.gradcheck), not by backprop."""
    net, loss = _two_layer(W1, b1, W2, b2), nn.MSELoss()

    def cost() -> float:
        return loss.forward(net.forward(x), t)

    return tuple(gradcheck.numerical_gradient(cost, value) for _, value, _ in net.parameters())


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


A04 = Assignment(
    "04_backward_pass",
    "The backward pass",
    (
        Exercise(
            "sigmoid_backward",
            "sigmoid_backward",
            1,
            "dC/dz = sigma'(z) * dC/da, element-wise, and sigma'(z) = a * (1 - a): the "
            "amplifier of the reversed network.",
            ref_sigmoid_backward,
            public=(Case("a batch of 3 examples, 4 units", lambda: _grad_case(8, 3, 4)),),
            hidden=(
                Case("a batch of 10 examples, 7 units", lambda: _grad_case(116, 10, 7)),
                Case(
                    "saturated units (a close to 0 and 1)",
                    lambda: (np.array([[1e-9, 0.5, 1 - 1e-9]]), np.array([[2.0, -1.0, 3.0]])),
                ),
            ),  # fmt: skip
            mistakes=(
                Mistake(
                    lambda a, dC_da: dC_da,
                    "You returned dC/da unchanged: multiply by sigma'(z) = a * (1 - a).",
                ),
                Mistake(
                    lambda a, dC_da: nn.Sigmoid().sigma(a) * (1 - nn.Sigmoid().sigma(a)) * dC_da,
                    "You applied sigma to a again: a is already sigma(z), so sigma'(z) = "
                    "a * (1 - a).",
                ),
            ),
        ),
        Exercise(
            "linear_backward",
            "linear_backward",
            2,
            "dC/dW = a.T @ dC/dz (point 8: dC/dw = a * dC/dz, summed over the batch), "
            "dC/db = dC/dz summed over the batch (axis 0), dC/da = dC/dz @ W.T.",
            ref_linear_backward,
            public=(
                Case("a batch of 3, 4 inputs, 4 outputs", lambda: _linear_back_case(10, 3, 4, 4)),
                Case("a batch of 4, 3 inputs, 2 outputs", lambda: _linear_back_case(9, 4, 3, 2)),
            ),
            hidden=(
                Case(
                    "a batch of 16, 8 inputs, 5 outputs", lambda: _linear_back_case(117, 16, 8, 5)
                ),
                Case(
                    "a single example, 2 inputs, 6 outputs", lambda: _linear_back_case(118, 1, 2, 6)
                ),
            ),  # fmt: skip
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
        Exercise(
            "backprop",
            "backprop",
            3,
            "Forward: z1 = x @ W1 + b1, a1 = sigma(z1), y = a1 @ W2 + b2. Backward: "
            "dC/dy = (y - t) / N; then the output layer (dW2 = a1.T @ dC/dy), then "
            "dC/dz1 = sigma'(z1) * (dC/dy @ W2.T), then the first layer.",
            ref_backprop,
            public=(
                Case("the lecture's 2-2-2 network, target (1, 0)", _lecture_backprop_case),
                Case("a 3-4-2 network on 5 examples", lambda: _backprop_case(11, 5, (3, 4, 2))),
            ),
            hidden=(
                Case("a 5-7-3 network on 9 examples", lambda: _backprop_case(119, 9, (5, 7, 3))),
                Case("a 2-3-1 network on one example", lambda: _backprop_case(120, 1, (2, 3, 1))),
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
    ),
)


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
            FAILED, f"train_classifier should return a tuple (W1, b1, W2, b2), got {describe(got)}"
        )
    W1 = got[0]
    h = W1.shape[1] if isinstance(W1, np.ndarray) and W1.ndim == 2 else 64
    if not 1 <= h <= HIDDEN_UNITS_MAX:
        return Verdict(FAILED, f"W1 has {h} hidden units; use between 1 and {HIDDEN_UNITS_MAX}")
    shapes = {"W1": (256, h), "b1": (h,), "W2": (h, 10), "b2": (10,)}
    for (name, shape), value in zip(shapes.items(), got, strict=True):
        if not isinstance(value, np.ndarray):
            return Verdict(FAILED, f"{name} should be a numpy array, got {describe(value)}")
        if value.shape != shape:
            return Verdict(FAILED, f"{name} has shape {value.shape}, expected {shape}")
        if value.dtype.kind != "f":
            return Verdict(FAILED, f"{name} has dtype {value.dtype}, expected a float array")
        if not np.all(np.isfinite(value)):
            return Verdict(FAILED, f"{name} contains NaN or inf: did the training diverge?")
    net = nn.Sequential(_linear(got[0], got[1]), nn.ReLU(), _linear(got[2], got[3]))
    x_test, y_test = resolve(USPS("x_test")), resolve(USPS("y_test"))
    accuracy = float(np.mean(np.argmax(net.forward(x_test.astype(np.float64)), axis=1) == y_test))
    if accuracy < TARGET_ACCURACY:
        return Verdict(
            FAILED,
            f"your network reaches {accuracy:.1%} test accuracy; it needs at least "
            f"{TARGET_ACCURACY:.0%}",
        )
    return Verdict(PASSED, f"your network reaches at least {TARGET_ACCURACY:.0%} test accuracy")


A05 = Assignment(
    "05_digit_classification",
    "Digit classification",
    (
        Exercise(
            "softmax",
            "softmax",
            1,
            "Subtract each row's maximum before np.exp (the result does not change, and exp "
            "cannot overflow), then divide each row by its sum (keepdims=True).",
            ref_softmax,
            public=(Case("3 examples, 4 classes", lambda: _logits_case(12, 3, 4)[:1]),),
            hidden=(
                Case("8 examples, 10 classes", lambda: _logits_case(121, 8, 10)[:1]),
                Case("very large logits (hundreds)", lambda: _logits_case(122, 4, 10, 500.0)[:1]),
            ),
            mistakes=(
                Mistake(
                    lambda z: np.exp(z) / np.exp(z).sum(),
                    "Each row must sum to 1: sum over axis=1 with keepdims=True, not over "
                    "the whole array.",
                ),
            ),
        ),
        Exercise(
            "cross_entropy",
            "cross_entropy",
            2,
            "C = mean over the batch of -log softmax(z)[t]; compute log softmax as "
            "(z - max) - log(sum(exp(z - max))) so that large logits stay finite.",
            ref_cross_entropy,
            public=(Case("3 examples, 4 classes", lambda: _logits_case(13, 3, 4)),),
            hidden=(
                Case("16 examples, 10 classes", lambda: _logits_case(123, 16, 10)),
                Case("very large logits (hundreds)", lambda: _logits_case(124, 4, 10, 500.0)),
            ),
            mistakes=(
                Mistake(
                    lambda z, t: len(t) * ref_cross_entropy(z, t),
                    "You summed over the batch: C is the *mean* over the examples.",
                ),
            ),
        ),
        Exercise(
            "cross_entropy_grad",
            "cross_entropy_grad",
            2,
            "dC/dz = (softmax(z) - onehot(t)) / N: subtract 1 at each row's target class and "
            "divide by the batch size.",
            ref_cross_entropy_grad,
            public=(Case("3 examples, 4 classes", lambda: _logits_case(14, 3, 4)),),
            hidden=(
                Case("16 examples, 10 classes", lambda: _logits_case(125, 16, 10)),
                Case("very large logits (hundreds)", lambda: _logits_case(126, 4, 10, 500.0)),
            ),
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
        Exercise(
            "train_classifier",
            "train_classifier",
            3,
            "Train on the shifted copies too (augment_shifts), in mini-batches of 32 with eta "
            "around 0.1, for a few epochs; start W ~ N(0, 2 / n_in), not at zero. If the "
            "accuracy stays near 10%, check the sign of your update and your gradients.",
            None,  # judged by judge_classifier, which computes the accuracy itself
            public=(
                Case(
                    "the USPS training set, seed 0", lambda: (USPS("x_train"), USPS("y_train"), 0)
                ),
            ),  # fmt: skip
            custom=judge_classifier,
            call_timeout=60.0,
        ),
    ),
)


ASSIGNMENTS: dict[str, Assignment] = {a.stem: a for a in (A01, A02, A03, A04, A05)}


def find_exercise(grade_id: str) -> tuple[Assignment, Exercise]:
    """The assignment and exercise with this grade_id (grade_ids are unique across notebooks)."""
    for assignment in ASSIGNMENTS.values():
        for ex in assignment.exercises:
            if ex.grade_id == grade_id:
                return assignment, ex
    known = ", ".join(ex.grade_id for a in ASSIGNMENTS.values() for ex in a.exercises)
    raise KeyError(f"unknown exercise {grade_id!r}; known exercises: {known}")
