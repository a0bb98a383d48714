"""course_lib.nn's initialisation scales keep the signal and the gradient steady (notebook 04b).

Forward, Var(z) ~ n_in * Var(w) * Var(a); backward, Var(dC/da) ~ n_out * Var(w) * Var(dC/dz').
With square layers, LeCun's 1/n keeps both steady in a linear network, He's 2/n in a ReLU
network; weights three times too large make dC/dz grow about 3 times per layer going back.
Seeded, float64, 10 layers of 128: a fraction of a second.
"""

from __future__ import annotations

import numpy as np
import pytest

from course_lib import nn

DEPTH, WIDTH, BATCH = 10, 128, 400


def deep_net(init: str, activation: type[nn.Activation] | None, scale: float = 1) -> nn.Sequential:
    rng = np.random.default_rng(0)
    layers: list[nn.Layer] = []
    for _ in range(DEPTH):
        linear = nn.Linear(WIDTH, WIDTH, rng=rng, init=init, dtype=np.float64)
        linear.W *= scale
        layers.append(linear)
        if activation is not None:
            layers.append(activation())
    return nn.Sequential(*layers)


def forward_variances(net: nn.Sequential) -> np.ndarray:
    """Var(a) after each layer (after its activation, if it has one), first layer first."""
    a = np.random.default_rng(1).standard_normal((BATCH, WIDTH))
    out = []
    for i, layer in enumerate(net.layers):
        a = layer.forward(a)
        last_of_layer = i + 1 == len(net.layers) or isinstance(net.layers[i + 1], nn.Linear)
        if last_of_layer:
            out.append(a.var())
    return np.array(out)


def backward_sizes(net: nn.Sequential) -> np.ndarray:
    """Var(dC/dz) of each layer, first layer first, from a random dC/da of variance 1 at the top."""
    forward_variances(net)  # fills what backward needs
    grad = np.random.default_rng(2).standard_normal((BATCH, WIDTH))
    out = []
    for layer in reversed(net.layers):
        if isinstance(layer, nn.Linear):
            out.append(grad.var())  # what reaches a Linear layer from above is its dC/dz
        grad = layer.backward(grad)
    return np.array(out[::-1])


def within_factor_2(values: np.ndarray) -> bool:
    return bool(values.max() / values.min() < 2)


@pytest.mark.parametrize(
    ("init", "activation"), [("lecun", None), ("he", nn.ReLU)], ids=["lecun-linear", "he-relu"]
)
def test_the_right_scale_keeps_both_directions_steady(init, activation):
    net = deep_net(init, activation)
    forward, backward = forward_variances(net), backward_sizes(net)
    assert len(forward) == len(backward) == DEPTH
    assert within_factor_2(forward), forward
    assert within_factor_2(backward), backward


def test_relu_with_lecuns_scale_loses_a_factor_2_per_layer_each_way():
    net = deep_net("lecun", nn.ReLU)
    forward, backward = forward_variances(net), backward_sizes(net)
    per_layer_forward = (forward[-1] / forward[0]) ** (1 / (DEPTH - 1))
    per_layer_backward = (backward[0] / backward[-1]) ** (1 / (DEPTH - 1))
    assert per_layer_forward == pytest.approx(0.5, abs=0.07)
    assert per_layer_backward == pytest.approx(0.5, abs=0.07)


@pytest.mark.parametrize(
    ("init", "activation"), [("lecun", None), ("he", nn.ReLU)], ids=["lecun-linear", "he-relu"]
)
def test_weights_three_times_too_large_make_the_gradient_explode(init, activation):
    sizes = np.sqrt(backward_sizes(deep_net(init, activation, scale=3.0)))  # std of dC/dz
    assert np.all(np.diff(sizes) < 0), sizes  # larger at every step back towards layer 1
    per_layer = (sizes[0] / sizes[-1]) ** (1 / (DEPTH - 1))
    assert per_layer == pytest.approx(3.0, rel=0.15)
