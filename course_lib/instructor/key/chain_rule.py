"""The answer key of 02_chain_rule: the reference of each graded function (built on
course_lib), the public cases' inputs and the known mistakes, as runnable code. Only the
instructor's side has it: the learner edition gets the public cases and the mistakes'
answers on them as data (``course-lib build`` writes them), never this module.
"""

from __future__ import annotations

import numpy as np

from ... import autodiff, nn
from .common import Answer, Case, Mistake, linear, seeded

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


def ref_gate_backward(op: str, x: float, y: float, grad_out: float) -> tuple:
    """(dC/dx, dC/dy) of a gate out = op(x, y) that receives dC/dout = grad_out, from
    course_lib's Value: max(x, y) is built as x + relu(y - x), so a tie sends all to x."""
    vx, vy = autodiff.Value(x), autodiff.Value(y)
    if op == "max":
        out = vx + (vy - vx).relu()
    else:
        out = _apply(op, vx, vy)
    (out * grad_out).backward()  # C = grad_out * out: dC/dout = grad_out
    return (vx.grad, vy.grad)


def _gate_but(op: str, wrong) -> object:
    """A gate_backward right for every gate but ``op``, where it gives ``wrong(x, y, g)``."""

    def gate(o: str, x: float, y: float, g: float) -> tuple:
        return wrong(x, y, g) if o == op else ref_gate_backward(o, x, y, g)

    return gate


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
    ["input", 1.0],
    ["input", -1.0],
    ["input", 1.0],
    ["input", -2.0],
    ["input", 1.0],
    ["*", 2, 0],
    ["*", 3, 1],
    ["+", 5, 6],
    ["+", 7, 4],
    ["sigmoid", 8],
]


def random_graph(seed: int, n_inputs: int, n_ops: int) -> list:
    """A random graph in which every node is used later (so every path reaches the output)."""
    rng = seeded(seed)
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


def shared_graph() -> list:
    """s feeds two paths: x = s * s, y = exp(s), z = x * y (chain rule case 2, with reuse)."""
    return [["input", 0.7], ["*", 0, 0], ["exp", 0], ["*", 1, 2]]


def graph_case(graph: list) -> tuple:
    return (graph, ref_forward(graph))


