"""Layers, losses, Sequential, Dropout, Ensemble: gradient checks in float64, shapes, bad input."""

import numpy as np
import pytest

from course_lib.gradcheck import TOLERANCE, check_model, numerical_gradient, relative_error
from course_lib.nn import (
    Dropout,
    Ensemble,
    Layer,
    Linear,
    MSELoss,
    ReLU,
    Sequential,
    Sigmoid,
    SoftmaxCrossEntropy,
    Tanh,
    log_softmax,
    mlp,
    softmax,
)

F64 = np.float64


def layer_check(layer, x):
    """Relative errors of a layer's backward against finite differences of sum(w * out)."""
    rng = np.random.default_rng(1)
    weights = rng.standard_normal(layer.forward(x).shape)  # a random linear cost

    def cost():
        return float(np.sum(weights * layer.forward(x)))

    cost()
    grad_x = layer.backward(weights)
    errors = {"input": relative_error(grad_x, numerical_gradient(cost, x))}
    for name, value, grad in layer.parameters():
        analytic = grad.copy()
        errors[name] = relative_error(analytic, numerical_gradient(cost, value))
    return errors


@pytest.mark.parametrize("activation", [Sigmoid, Tanh, ReLU])
def test_activation_gradients(activation):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 7))
    x[np.abs(x) < 1e-3] = 0.5  # keep away from ReLU's kink
    errors = layer_check(activation(), x)
    assert errors["input"] < TOLERANCE


def test_linear_gradients_and_shapes():
    rng = np.random.default_rng(0)
    layer = Linear(4, 3, rng=rng, dtype=F64)
    layer.b[:] = rng.standard_normal(3)
    x = rng.standard_normal((6, 4))
    errors = layer_check(layer, x)
    assert max(errors.values()) < TOLERANCE, errors
    assert layer.W.shape == layer.dW.shape == (4, 3)
    assert layer.b.shape == layer.db.shape == (3,)


def test_linear_backward_is_the_lecture_formula():
    rng = np.random.default_rng(2)
    layer = Linear(3, 2, rng=rng, dtype=F64)
    a = rng.standard_normal((4, 3))
    dz = rng.standard_normal((4, 2))
    layer.forward(a)
    da = layer.backward(dz)
    # dC/dw_ij = sum over the batch of a_i * dC/dz_j (point 8)
    expected = sum(np.outer(a[n], dz[n]) for n in range(4))
    np.testing.assert_allclose(layer.dW, expected, rtol=1e-12)
    np.testing.assert_allclose(da, dz @ layer.W.T, rtol=1e-12)


@pytest.mark.parametrize("loss_kind", ["mse", "softmax"])
def test_loss_gradients(loss_kind):
    rng = np.random.default_rng(3)
    z = rng.standard_normal((6, 4))
    if loss_kind == "mse":
        loss, targets = MSELoss(), rng.standard_normal((6, 4))
    else:
        loss, targets = SoftmaxCrossEntropy(), rng.integers(0, 4, size=6)

    def cost():
        return loss.forward(z, targets)

    cost()
    analytic = loss.backward()
    assert relative_error(analytic, numerical_gradient(cost, z)) < TOLERANCE


@pytest.mark.parametrize("activation", [Sigmoid, Tanh, ReLU])
@pytest.mark.parametrize("loss_kind", ["mse", "softmax"])
def test_whole_sequential_gradient_check(activation, loss_kind):
    rng = np.random.default_rng(4)
    model = mlp([5, 8, 6, 3], activation=activation, rng=rng, dtype=F64)
    for _, value, _ in model.parameters():
        value += 0.1 * rng.standard_normal(value.shape)  # non-zero biases too
    x = rng.standard_normal((7, 5))
    if loss_kind == "mse":
        loss, targets = MSELoss(), rng.standard_normal((7, 3))
    else:
        loss, targets = SoftmaxCrossEntropy(), rng.integers(0, 3, size=7)
    errors = check_model(model, loss, x, targets)
    assert set(errors) == {"0.W", "0.b", "2.W", "2.b", "4.W", "4.b", "input"}
    assert max(errors.values()) < TOLERANCE, errors


