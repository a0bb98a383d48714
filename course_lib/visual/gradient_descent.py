"""Loss surfaces, gradient-descent paths and a learning-rate explorer (notebook 01).

Everything here works on a loss of **two** parameters, ``theta = (theta_0, theta_1)``,
so that the loss surface can be drawn as contour lines on a plane:

- :func:`gd_trajectory` runs the update rule of lecture point 2,
  ``theta^i = theta^(i-1) - eta * grad L(theta^(i-1))``, and returns every theta visited;
- :func:`run_message` says in words what a run did (converged, too slow, diverged);
- :func:`plot_loss_surface` and :func:`plot_trajectory` draw contours and paths;
- :func:`lr_explorer` is a widget: sliders for ``eta`` and the number of steps.

Conventions: ``loss_fn(theta)`` takes an array of shape ``(..., 2)`` and returns the loss
for each theta, shape ``(...)`` (so a whole grid is evaluated at once);
``grad_fn(theta)`` takes one theta of shape ``(2,)`` and returns ``grad L``, shape ``(2,)``.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence

import ipywidgets as widgets
import numpy as np

LossFn = Callable[[np.ndarray], np.ndarray]  # theta (..., 2) -> L (...)
GradFn = Callable[[np.ndarray], np.ndarray]  # theta (2,) -> grad L (2,)


def _check_eta(eta: float) -> float:
    if isinstance(eta, bool) or not isinstance(eta, int | float | np.floating | np.integer):
        raise TypeError(f"the learning rate eta must be a number, got {type(eta).__name__}")
    if not math.isfinite(eta) or eta <= 0:
        raise ValueError(f"the learning rate eta must be a positive number, got {eta}")
    return float(eta)


def gd_trajectory(grad_fn: GradFn, theta0: Sequence[float], eta: float, steps: int) -> np.ndarray:
    """Run ``steps`` gradient-descent updates from ``theta0``; return the path, shape (k + 1, D).

    Row ``i`` is ``theta^i = theta^(i-1) - eta * grad_fn(theta^(i-1))`` (row 0 is ``theta0``).
    Normally ``k == steps``. If theta overflows (stops being a finite number, which
    happens when ``eta`` is far too large) the run stops there and the path ends at
    the last finite theta, so ``k < steps`` tells you the run blew up.
    Raises ValueError if ``eta <= 0`` or ``steps`` is not a non-negative integer.
    """
    eta = _check_eta(eta)
    if isinstance(steps, bool) or int(steps) != steps or steps < 0:
        raise ValueError(f"steps must be a non-negative integer, got {steps!r}")
    theta = np.array(theta0, dtype=np.float64)
    if theta.ndim != 1:
        raise ValueError(f"theta0 must be a vector (D,), got shape {theta.shape}")
    path = [theta.copy()]
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(int(steps)):
            theta = theta - eta * np.asarray(grad_fn(theta), dtype=np.float64)
            if not np.all(np.isfinite(theta)):
                break
            path.append(theta.copy())
    return np.array(path)


def run_message(
    loss_fn: LossFn,
    grad_fn: GradFn,
    theta0: Sequence[float],
    eta: float,
    steps: int,
    loss_min: float | None = None,
) -> tuple[np.ndarray | None, str]:
    """Run gradient descent and describe the outcome in one sentence.

    Returns ``(path, message)``; ``path`` is None when ``eta`` is not a positive number
    (the message then says so, instead of raising). ``loss_min``, if given, is the
    smallest possible loss and is used to say how close the run got.
    """
    try:
        path = gd_trajectory(grad_fn, theta0, eta, steps)
    except (TypeError, ValueError) as err:
        return None, (
            f"Cannot run: {err}. Gradient descent needs a step size eta > 0 "
            "(eta <= 0 would stand still or climb uphill)."
        )
    done = len(path) - 1
    with np.errstate(over="ignore", invalid="ignore"):
        start = float(loss_fn(path[0]))
        final = float(loss_fn(path[-1]))
    if done < steps or not math.isfinite(final):
        what = "theta" if done < steps else "the loss"
        return path, (
            f"Diverged: after {done} steps {what} overflowed (it is no longer a finite number). "
            f"eta = {eta:.3g} is far too large; try a smaller learning rate."
        )
    if final > start:
        return path, (
            f"Diverging: the loss grew from {start:.4g} to {final:.4g} in {steps} steps. "
            f"eta = {eta:.3g} is too large: each step overshoots the valley."
        )
    text = f"Final loss after {steps} steps: {final:.4g} (it started at {start:.4g})."
    if loss_min is not None:
        gap = final - loss_min
        if gap <= 1e-4 * max(abs(loss_min), 1.0):
            text += f" That is the minimum, {loss_min:.4g}, to 4 digits: converged."
        else:
            text += f" The minimum is {loss_min:.4g}, so {gap:.4g} is left to go."
    return path, text


def plot_loss_surface(
    loss_fn: LossFn,
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    ax=None,
    n: int = 121,
    levels: int = 18,
    labels: tuple[str, str] = ("$\\theta_0$", "$\\theta_1$"),
):
    """Contour lines of ``loss_fn`` over the rectangle ``xlim`` x ``ylim``; returns the Axes.

    The levels are spaced geometrically above the lowest value on the grid, so both
    the narrow valley and the steep walls get lines. Axis limits are fixed afterwards,
    so paths that leave the rectangle are clipped instead of rescaling the plot.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4.5))
    t0, t1 = np.meshgrid(np.linspace(*xlim, n), np.linspace(*ylim, n))
    Z = np.asarray(loss_fn(np.stack([t0, t1], axis=-1)), dtype=np.float64)  # (n, n)
    low, span = float(Z.min()), float(Z.max() - Z.min())
    if span > 0:
        level_values = low + np.geomspace(1e-3 * span, span, levels)
        ax.contour(t0, t1, Z, levels=level_values, cmap="viridis", linewidths=0.8)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_autoscale_on(False)
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    return ax


