"""course_lib.visual.gradient_cost: lecture point 3 measured (notebook 04, section 7).

Timings are never compared with fixed numbers: the tests check what holds on any machine
(the counted forward passes, the extrapolation rule, the network sizes, the plot's labels).
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_lib.nn import mlp  # noqa: E402
from course_lib.visual.gradient_cost import (  # noqa: E402
    GradientCost,
    measure_gradient_cost,
    plot_gradient_cost,
)


@pytest.fixture(scope="module")
def costs():
    return measure_gradient_cost([[2, 2, 2], [8, 6, 3]], batch_size=4, n_sampled=20, repeats=2)


def test_parameters_and_counted_forward_passes(costs):
    small, larger = costs
    assert small.n_parameters == mlp([2, 2, 2]).n_parameters() == 12
    assert larger.n_parameters == mlp([8, 6, 3]).n_parameters() == 75
    assert not small.extrapolated and small.sampled == 12  # all 12 parameters nudged
    assert larger.extrapolated and larger.sampled == 20
    for r in costs:
        assert r.sampled_forward_passes == 2 * r.sampled  # counted by the cost function
        assert r.forward_seconds > 0 and r.backward_seconds > 0 and r.sampled_seconds > 0


def test_extrapolation_and_ratios_follow_from_the_measured_times():
    r = GradientCost((4, 3), 15, 0.002, 0.004, 5, 0.02, 10)
    assert r.finite_difference_seconds == pytest.approx(0.02 * 15 / 5)
    assert r.backprop_seconds == pytest.approx(0.006)
    assert r.backward_forward_ratio == pytest.approx(2.0)
    assert r.speedup == pytest.approx(0.06 / 0.006)
    assert r.extrapolated


def test_the_plot_says_which_points_are_extrapolated(costs):
    fig = plot_gradient_cost(costs)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert any("extrapolated from 20" in label for label in labels)
    assert any("measured" in label for label in labels)
    n = [line.get_xdata() for line in fig.axes[0].get_lines()]
    assert any(np.array_equal(x, [12, 75]) for x in n)
    plt.close(fig)


@pytest.mark.parametrize("bad", [{"n_sampled": 0}, {"batch_size": 0}, {"repeats": 0}])
def test_bad_arguments_are_named(bad):
    with pytest.raises(ValueError, match="expects positive"):
        measure_gradient_cost([[2, 2, 2]], **bad)


def test_timings_run_with_one_blas_thread(monkeypatch):
    """Several BLAS threads on a busy machine make ratios absurd (backward "0.0x" a forward)."""
    from threadpoolctl import threadpool_info

    from course_lib.visual import gradient_cost

    seen = []
    real = gradient_cost._measure

    def spy(*args):
        seen.extend(pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas")
        return real(*args)

    monkeypatch.setattr(gradient_cost, "_measure", spy)
    measure_gradient_cost([[2, 2, 2]], batch_size=2, n_sampled=2, repeats=1)
    assert seen and set(seen) == {1}
