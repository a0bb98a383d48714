"""The scalar engine against finite differences, reused nodes, deep graphs, repeated backward."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib.autodiff import Value, topological_order

EPS = 1e-6


def numeric(f, *xs):
    """Central differences of a plain-float function f at xs."""
    grads = []
    for i in range(len(xs)):
        up = list(xs)
        down = list(xs)
        up[i] += EPS
        down[i] -= EPS
        grads.append((f(*up) - f(*down)) / (2 * EPS))
    return grads


def close(a, b, tol=1e-6):
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


# Each entry: a function written once, run on Values and on floats through `ops`.
UNARY = {
    "exp": (lambda v: v.exp(), math.exp),
    "tanh": (lambda v: v.tanh(), math.tanh),
    "sigmoid": (lambda v: v.sigmoid(), lambda x: 1 / (1 + math.exp(-x))),
    "relu": (lambda v: v.relu(), lambda x: max(x, 0.0)),
    "neg": (lambda v: -v, lambda x: -x),
    "square": (lambda v: v**2, lambda x: x**2),
    "cube": (lambda v: v**3, lambda x: x**3),
}

finite = st.floats(min_value=-3, max_value=3, allow_nan=False).filter(lambda x: abs(x) > 1e-3)


@pytest.mark.parametrize("name", sorted(UNARY))
@settings(max_examples=30, deadline=None)
@given(x=finite)
def test_unary_ops_match_finite_differences(name, x):
    on_value, on_float = UNARY[name]
    v = Value(x)
    out = on_value(v)
    out.backward()
    assert close(out.data, on_float(x))
    assert close(v.grad, numeric(on_float, x)[0], 1e-5)


@settings(max_examples=60, deadline=None)
@given(a=finite, b=finite, c=st.floats(min_value=0.1, max_value=3))
def test_composite_expression_matches_finite_differences(a, b, c):
    def f_float(a, b, c):
        return math.tanh(a * b + c) / c - (a - b) ** 2 + math.log(c) * math.exp(0.3 * a)

    va, vb, vc = Value(a), Value(b), Value(c)
    out = (va * vb + vc).tanh() / vc - (va - vb) ** 2 + vc.log() * (0.3 * va).exp()
    out.backward()
    assert close(out.data, f_float(a, b, c))
    for v, g in zip((va, vb, vc), numeric(f_float, a, b, c), strict=True):
        assert close(v.grad, g, 1e-5)


def test_reverse_operators_with_numbers():
    x = Value(2.0)
    out = 1 + 3 * x - 4 / x + (5 - x)
    out.backward()
    assert out.data == pytest.approx(1 + 6 - 2 + 3)
    assert x.grad == pytest.approx(3 + 4 / 4 - 1)


def test_reused_node_sums_both_paths():
    a = Value(3.0)
    b = a + a  # db/da = 2
    c = b * b  # dc/db = 2b = 12
    c.backward()
    assert b.grad == 12.0
    assert a.grad == 24.0  # chain rule case 2: both paths summed


def test_same_node_on_both_sides_of_mul():
    a = Value(-1.5)
    out = a * a
    out.backward()
    assert a.grad == pytest.approx(-3.0)


def test_backward_twice_gives_same_grads_not_doubled():
    x, w = Value(0.5), Value(-2.0)
    out = (x * w).sigmoid()
    out.backward()
    first = (x.grad, w.grad)
    out.backward()
    assert (x.grad, w.grad) == first


def test_backward_on_a_second_output_replaces_grads_of_its_graph():
    x = Value(2.0)
    y1 = x * 3
    y2 = x**2
    y1.backward()
    assert x.grad == 3.0
    y2.backward()
    assert x.grad == 4.0  # documented rule: each backward starts from zero


def test_deep_graph_has_no_recursion_limit():
    x = Value(1.0)
    out = x
    for _ in range(5000):
        out = out * 1.0001 + 0.0
    out.backward()
    assert x.grad == pytest.approx(1.0001**5000, rel=1e-9)
    assert len(topological_order(out)) > 10000


def test_topological_order_puts_inputs_first():
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    c = a * b
    d = c + a
    order = topological_order(d)
    assert order[-1] is d
    assert order.index(a) < order.index(c) < order.index(d)
    assert order.index(b) < order.index(c)


def test_bad_input_is_named():
    with pytest.raises(TypeError, match="expects a number, got str"):
        Value("3")
    with pytest.raises(TypeError, match="expected a Value or a number, got list"):
        Value(1.0) + [1]
    with pytest.raises(ValueError, match="log expects a positive value, got -1.0"):
        Value(-1.0).log()
    with pytest.raises(TypeError, match="expects a number k"):
        Value(2.0) ** Value(2.0)


def test_sigmoid_is_stable_for_large_inputs():
    assert Value(1000.0).sigmoid().data == 1.0
    assert Value(-1000.0).sigmoid().data == 0.0


def test_draw_graph_shows_data_and_grad():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from course_lib.visual.graph import draw_graph

    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    out = (x * w).tanh()
    out.label = "y"
    out.backward()
    ax = draw_graph(out)
    texts = [t.get_text() for t in ax.texts]
    assert len(texts) == 4  # x, w, x*w, tanh
    assert any(t.startswith("x\ndata 2\ngrad") for t in texts)
    assert any(t.startswith("y\ndata") and t.endswith("grad 1") for t in texts)
    plt.close(ax.figure)
