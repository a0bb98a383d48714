"""Optimisers, the training loop, evaluation helpers and gradient-checking utilities."""

import numpy as np
import pytest

from course_lib.data import load_usps
from course_lib.gradcheck import TOLERANCE, numerical_gradient, relative_error
from course_lib.nn import Dropout, Linear, MSELoss, Sequential, SoftmaxCrossEntropy, mlp
from course_lib.optim import SGD, Momentum, l2_penalty
from course_lib.recipe import (
    Recipe,
    averaged_logits,
    build_model,
    recipe_accuracy,
    split_validation,
)
from course_lib.train import (
    TrainingDiverged,
    accuracy,
    confusion_matrix,
    cosine_schedule,
    fit,
    predict,
    predict_logits,
    set_training,
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
        train_accuracy=True,
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


# ----- weight decay, augmentation hook, training flag, validation split -----


@pytest.mark.parametrize("optimizer", [SGD, Momentum])
def test_weight_decay_step_is_the_gradient_of_the_penalised_loss(optimizer):
    """One step from zero velocity moves theta by -lr * d(L + l2_penalty)/dtheta: checked
    against finite differences of the penalised loss, weights decayed, biases not."""
    rng = np.random.default_rng(0)
    model = mlp([5, 4, 3], rng=rng, dtype=np.float64)
    for _, value, _ in model.parameters():
        value += rng.standard_normal(value.shape)  # biases away from 0, so a decay would show
    x, t = rng.standard_normal((6, 5)), rng.integers(0, 3, 6)
    loss, lam, lr = SoftmaxCrossEntropy(), 0.3, 0.1

    def penalised():
        return loss.forward(model.forward(x), t) + l2_penalty(model.parameters(), lam)

    numeric = {}
    for name, value, _ in model.parameters():
        numeric[name] = numerical_gradient(penalised, value)
    before = {name: value.copy() for name, value, _ in model.parameters()}
    penalised()
    model.backward(loss.backward())
    kwargs = {"momentum": 0.9} if optimizer is Momentum else {}
    optimizer(model.parameters(), lr=lr, weight_decay=lam, **kwargs).step()
    for name, value, _ in model.parameters():
        used = (before[name] - value) / lr  # the gradient the step followed
        assert relative_error(used, numeric[name]) < TOLERANCE, name
    assert l2_penalty(model.parameters(), lam) == pytest.approx(
        0.5 * lam * (np.sum(model[0].W ** 2) + np.sum(model[2].W ** 2))
    )


def test_weight_decay_is_checked():
    with pytest.raises(ValueError, match="weight_decay must be a number >= 0, got -1"):
        Momentum([], lr=0.1, weight_decay=-1)


def test_fit_augments_every_epoch_and_counts_accuracy_only_when_asked():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 3)).astype(np.float32)
    y = rng.integers(0, 2, 40)
    seen = []

    def augment(X_epoch, gen):
        seen.append(X_epoch.shape)
        return X_epoch + gen.normal(size=X_epoch.shape).astype(X_epoch.dtype)

    model = mlp([3, 4, 2], rng=0)
    history = fit(
        model,
        SoftmaxCrossEntropy(),
        SGD(model.parameters(), 0.1),
        X,
        y,
        epochs=3,
        augment=augment,
        progress=False,
    )
    assert seen == [(40, 3)] * 3
    assert history.train_accuracy == [] and len(history.loss) == 3


def test_fit_switches_dropout_on_while_training_and_off_after():
    states = []

    class Spy(Dropout):
        def forward(self, x):
            states.append(self.training)
            return super().forward(x)

    model = Sequential(*mlp([3, 4, 2], rng=0), Spy(0.5, rng=0))
    X, y = np.ones((8, 3), dtype=np.float32), np.zeros(8, dtype=int)
    fit(
        model,
        SoftmaxCrossEntropy(),
        SGD(model.parameters(), 0.1),
        X,
        y,
        epochs=1,
        batch_size=8,
        progress=False,
        validation=(X, y),
    )
    assert states == [True, False]  # one training step, then the validation pass
    set_training(model, True)
    assert model[-1].training


def test_validation_split_is_disjoint_and_seeded():
    X, y = np.arange(100).reshape(50, 2), np.arange(50)
    (Xa, ya), (Xv, yv) = split_validation(X, y, 0.2, rng=0)
    assert len(yv) == 10 and len(ya) == 40
    assert set(ya).isdisjoint(yv) and set(ya) | set(yv) == set(range(50))
    assert np.array_equal(yv, split_validation(X, y, 0.2, rng=0)[1][1])
    with pytest.raises(ValueError, match=r"validation fraction must be in \[0, 1\)"):
        split_validation(X, y, 1.0)


def test_recipe_model_has_dropout_after_each_hidden_layer():
    model = build_model(Recipe(hidden=[8, 6], dropout=0.3), 5, np.random.default_rng(0))
    names = [type(layer).__name__ for layer in model]
    assert names == ["Linear", "ReLU", "Dropout", "Linear", "ReLU", "Dropout", "Linear"]


def test_test_time_augmentation_averages_the_copies_logits():
    rng = np.random.default_rng(0)
    model = build_model(Recipe(hidden=[8]), 256, rng)
    X = rng.uniform(0, 1, (7, 256)).astype(np.float32)
    plain = predict_logits(model, X)
    assert np.array_equal(averaged_logits(model, X), plain)  # no copies: the plain logits
    seen = []

    def shifted(images, gen):  # a stand-in distortion whose copies we know
        seen.append(int(gen.integers(1000)))
        return images + len(seen)

    mean = averaged_logits(model, X, shifted, copies=3, rng=5)
    expected = (plain + sum(predict_logits(model, X + k) for k in (1, 2, 3))) / 4
    np.testing.assert_allclose(mean, expected, rtol=1e-6)
    seen_before = list(seen)
    seen.clear()
    averaged_logits(model, X, shifted, copies=3, rng=5)
    assert seen == seen_before  # the copies are seeded


def test_recipe_accuracy_uses_test_time_copies_only_with_augmentation():
    rng = np.random.default_rng(1)
    model = build_model(Recipe(hidden=[8]), 256, rng)
    X = rng.uniform(0, 1, (50, 256)).astype(np.float32)
    y = predict(model, X)
    assert recipe_accuracy(Recipe(tta_copies=4, augment=False), model, X, y) == 1.0
    with_copies = recipe_accuracy(Recipe(tta_copies=4), model, X, y)
    assert with_copies == recipe_accuracy(Recipe(tta_copies=4), model, X, y) < 1.0
