"""Fast tests of course_lib.visual.network: the drawings' numbers are course_lib's numbers."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_lib import nn  # noqa: E402
from course_lib.visual import network as netviz  # noqa: E402

# the lecture's 2-2-2 network (notebooks 03 and 04)
W1 = np.array([[1.0, -1.0], [-2.0, 1.0]])
B1 = np.array([1.0, 0.0])
W2 = np.array([[2.0, -2.0], [-1.0, -1.0]])
B2 = np.array([0.0, 0.0])
X = np.array([1.0, -1.0])
T = np.array([0.0, 1.0])


def random_network(sizes, seed):
    rng = np.random.default_rng(seed)
    weights = [rng.standard_normal((a, b)) for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
    biases = [rng.standard_normal(b) for b in sizes[1:]]
    return weights, biases, rng.standard_normal(sizes[0]), rng.uniform(size=sizes[-1])


def library_dC_dz(weights, biases, x, target):
    """dC/dz of every layer and dC/dx, from course_lib's Sequential backward (batch of one)."""
    layers = []
    for W, b in zip(weights, biases, strict=True):
        linear = nn.Linear(*W.shape, dtype=np.float64)
        linear.W[:], linear.b[:] = W, b
        layers += [linear, nn.Sigmoid()]
    model = nn.Sequential(*layers)
    loss = nn.MSELoss()
    loss.forward(model.forward(x[None, :]), target[None, :])
    dC_dx = model.backward(loss.backward())[0]
    return [layer.db.copy() for layer in model.layers[::2]], dC_dx  # db = dC/dz for one example


def test_lecture_forward_values():
    zs, activations = netviz.forward_values([W1, W2], [B1, B2], X)
    assert np.allclose(zs[0], [4.0, -2.0])
    assert np.allclose(np.round(activations[0], 2), [0.98, 0.12])


@pytest.mark.parametrize(
    "network",
    [([W1, W2], [B1, B2], X, T), random_network([3, 4, 2], 0), random_network([2, 3, 3, 2], 1)],
)
def test_backward_steps_agree_with_course_lib(network):
    weights, biases, x, target = network
    steps = netviz.backward_steps(weights, biases, x, target)
    per_layer, dC_dx = library_dC_dz(weights, biases, x, target)
    expected = np.concatenate(per_layer[::-1] + [dC_dx])  # output layer first, inputs last
    assert [s.layer for s in steps] == sorted((s.layer for s in steps), reverse=True)
    assert np.allclose([s.value for s in steps], expected, rtol=0, atol=1e-12)
    assert [s.kind for s in steps][: len(per_layer[-1])] == ["output"] * len(per_layer[-1])
    assert steps[-1].kind == "input" and steps[-1].sigma_prime is None


def test_lecture_step_names_and_formula():
    steps = netviz.backward_steps([W1, W2], [B1, B2], X, T)
    assert [s.name for s in steps] == ["z'", "z''", "z1", "z2", "x1", "x2"]
    assert steps[0].formula == "dC/dz' = σ'(z') · dC/dy1 = 0.1179 × 0.8635 = 0.1018"
    assert steps[2].formula.startswith("dC/dz1 = σ'(z1) · (2 × 0.1018 + (-2) × (-0.08757))")


def test_bad_shapes_are_named():
    with pytest.raises(ValueError, match=r"layer 2 expected W of shape \(2, n_out\)"):
        netviz.forward_values([W1, np.ones((3, 2))], [B1, B2], X)
    with pytest.raises(ValueError, match="target of shape"):
        netviz.backward_steps([W1, W2], [B1, B2], X, np.zeros(3))


def test_stepper_moves_one_node_at_a_time():
    stepper = netviz.BackwardStepper([W1, W2], [B1, B2], X, T, draw=False)
    assert stepper.step == 0 and stepper.text.startswith("Step 0 of 5: z'")
    stepper.next_button.click()
    stepper.next_button.click()
    assert stepper.step == 2 and stepper.slider.value == 2
    assert "dC/dz1 = σ'(z1)" in stepper.text
    stepper.previous_button.click()
    assert stepper.step == 1
    stepper.slider.value = 5
    assert stepper.step == 5 and stepper.text.startswith("Step 5 of 5: x2")
    stepper.reset_button.click()
    assert stepper.step == 0 and stepper.slider.value == 0


def test_stepper_out_of_range_shows_a_message():
    stepper = netviz.BackwardStepper([W1, W2], [B1, B2], X, T, draw=False)
    stepper.previous()  # before the first step
    assert stepper.step == 0 and stepper.text.startswith("There is no step -1")
    stepper.go_to(99)
    assert stepper.step == 0 and "There is no step 99" in stepper.text
    assert "Step 0 of 5" in stepper.text  # and it still shows the current step
    stepper.next()
    assert stepper.step == 1 and "There is no step" not in stepper.text


def test_drawings_run():
    ax = netviz.draw_network([W1, W2], [B1, B2], X)
    ax2 = netviz.draw_reversed_network([W1, W2], [B1, B2], X, T, known=3, current=2)
    assert ax2.get_title().startswith("dC/dz1")
    for figure in (ax.figure, ax2.figure):
        plt.close(figure)