def test_loss_values_by_hand():
    assert MSELoss().forward(np.array([[1.0, 2.0]]), np.array([[0.0, 0.0]])) == pytest.approx(2.5)
    z = np.array([[0.0, 0.0], [np.log(3.0), 0.0]])
    # p(target) = 1/2 and 3/4
    expected = -(np.log(0.5) + np.log(0.75)) / 2
    assert SoftmaxCrossEntropy().forward(z, np.array([1, 0])) == pytest.approx(expected)


def test_softmax_cross_entropy_is_stable_for_huge_logits():
    z = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 1000.0]])
    loss = SoftmaxCrossEntropy()
    value = loss.forward(z, np.array([1, 2]))
    grad = loss.backward()
    assert np.isfinite(value) and np.isfinite(grad).all()
    assert value == pytest.approx((2000.0 + np.log(2.0)) / 2)
    np.testing.assert_allclose(softmax(z).sum(axis=1), 1.0)
    assert np.isfinite(log_softmax(z)).all()


def test_sequential_forward_backward_order_and_parameters():
    model = Sequential(Linear(2, 3, rng=0), Sigmoid(), Linear(3, 1, rng=1))
    out = model.forward(np.ones((4, 2), dtype=np.float32))
    assert out.shape == (4, 1)
    grad_in = model.backward(np.ones((4, 1), dtype=np.float32))
    assert grad_in.shape == (4, 2)
    names = [name for name, _, _ in model.parameters()]
    assert names == ["0.W", "0.b", "2.W", "2.b"]
    assert model.n_parameters() == 2 * 3 + 3 + 3 + 1


def test_same_seed_same_weights_bit_for_bit():
    a = mlp([256, 64, 10], rng=7)
    b = mlp([256, 64, 10], rng=7)
    for (_, wa, _), (_, wb, _) in zip(a.parameters(), b.parameters(), strict=True):
        assert wa.dtype == np.float32
        assert np.array_equal(wa, wb)
    c = mlp([256, 64, 10], rng=8)
    assert not np.array_equal(a[0].W, c[0].W)


def test_wrong_input_width_names_both_shapes():
    with pytest.raises(
        ValueError, match=r"Linear\(256 -> 10\) expected input of shape \(N, 256\), got \(32, 255\)"
    ):
        Linear(256, 10, rng=0).forward(np.zeros((32, 255)))
    with pytest.raises(ValueError, match=r"expected input of shape \(N, 3\), got \(3,\)"):
        Linear(3, 2, rng=0).forward(np.zeros(3))


def test_backward_before_forward_is_explained():
    for layer in (Linear(3, 2, rng=0), Sigmoid(), ReLU()):
        with pytest.raises(RuntimeError, match="before forward"):
            layer.backward(np.zeros((1, 2)))
    for loss in (MSELoss(), SoftmaxCrossEntropy()):
        with pytest.raises(RuntimeError, match="before forward"):
            loss.backward()


def test_wrong_grad_shape_is_named():
    layer = Linear(3, 2, rng=0)
    layer.forward(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"expected grad_out of shape \(4, 2\).*got \(2, 4\)"):
        layer.backward(np.zeros((2, 4)))


