"""Fast unit tests of course_lib.visual.gradient_descent (notebook 01's plots and widget)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_lib.visual.gradient_descent import (  # noqa: E402
    gd_trajectory,
    lr_explorer,
    plot_loss_surface,
    plot_trajectory,
    run_message,
)

# L(theta) = 1/2 (4 theta_0^2 + theta_1^2): curvatures 4 and 1, minimum 0 at the origin
CURV = np.array([4.0, 1.0])


def loss(theta):
    return 0.5 * (np.asarray(theta) ** 2 * CURV).sum(axis=-1)


def grad(theta):
    return CURV * theta


def test_trajectory_matches_hand_computation():
    path = gd_trajectory(grad, [1.0, 2.0], eta=0.1, steps=2)
    # theta^1 = theta^0 - 0.1 * (4, 2) = (0.6, 1.8); theta^2 = (0.6 - 0.24, 1.8 - 0.18)
    expected = np.array([[1.0, 2.0], [0.6, 1.8], [0.36, 1.62]])
    assert path.shape == (3, 2)
    np.testing.assert_allclose(path, expected, rtol=1e-12)


def test_trajectory_is_the_closed_form_on_a_quadratic():
    eta, steps = 0.3, 15
    path = gd_trajectory(grad, [1.0, 1.0], eta, steps)
    i = np.arange(steps + 1)[:, None]
    np.testing.assert_allclose(path, (1 - eta * CURV) ** i, rtol=1e-12)


def test_trajectory_stops_at_overflow():
    path = gd_trajectory(grad, [1.0, 1.0], eta=100.0, steps=1000)
    assert len(path) < 1001
    assert np.all(np.isfinite(path))


@pytest.mark.parametrize("eta", [0.0, -0.1, float("nan"), float("inf")])
def test_trajectory_rejects_impossible_eta(eta):
    with pytest.raises(ValueError, match="positive"):
        gd_trajectory(grad, [1.0, 1.0], eta, 5)


@pytest.mark.parametrize("eta", [0.0, -0.5])
def test_message_for_impossible_eta_is_clear(eta):
    path, message = run_message(loss, grad, [1.0, 1.0], eta, 10)
    assert path is None
    assert "eta > 0" in message and "positive" in message


def test_messages_for_converging_and_diverging_runs():
    _, good = run_message(loss, grad, [1.0, 1.0], 0.2, 100, loss_min=0.0)
    assert good.startswith("Final loss after 100 steps") and "converged" in good
    _, slow = run_message(loss, grad, [1.0, 1.0], 1e-3, 10, loss_min=0.0)
    assert "left to go" in slow
    _, growing = run_message(loss, grad, [1.0, 1.0], 0.6, 10)  # 0.6 > 2 / 4
    assert growing.startswith("Diverging") and "too large" in growing
    _, blown = run_message(loss, grad, [1.0, 1.0], 100.0, 1000)
    assert blown.startswith("Diverged") and "overflowed" in blown


def test_plots_keep_the_axes_limits():
    fig, ax = plt.subplots()
    plot_loss_surface(loss, (-2, 2), (-3, 3), ax=ax)
    plot_trajectory(ax, gd_trajectory(grad, [1.5, 2.5], 0.6, 40))  # diverges off the plot
    assert ax.get_xlim() == (-2, 2) and ax.get_ylim() == (-3, 3)
    plt.close(fig)


def test_explorer_shows_initial_state_and_reacts_to_sliders():
    explorer = lr_explorer(loss, grad, [1.0, 1.0], (-2, 2), (-2, 2), eta=0.1, steps=20)
    assert "Final loss after 20 steps" in explorer.message.value
    explorer.eta_slider.value = 0.9  # above 2 / 4: diverges
    assert "Diverging" in explorer.message.value
    assert "Cannot run" in explorer.update(eta=0.0)
    plt.close("all")