def plot_trajectory(ax, path: np.ndarray, label: str | None = None, color: str | None = None):
    """Draw a path (k + 1, 2) from :func:`gd_trajectory` on ``ax``: dots joined by lines.

    Points far outside the axes (a diverging run) are cut off after the first one,
    which still shows the direction in which the run left. Returns the Line2D.
    """
    path = np.asarray(path, dtype=np.float64)
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    far = 10 * max(x1 - x0, y1 - y0)
    centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
    outside = np.flatnonzero(np.abs(path - centre).max(axis=1) > far)
    if outside.size:
        path = path[: outside[0] + 1]
    (line,) = ax.plot(path[:, 0], path[:, 1], "o-", ms=3, lw=1.2, label=label, color=color)
    ax.plot(path[0, 0], path[0, 1], "s", ms=6, color=line.get_color())
    return line


class LearningRateExplorer(widgets.VBox):
    """The widget returned by :func:`lr_explorer`.

    Parts: ``eta_slider``, ``steps_slider``, ``message`` (an HTML line with the outcome)
    and ``plot`` (an Output holding the figure). ``update()`` runs and redraws.
    """

    def __init__(
        self,
        loss_fn: LossFn,
        grad_fn: GradFn,
        theta0: Sequence[float],
        xlim: tuple[float, float],
        ylim: tuple[float, float],
        eta: float = 0.01,
        eta_range: tuple[float, float] = (1e-4, 1.0),
        steps: int = 30,
        max_steps: int = 200,
        loss_min: float | None = None,
        labels: tuple[str, str] = ("$\\theta_0$", "$\\theta_1$"),
    ) -> None:
        lo, hi = eta_range
        if not 0 < lo < hi:
            raise ValueError(f"eta_range must satisfy 0 < low < high, got {eta_range}")
        eta_slider = widgets.FloatLogSlider(
            value=eta,
            base=10,
            min=math.log10(lo),
            max=math.log10(hi),
            step=0.02,
            description="eta",
            readout_format=".2e",
            continuous_update=False,
        )
        steps_slider = widgets.IntSlider(
            value=steps, min=1, max=max_steps, description="steps", continuous_update=False
        )
        message = widgets.HTML()
        plot = widgets.Output()
        super().__init__(children=[widgets.HBox([eta_slider, steps_slider]), message, plot])
        self.eta_slider, self.steps_slider = eta_slider, steps_slider
        self.message, self.plot = message, plot
        self._problem = (loss_fn, grad_fn, np.array(theta0, dtype=np.float64))
        self._view = (xlim, ylim, loss_min, labels)
        eta_slider.observe(lambda _: self.update(), names="value")
        steps_slider.observe(lambda _: self.update(), names="value")
        self.update()

    def update(self, eta: float | None = None, steps: int | None = None) -> str:
        """Run with the sliders' values (or the given ones), redraw; return the message."""
        import matplotlib.pyplot as plt
        from IPython.display import clear_output, display

        eta = self.eta_slider.value if eta is None else eta
        steps = self.steps_slider.value if steps is None else steps
        loss_fn, grad_fn, theta0 = self._problem
        xlim, ylim, loss_min, labels = self._view
        path, text = run_message(loss_fn, grad_fn, theta0, eta, steps, loss_min)
        self.message.value = f"<b>{html.escape(text)}</b>"
        with self.plot:
            clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(6, 4.5))
            plot_loss_surface(loss_fn, xlim, ylim, ax=ax, labels=labels)
            if path is not None:
                plot_trajectory(ax, path, color="tab:red")
            ax.set_title(f"gradient descent: eta = {eta:.3g}, {steps} steps")
            display(fig)
            plt.close(fig)
        return text


def lr_explorer(
    loss_fn: LossFn,
    grad_fn: GradFn,
    theta0: Sequence[float],
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    **options,
) -> LearningRateExplorer:
    """A widget: choose ``eta`` (log slider) and the number of steps, see the path.

    Draws the path on the contour plot and prints the final loss; a run that diverges
    or an impossible ``eta`` gives a message instead of an error. It draws its initial
    state at once, so an executed notebook shows a real plot. ``options``: ``eta``,
    ``eta_range=(low, high)``, ``steps``, ``max_steps``, ``loss_min``, ``labels``.
    """
    return LearningRateExplorer(loss_fn, grad_fn, theta0, xlim, ylim, **options)