def tiny_mlp_run(
    W1,
    b1,
    W2,
    b2,
    xs,
    ts,
    eta,
    steps,
    direction: float = -1.0,
    scale: float = 1.0,
    accumulate: bool = False,
) -> tuple:
    """(dW1, db1, dW2, db2, losses) of exercise 2.6 by course_lib's layers (tanh hidden
    layer, linear output, MSELoss: the mean of the costs C^n = 1/2 (y^n - t^n)^2), trained
    by plain gradient descent. What the usual mistakes give: ``direction`` +1 steps uphill,
    ``scale`` N sums the costs, ``accumulate`` never resets the gradient sums (no zero_grad).
    """
    hidden, output = (
        linear(np.array(W1, dtype=np.float64).T, np.array(b1, dtype=np.float64)),
        linear(np.array(W2, dtype=np.float64).reshape(-1, 1), np.array([float(b2)])),
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
    """The gradient of L at the start, and L before and after each step (see tiny_mlp_run)."""
    return tiny_mlp_run(W1, b1, W2, b2, xs, ts, eta, steps)


def dW1_transposed(result: tuple) -> tuple:
    """A train_tiny_mlp result with dW1 given back transposed, (D, H)."""
    dW1, *rest = result
    return (dW1.T.copy(), *rest)


def tiny_mlp_read_as_D_by_H(W1, b1, W2, b2, xs, ts, eta, steps) -> tuple:
    """What a network that reads W1[i][j] as the weight from input i to hidden unit j (the
    layout (D, H) of notebook 03) gives: course_lib's run on W1.T, its dW1 transposed back
    to the given layout. It runs only when D == H (else the shapes do not fit)."""
    W1 = np.array(W1, dtype=np.float64)
    if W1.shape[0] != W1.shape[1]:
        raise ValueError("W1 read as (D, H) fits only a square W1")
    return dW1_transposed(tiny_mlp_run(W1.T, b1, W2, b2, xs, ts, eta, steps))


def tiny_mlp_case(seed: int, n: int, d: int, h: int, eta: float, steps: int) -> tuple:
    """(W1: (h, d), b1: (h,), W2: (h,), b2, xs: (n, d), ts: (n,), eta, steps): a toy set,
    the target t = x_1 x_2 (a saddle) plus a little noise; small random initial weights."""
    rng = seeded(seed)
    xs = rng.uniform(-1.0, 1.0, (n, d))
    ts = xs[:, 0] * xs[:, 1 % d] + 0.05 * rng.standard_normal(n)
    return (
        rng.standard_normal((h, d)) / np.sqrt(d),
        0.1 * rng.standard_normal(h),
        rng.standard_normal(h) / np.sqrt(h),
        float(0.1 * rng.standard_normal()),
        xs,
        ts,
        eta,
        steps,
    )


ANSWERS: dict[str, Answer] = {
    "local_derivatives": Answer(
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
    "chain_rule_case2": Answer(
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
    "gate_backward": Answer(
        reference=ref_gate_backward,
        public=(
            Case("an add gate", lambda: ("+", 2.0, -3.0, 1.5)),
            Case("a multiply gate", lambda: ("*", 2.0, -3.0, 1.5)),
            Case("a max gate, x the larger", lambda: ("max", 2.0, -3.0, 1.5)),
            Case("a max gate, y the larger", lambda: ("max", -1.0, 0.5, 2.0)),
            Case("a max gate, a tie: all of it to x", lambda: ("max", 1.0, 1.0, 3.0)),
        ),
        mistakes=(
            Mistake(
                _gate_but("+", lambda x, y, g: (0.5 * g, 0.5 * g)),
                "Your add gate splits the gradient in half: a sum passes the whole gradient "
                "on to each of its inputs.",
                "add_halves",
            ),
            Mistake(
                _gate_but("*", lambda x, y, g: (x * g, y * g)),
                "Your multiply gate gives each input its own value times the gradient: the "
                "inputs must swap.",
                "mul_no_swap",
            ),
            Mistake(
                _gate_but("max", lambda x, y, g: (g, g)),
                "Your max gate sends the gradient to both inputs: only the larger one reached "
                "the output, and the other gets 0.",
                "max_to_both",
            ),
        ),
    ),
    "forward": Answer(
        reference=ref_forward,
        public=(
            Case("the lecture's neuron", lambda: (LECTURE_NEURON,)),
            Case("a random graph of 8 nodes", lambda: (random_graph(5, 3, 5),)),
        ),
        mistakes=(
            Mistake(
                lambda graph: [
                    v
                    for node, v in zip(graph, ref_forward(graph), strict=True)
                    if node[0] != "input"
                ],
                "Your list leaves out the input nodes: it needs one value per node, in the "
                "graph's order, inputs included.",
                "inputs_left_out",
            ),
        ),
    ),
    "backward": Answer(
        reference=ref_backward,
        public=(
            Case("the lecture's neuron", lambda: graph_case(LECTURE_NEURON)),
            Case(
                "a node used twice (x = s * s, y = e^s, z = x * y)",
                lambda: graph_case(shared_graph()),
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
    "train_tiny_mlp": Answer(
        reference=ref_train_tiny_mlp,
        public=(
            Case(
                "a 3-3-1 network (D = H = 3), 6 examples, 4 steps, eta = 0.5",
                lambda: tiny_mlp_case(43, 6, 3, 3, 0.5, 4),
            ),
            Case(
                "a 2-3-1 network, 6 examples, 5 steps, eta = 0.5: W1 is (3, 2), by row",
                lambda: tiny_mlp_case(41, 6, 2, 3, 0.5, 5),
            ),
            Case(
                "a 2-4-1 network, 6 examples, 10 steps, eta = 0.5",
                lambda: tiny_mlp_case(42, 6, 2, 4, 0.5, 10),
            ),
        ),
        mistakes=(
            Mistake(
                lambda *args: tiny_mlp_run(*args, accumulate=True),
                "The first gradients and the first two losses are right, then the losses go "
                "wrong: the gradient sums of one step carry over into the next. They must "
                "start again from 0 at every step (zero_grad).",
                "no_zero_grad",
            ),
            Mistake(
                lambda *args: tiny_mlp_run(*args, direction=1.0),
                "The gradients are right but the loss grows: your steps go uphill.",
                "uphill",
            ),
            Mistake(
                lambda *args: tiny_mlp_run(*args, scale=float(len(args[4]))),
                "Every gradient, and the loss, is N times too large (N the number of "
                "examples): L is the mean of the costs C^n, not their sum.",
                "sum_not_mean",
            ),
            Mistake(
                lambda *args: dW1_transposed(ref_train_tiny_mlp(*args)),
                "Your dW1 is transposed. Here W1 has shape (H, D): row j holds the weights "
                "into hidden unit j, and dW1 has the shape of W1.",
                "dW1_transposed",
            ),
            Mistake(
                tiny_mlp_read_as_D_by_H,
                "Your network reads W1 as (D, H), one column per hidden unit. Here W1 has "
                "shape (H, D): row j holds the weights into hidden unit j.",
                "W1_read_as_D_by_H",
            ),
        ),
    ),
}