def test_bad_labels_are_named():
    loss = SoftmaxCrossEntropy()
    z = np.zeros((3, 10))
    with pytest.raises(ValueError, match=r"labels in \[0, 9\], got values from 0 to 10"):
        loss.forward(z, np.array([0, 5, 10]))
    with pytest.raises(ValueError, match=r"labels of shape \(3,\).*got \(2,\)"):
        loss.forward(z, np.array([0, 5]))
    with pytest.raises(ValueError, match="integer class labels, got dtype float64"):
        loss.forward(z, np.array([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match=r"targets shaped like the outputs \(3, 10\), got \(3,\)"):
        MSELoss().forward(z, np.zeros(3))


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="positive integer sizes"):
        Linear(0, 3)
    with pytest.raises(ValueError, match="'he' or 'lecun'"):
        Linear(2, 3, init="glorot")
    with pytest.raises(TypeError, match="at position 1"):
        Sequential(Linear(2, 3), "relu")


def test_lecun_init_and_its_deprecated_alias_xavier():
    """init="lecun" draws N(0, 1/n_in); "xavier" (the old, wrong name) warns and does the same."""
    n_in, n_out = 400, 300
    lecun = Linear(n_in, n_out, rng=0, init="lecun", dtype=np.float64)
    assert np.isclose(lecun.W.var(), 1 / n_in, rtol=0.05)
    with pytest.warns(DeprecationWarning, match='init="lecun"'):
        xavier = Linear(n_in, n_out, rng=0, init="xavier", dtype=np.float64)
    np.testing.assert_array_equal(xavier.W, lecun.W)
    he = Linear(n_in, n_out, rng=0, init="he", dtype=np.float64)
    assert np.isclose(he.W.var(), 2 / n_in, rtol=0.05)
    sigmoid_net = mlp([n_in, n_out, 10], activation=Sigmoid, rng=0, dtype=np.float64)
    assert np.isclose(sigmoid_net[0].W.var(), 1 / n_in, rtol=0.05)  # mlp: lecun, without a warning


# ----- Dropout and Ensemble -----


def test_dropout_gradient_check_with_a_fixed_mask():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((6, 8))
    layer = Dropout(0.4, rng=1)

    class FixedMask(Layer):  # the same mask at every forward: reseed before each draw
        def forward(self, x):
            layer.rng = np.random.default_rng(1)
            return layer.forward(x)

        def backward(self, grad_out):
            return layer.backward(grad_out)

    errors = layer_check(FixedMask(), x)
    assert errors["input"] < TOLERANCE, errors
    dropped = layer.mask == 0
    assert 0 < dropped.mean() < 1  # some units dropped, some kept
    np.testing.assert_allclose(layer.mask[~dropped], 1 / 0.6)


def test_dropout_keeps_the_mean_and_does_nothing_when_not_training():
    x = np.ones((2000, 50))
    layer = Dropout(0.3, rng=0)
    out = layer.forward(x)
    assert abs((out == 0).mean() - 0.3) < 0.01
    assert abs(out.mean() - 1) < 0.02  # scaled by 1 / (1 - p): the expected output is x
    layer.training = False
    np.testing.assert_array_equal(layer.forward(x), x)
    np.testing.assert_array_equal(layer.backward(x), x)
    with pytest.raises(ValueError, match=r"probability p in \[0, 1\), got 1"):
        Dropout(1)


def test_dropout_network_gradient_check():
    rng = np.random.default_rng(2)
    net = Sequential(Linear(5, 6, rng=rng, dtype=F64), ReLU(), Dropout(0.5, rng=3))
    net.layers.append(Linear(6, 3, rng=rng, dtype=F64))
    x, t = rng.standard_normal((4, 5)), np.array([0, 2, 1, 2])
    dropout = net[2]
    loss = SoftmaxCrossEntropy()

    def cost():
        dropout.rng = np.random.default_rng(3)  # the same mask at every forward
        return loss.forward(net.forward(x), t)

    cost()
    net.backward(loss.backward())
    for _, value, grad in net.parameters():
        assert relative_error(grad.copy(), numerical_gradient(cost, value)) < TOLERANCE


def test_ensemble_is_the_mean_and_passes_a_gradient_check():
    rng = np.random.default_rng(0)
    members = [mlp([4, 5, 3], rng=rng, dtype=F64) for _ in range(3)]
    ensemble = Ensemble(*members)
    x, t = rng.standard_normal((6, 4)), rng.integers(0, 3, 6)
    np.testing.assert_allclose(ensemble.forward(x), np.mean([m.forward(x) for m in members], 0))
    errors = check_model(ensemble, SoftmaxCrossEntropy(), x, t)
    assert max(errors.values()) < TOLERANCE, errors
    assert len(ensemble.parameters()) == 3 * 4
    with pytest.raises(ValueError, match="at least one network"):
        Ensemble()


def test_label_smoothing_gradient_check_and_value():
    rng = np.random.default_rng(4)
    z, t = rng.standard_normal((5, 4)) * 3, np.array([0, 3, 1, 1, 2])
    loss = SoftmaxCrossEntropy(label_smoothing=0.2)
    cost = loss.forward(z, t)
    target = 0.8 * np.eye(4)[t] + 0.2 / 4
    assert cost == pytest.approx(-(target * log_softmax(z)).sum() / 5, rel=1e-12)
    grad = loss.backward()
    numeric = numerical_gradient(lambda: loss.forward(z, t), z)
    assert relative_error(grad, numeric) < TOLERANCE
    np.testing.assert_allclose(grad, (softmax(z) - target) / 5, atol=1e-15)
    with pytest.raises(ValueError, match=r"label_smoothing must be in \[0, 1\), got 1"):
        SoftmaxCrossEntropy(label_smoothing=1)
