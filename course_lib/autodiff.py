"""A scalar automatic-differentiation engine: the chain rule made executable.

Every arithmetic operation on a :class:`Value` builds a new node that remembers
its inputs (its *children* in the computational graph) and a small function,
``_backward``, that applies the **local derivative** of that operation:

    if ``out = f(a, b)`` then  ``a.grad += d(out)/da * out.grad``

That single line is the chain rule (lecture point 4). ``backward()`` visits the
nodes from the output back to the inputs, so each node's ``grad`` is complete
(all paths through it summed: case 2 of the chain rule) before it is passed on.

The rule for calling ``backward()`` twice: each call first **resets** the grad of
every node in the output's graph to zero, then propagates. Calling it again on
the same output therefore gives the same gradients, never doubled ones.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

Number = int | float


class Value:
    """One scalar node of a computational graph.

    Attributes:
        data: the number computed by the forward pass.
        grad: dC/d(this node) after ``backward()`` on an output C (0.0 before).
        label: an optional name shown by :func:`course_lib.visual.graph.draw_graph`.
    """

    __slots__ = ("data", "grad", "label", "_children", "_op", "_backward")

    def __init__(
        self,
        data: Number,
        _children: Iterable[Value] = (),
        _op: str = "",
        label: str = "",
    ) -> None:
        if isinstance(data, Value):
            raise TypeError("Value(data) expects a number, got a Value; use it directly")
        if isinstance(data, str | bytes):
            raise TypeError(f"Value(data) expects a number, got {type(data).__name__}: {data!r}")
        if not isinstance(data, int | float):
            try:
                data = float(data)  # numpy scalars and the like
            except (TypeError, ValueError):
                raise TypeError(
                    f"Value(data) expects a number, got {type(data).__name__}: {data!r}"
                ) from None
        self.data = float(data)
        self.grad = 0.0
        self.label = label
        self._children = tuple(_children)
        self._op = _op
        self._backward: Callable[[], None] = lambda: None

    def __repr__(self) -> str:
        name = f"{self.label}: " if self.label else ""
        return f"Value({name}data={self.data:.4g}, grad={self.grad:.4g})"

    # ----- core operations: each one states its local derivative -----

    def __add__(self, other: Value | Number) -> Value:
        other = _as_value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward() -> None:  # d(a+b)/da = 1, d(a+b)/db = 1
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other: Value | Number) -> Value:
        other = _as_value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward() -> None:  # d(ab)/da = b, d(ab)/db = a
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, k: Number) -> Value:
        if not isinstance(k, int | float):
            raise TypeError(f"Value ** k expects a number k, got {type(k).__name__}")
        out = Value(self.data**k, (self,), f"**{k:g}")

        def _backward() -> None:  # d(a^k)/da = k a^(k-1)
            self.grad += k * self.data ** (k - 1) * out.grad

        out._backward = _backward
        return out

    def exp(self) -> Value:
        out = Value(math.exp(self.data), (self,), "exp")

        def _backward() -> None:  # d(e^a)/da = e^a
            self.grad += out.data * out.grad

        out._backward = _backward
        return out

    def log(self) -> Value:
        if self.data <= 0:
            raise ValueError(f"log expects a positive value, got {self.data}")
        out = Value(math.log(self.data), (self,), "log")

        def _backward() -> None:  # d(ln a)/da = 1/a
            self.grad += out.grad / self.data

        out._backward = _backward
        return out

    def tanh(self) -> Value:
        out = Value(math.tanh(self.data), (self,), "tanh")

        def _backward() -> None:  # d tanh(a)/da = 1 - tanh(a)^2
            self.grad += (1.0 - out.data**2) * out.grad

        out._backward = _backward
        return out

    def sigmoid(self) -> Value:
        out = Value(_sigmoid(self.data), (self,), "sigmoid")

        def _backward() -> None:  # sigma'(z) = sigma(z) (1 - sigma(z))
            self.grad += out.data * (1.0 - out.data) * out.grad

        out._backward = _backward
        return out

    def relu(self) -> Value:
        out = Value(max(self.data, 0.0), (self,), "relu")

        def _backward() -> None:  # 1 where a > 0, else 0
            self.grad += (self.data > 0) * out.grad

        out._backward = _backward
        return out

    # ----- derived operations, built from the core ones -----

    def __neg__(self) -> Value:
        return self * -1

    def __sub__(self, other: Value | Number) -> Value:
        return self + (-_as_value(other))

    def __truediv__(self, other: Value | Number) -> Value:
        return self * _as_value(other) ** -1

    def __radd__(self, other: Number) -> Value:
        return self + other

    def __rmul__(self, other: Number) -> Value:
        return self * other

    def __rsub__(self, other: Number) -> Value:
        return _as_value(other) - self

    def __rtruediv__(self, other: Number) -> Value:
        return _as_value(other) / self

    # ----- the backward pass -----

    def backward(self) -> None:
        """Fill ``grad`` of every node in this graph with d(self)/d(node).

        Resets all grads in the graph to 0 first (so a second call gives the same
        result), sets d(self)/d(self) = 1, then applies each node's local
        derivative in reverse topological order.
        """
        order = topological_order(self)
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            node._backward()


def _as_value(x: Value | Number) -> Value:
    if isinstance(x, Value):
        return x
    if isinstance(x, int | float):
        return Value(x)
    raise TypeError(f"expected a Value or a number, got {type(x).__name__}: {x!r}")


def _sigmoid(z: float) -> float:
    # two forms so that exp never overflows
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def topological_order(root: Value) -> list[Value]:
    """Nodes of ``root``'s graph, each after all of its children (inputs first).

    Iterative depth-first search, so graphs of any depth work (no recursion limit).
    """
    order: list[Value] = []
    visited: set[int] = set()
    stack: list[tuple[Value, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        for child in node._children:
            if id(child) not in visited:
                stack.append((child, False))
    return order
