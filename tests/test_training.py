"""Optimisers, the training loop, evaluation helpers and gradient-checking utilities."""

import numpy as np
import pytest

from course_lib.data import load_usps
from course_lib.gradcheck import numerical_gradient, relative_error
from course_lib.nn import Linear, MSELoss, SoftmaxCrossEntropy, mlp
from course_lib.optim import SGD, Momentum
from course_lib.train import (
    TrainingDiverged,
    accuracy,
    confusion_matrix,
    cosine_schedule,
    fit,
    predict,
)


def test_numerical_gradient_of_a_known_function():
    x = np.array([1.0, -2.0, 0.5])
    grad = numerical_gradient(lambda: float(np.sum(x**3)), x)
    np.testing.assert_allclose(grad, 3 * x**2, rtol=1e-8)
    np.testing.assert_array_equal(x, [1.0, -2.0, 0.5])  # restored


def test_numerical_gradient_refuses_float32():
    with pytest.raises(TypeError, match="float64 numpy array, got float32"):
        numerical_gradient(lambda: 0.0, np.zeros(3, dtype=np.float32))


def test_relative_error():
    assert relative_error(np.ones(3), np.ones(3)) == 0.0
    assert relative_error(np.zeros(3), np.ones(3)) == 1.0
    with pytest.raises(ValueError, match=r"same shape, got \(3,\) and \(2,\)"):
        relative_error(np.ones(3), np.ones(2))


def test_sgd_step_is_the_update_rule():
    layer = Linear(2, 1, rng=0, dtype=np.float64)
    w0 = layer.W.copy()
    layer.forward(np.array([[1.0, 2.0]]))
    layer.backward(np.array([[1.0]]))
    SGD(layer.parameters(), lr=0.1).step()
    np.testing.assert_allclose(layer.W, w0 - 0.1 * np.array([[1.0], [2.0]]))


def test_momentum_accumulates_velocity():
    w = np.array([1.0])
    g = np.array([1.0])
    opt = Momentum([("w", w, g)], lr=0.1, momentum=0.5)
    opt.step()  # v = -0.1
    opt.step()  # v = -0.05 - 0.1
    np.testing.assert_allclose(w, [1.0 - 0.1 - 0.15])


@pytest.mark.parametrize("lr", [0.0, -1.0, float("nan")])
def test_bad_learning_rate_is_named(lr):
    with pytest.raises(ValueError, match="learning rate must be a positive number"):
        SGD([], lr=lr)


def test_cosine_schedule():
    schedule = cosine_schedule(0.1, 10)
    assert schedule(0) == pytest.approx(0.1)
    assert schedule(5) == pytest.approx(0.05)
    assert 0 < schedule(9) < 0.01


def test_confusion_matrix():
    cm = confusion_matrix(np.array([0, 1, 1, 2]), np.array([0, 2, 1, 2]), n_classes=3)
    np.testing.assert_array_equal(cm, [[1, 0, 0], [0, 1, 1], [0, 0, 1]])
    with pytest.raises(ValueError, match=r"labels in \[0, 2\]"):
        confusion_matrix(np.array([3]), np.array([0]), n_classes=3)


def test_short_training_run_clearly_learns():
    (X, y), (X_test, y_test) = load_usps()
    X, y = X[:2000], y[:2000]
    model = mlp([256, 32, 10], rng=0)
    before = accuracy(model, X_test, y_test)
    history = fit(
        model,
        SoftmaxCrossEntropy(),
        Momentum(model.parameters(), 0.05),
        X,
        y,
        epochs=3,
        batch_size=32,
        rng=0,
        validation=(X_test, y_test),
        progress=False,
    )
    assert before < 0.3
    assert history.loss[-1] < 0.5 * history.loss[0]
    assert history.val_accuracy[-1] > 0.85
    assert len(history.train_accuracy) == 3
    assert predict(model, X_test[:5]).shape == (5,)


def test_training_is_deterministic_bit_for_bit():
    (X, y), _ = load_usps()
    X, y = X[:500], y[:500]
    results = []
    for _ in range(2):
        model = mlp([256, 16, 10], rng=3)
        fit(
            model,
            SoftmaxCrossEntropy(),
            Momentum(model.parameters(), 0.05),
            X,
            y,
            epochs=2,
            batch_size=50,
            rng=3,
            progress=False,
        )
        results.append(model[0].W.copy())
    assert np.array_equal(results[0], results[1])


def test_diverging_training_stops_with_the_learning_rate_named():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 4)).astype(np.float32)
    t = rng.standard_normal((64, 1)).astype(np.float32) * 100
    model = mlp([4, 8, 1], rng=0)
    with pytest.raises(TrainingDiverged, match=r"learning rate 1000.*smaller learning rate"):
        fit(
            model,
            MSELoss(),
            SGD(model.parameters(), lr=1000.0),
            X,
            t,
            epochs=50,
            batch_size=16,
            progress=False,
        )


def test_fit_rejects_mismatched_data():
    model = mlp([4, 2], rng=0)
    with pytest.raises(ValueError, match="same number of rows, got 3 and 2"):
        fit(
            model,
            SoftmaxCrossEntropy(),
            SGD(model.parameters(), 0.1),
            np.zeros((3, 4)),
            np.zeros(2, dtype=int),
            progress=False,
        )
