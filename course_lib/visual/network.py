"""A small fully connected network, drawn with its forward and backward values.

The lecture's pictures, made runnable (notebooks 03 and 04):

- :func:`draw_network` draws the forward pass: each neuron shows its ``z`` and
  ``a = sigma(z)``, each edge its weight (lecture points 5 and 6).
- :func:`draw_reversed_network` draws the backward pass as the *reversed network*
  of point 7: signals flow from the outputs back to the inputs, each neuron's
  ``sigma'(z)`` is a constant amplifier (a triangle), each node shows ``dC/dz``.
- :func:`backward_steps` lists that backward pass one node at a time, with the
  computation of each ``dC/dz`` written out with numbers; :class:`BackwardStepper`
  is an ipywidget that steps through it on the drawing.

Point 3 (backprop against finite differences, timed) is in :mod:`.gradient_cost`.

Conventions as in :mod:`course_lib.nn`: ``z = a @ W + b`` with ``W: (n_in, n_out)``;
every layer (the output layer too) uses the sigmoid; the cost of one example is
``C = 1/2 ||y - t||^2``, so ``dC/dy = y - t``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# colours shared by the drawings
_NEURON = "#dbe9f6"
_INPUT = "#e8f5e9"
_AMPLIFIER = "#fff3cd"
_CURRENT = "#f5a25d"
_UNKNOWN = "#eeeeee"


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function 1 / (1 + e^-z), element-wise, in float64 (course_lib's own)."""
    # imported here: the grader forbids this module to backprop's learners, and resolving
    # that forbidden name must not import course_lib.nn, which the sandbox hides from them
    from course_lib.nn import Sigmoid

    return Sigmoid().sigma(np.asarray(z, dtype=np.float64))


def forward_values(
    weights: Sequence[np.ndarray], biases: Sequence[np.ndarray], x: np.ndarray
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """One example through the network: returns ``(zs, activations)``.

    weights[l]: (n_l, n_{l+1}), biases[l]: (n_{l+1},), x: (n_0,).
    ``zs[l]`` and ``activations[l]`` are the z and a of layer l+1, shape (n_{l+1},).
    """
    _check_network(weights, biases, x)
    a = np.asarray(x, dtype=np.float64)
    zs, activations = [], []
    for W, b in zip(weights, biases, strict=True):
        z = a @ W + b
        a = sigmoid(z)
        zs.append(z)
        activations.append(a)
    return zs, activations


def node_names(sizes: Sequence[int]) -> list[list[str]]:
    """Names of the nodes, layer by layer: ``sizes = [n_0, n_1, ..., n_L]``.

    Inputs are x1, x2, ...; with one hidden layer (and at most 3 outputs) the lecture's
    names are used: hidden z1, z2, ..., outputs z', z'', ...; a deeper network of at most
    9 neurons is numbered z1, z2, ... layer after layer, as the lecture's summary numbers
    its 2-2-2-2 network (z1..z6); otherwise ``z<layer>.<j>``.
    """
    names = [[f"x{i + 1}" for i in range(sizes[0])]]
    if len(sizes) == 3 and sizes[2] <= 3:
        names.append([f"z{j + 1}" for j in range(sizes[1])])
        names.append(["z" + "'" * (j + 1) for j in range(sizes[2])])
    elif sum(sizes[1:]) <= 9:
        first = 1
        for n in sizes[1:]:
            names.append([f"z{first + j}" for j in range(n)])
            first += n
    else:
        for layer, n in enumerate(sizes[1:], start=1):
            names.append([f"z{layer}.{j + 1}" for j in range(n)])
    return names


@dataclass(frozen=True)
class BackwardStep:
    """One node of the backward pass.

    layer: 0 for an input, l for a neuron of layer l (L is the output layer);
    value: dC/dz of that neuron (dC/dx for an input); formula: the computation with numbers.
    """

    layer: int
    index: int
    name: str
    kind: str  # "output" (case 1), "hidden" (case 2) or "input"
    value: float
    sigma_prime: float | None
    formula: str


def _num(v: float) -> str:
    """A number with 4 significant digits, negative ones in parentheses."""
    text = f"{v:.4g}"
    return f"({text})" if v < 0 else text


def backward_steps(
    weights: Sequence[np.ndarray],
    biases: Sequence[np.ndarray],
    x: np.ndarray,
    target: np.ndarray,
) -> list[BackwardStep]:
    """The backward pass of ``C = 1/2 ||y - t||^2``, one node at a time, output first.

    Output neuron (case 1):  dC/dz = sigma'(z) * dC/dy,  dC/dy = y - t.
    Other neuron (case 2):   dC/dz = sigma'(z) * sum_k w_k * dC/dz_k  over the next layer.
    Input (no activation):   dC/dx = sum_k w_k * dC/dz_k.
    """
    zs, activations = forward_values(weights, biases, x)
    target = np.asarray(target, dtype=np.float64)
    if target.shape != activations[-1].shape:
        raise ValueError(
            f"backward_steps expected a target of shape {activations[-1].shape}, got {target.shape}"
        )
    sizes = [len(x)] + [len(z) for z in zs]
    names = node_names(sizes)
    n_layers = len(weights)
    steps: list[BackwardStep] = []
    dC_dy = activations[-1] - target
    dC_dz_next = np.zeros(0)
    for layer in range(n_layers, -1, -1):  # L, L-1, ..., 1, then the inputs (0)
        dC_dz = np.zeros(sizes[layer])
        for j in range(sizes[layer]):
            name = names[layer][j]
            if layer == 0:
                sp = None
                terms = [(weights[0][j, k], dC_dz_next[k]) for k in range(sizes[1])]
                value = sum(w * d for w, d in terms)
                sum_text = " + ".join(f"{_num(w)} × {_num(d)}" for w, d in terms)
                formula = f"dC/d{name} = {sum_text} = {value:.4g}"
                kind = "input"
            else:
                a = activations[layer - 1][j]
                sp = float(a * (1.0 - a))  # sigma'(z) = sigma(z) (1 - sigma(z))
                if layer == n_layers:
                    value = sp * dC_dy[j]
                    formula = (
                        f"dC/d{name} = σ'({name}) · dC/dy{j + 1} = "
                        f"{_num(sp)} × {_num(dC_dy[j])} = {value:.4g}"
                    )
                    kind = "output"
                else:
                    terms = [(weights[layer][j, k], dC_dz_next[k]) for k in range(sizes[layer + 1])]
                    total = sum(w * d for w, d in terms)
                    value = sp * total
                    sum_text = " + ".join(f"{_num(w)} × {_num(d)}" for w, d in terms)
                    formula = (
                        f"dC/d{name} = σ'({name}) · ({sum_text}) = "
                        f"{_num(sp)} × {_num(total)} = {value:.4g}"
                    )
                    kind = "hidden"
            dC_dz[j] = value
            steps.append(BackwardStep(layer, j, name, kind, float(value), sp, formula))
        dC_dz_next = dC_dz
    return steps


def _check_network(weights: Sequence[np.ndarray], biases: Sequence[np.ndarray], x) -> None:
    n = len(np.asarray(x))
    for layer, (W, b) in enumerate(zip(weights, biases, strict=True), start=1):
        W, b = np.asarray(W), np.asarray(b)
        if W.ndim != 2 or W.shape[0] != n or b.shape != (W.shape[1],):
            raise ValueError(
                f"layer {layer} expected W of shape ({n}, n_out) and b of shape (n_out,), "
                f"got W {W.shape} and b {b.shape}"
            )
        n = W.shape[1]


# ----- drawing -----

_DX = 3.4  # horizontal distance between layers
_DY = 1.7  # vertical distance between neurons
_R = 0.42  # neuron radius


def _positions(sizes: Sequence[int]) -> list[list[tuple[float, float]]]:
    return [
        [(layer * _DX, ((n - 1) / 2 - j) * _DY) for j in range(n)] for layer, n in enumerate(sizes)
    ]


def _new_axes(ax, xlim: tuple[float, float], ylim: tuple[float, float]):
    """Axes with equal scales in x and y, sized to the drawing (about 0.85 inch per unit)."""
    import matplotlib.pyplot as plt

    if ax is None:
        width = round(0.85 * (xlim[1] - xlim[0]), 1)  # whole tenths of an inch: whole pixels
        height = round(0.4 + 0.85 * (ylim[1] - ylim[0]), 1)
        _, ax = plt.subplots(figsize=(width, height))
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.set_axis_off()
    return ax


def _arrow(ax, start, end, color="0.45", lw=1.2, zorder=1) -> None:
    from matplotlib.patches import FancyArrowPatch

    ax.add_patch(
        FancyArrowPatch(
            start, end, arrowstyle="-|>", mutation_scale=11, color=color, lw=lw, zorder=zorder
        )
    )


def _edge_label(ax, start, end, text: str, t: float, color="0.15") -> None:
    x = start[0] + t * (end[0] - start[0])
    y = start[1] + t * (end[1] - start[1])
    ax.text(
        x,
        y,
        text,
        ha="center",
        va="center",
        fontsize=8,
        color=color,
        zorder=4,
        bbox={"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none", "alpha": 0.9},
    )


def draw_network(
    weights: Sequence[np.ndarray],
    biases: Sequence[np.ndarray],
    x: np.ndarray,
    ax=None,
):
    """Draw the forward pass of one example: weights on the edges, z and a in each neuron.

    weights[l]: (n_l, n_{l+1}), biases[l]: (n_{l+1},), x: (n_0,). Returns the Axes.
    """
    from matplotlib.patches import Circle, FancyBboxPatch

    zs, activations = forward_values(weights, biases, x)
    sizes = [len(x)] + [len(z) for z in zs]
    names = node_names(sizes)
    pos = _positions(sizes)
    top = (max(sizes) - 1) / 2 * _DY
    ax = _new_axes(ax, (-0.8, (len(sizes) - 1) * _DX + 2.6), (-top - 0.9, top + 0.8))
    for i, (px, py) in enumerate(pos[0]):
        ax.add_patch(
            FancyBboxPatch(
                (px - 0.4, py - 0.3),
                0.8,
                0.6,
                boxstyle="round,pad=0.03",
                fc=_INPUT,
                ec="0.3",
                zorder=3,
            )
        )
        ax.text(
            px, py, f"{names[0][i]}\n{x[i]:.4g}", ha="center", va="center", fontsize=9, zorder=4
        )
    for layer in range(1, len(sizes)):
        W, b = weights[layer - 1], biases[layer - 1]
        for j, (px, py) in enumerate(pos[layer]):
            for i, (sx, sy) in enumerate(pos[layer - 1]):
                start = (sx + (0.45 if layer == 1 else _R), sy)
                end = (px - _R, py)
                _arrow(ax, start, end)
                _edge_label(ax, start, end, f"{W[i, j]:.3g}", t=0.3 if i == j else 0.22)
            ax.add_patch(Circle((px, py), _R, fc=_NEURON, ec="0.3", zorder=3))
            ax.text(
                px,
                py,
                f"z {zs[layer - 1][j]:.2f}\na {activations[layer - 1][j]:.2f}",
                ha="center",
                va="center",
                fontsize=8.5,
                zorder=4,
            )
            ax.text(px, py + _R + 0.12, names[layer][j], ha="center", va="bottom", fontsize=9)
            ax.text(
                px, py - _R - 0.1, f"b = {b[j]:.3g}", ha="center", va="top", fontsize=8, color="0.3"
            )
    for j, (px, py) in enumerate(pos[-1]):
        _arrow(ax, (px + _R, py), (px + 1.2, py))
        ax.text(
            px + 1.3, py, f"y{j + 1} = {activations[-1][j]:.2f}", ha="left", va="center", fontsize=9
        )
    ax.set_title("Forward pass: z = Σ w·a + b, a = σ(z)", fontsize=10)
    return ax


def draw_reversed_network(
    weights: Sequence[np.ndarray],
    biases: Sequence[np.ndarray],
    x: np.ndarray,
    target: np.ndarray,
    ax=None,
    known: int | None = None,
    current: int | None = None,
):
    """Draw the backward pass as the reversed network: outputs on the right feed it.

    Each neuron's sigma'(z) is a triangle (an amplifier with a fixed gain), each node
    shows dC/dz (dC/dx for the inputs). ``known``: only the first ``known`` steps of
    :func:`backward_steps` show their value (the others show "?"); ``current``: the
    step to highlight. Returns the Axes.
    """
    from matplotlib.patches import Circle, FancyBboxPatch, Polygon

    steps = backward_steps(weights, biases, x, target)
    zs, activations = forward_values(weights, biases, x)
    sizes = [len(x)] + [len(z) for z in zs]
    pos = _positions(sizes)
    known = len(steps) if known is None else known
    order = {(s.layer, s.index): n for n, s in enumerate(steps)}
    current_node = None if current is None else (steps[current].layer, steps[current].index)
    n_layers = len(sizes) - 1
    top = (max(sizes) - 1) / 2 * _DY
    ax = _new_axes(ax, (-0.8, n_layers * _DX + 3.1), (-top - 0.85, top + 0.8))

    def fill(node: tuple[int, int], normal: str) -> str:
        if node == current_node:
            return _CURRENT
        return normal if order[node] < known else _UNKNOWN

    def value_text(node: tuple[int, int]) -> str:
        return f"{steps[order[node]].value:.3g}" if order[node] < known else "?"

    # the reversed network's inputs: dC/dy of each output
    dC_dy = activations[-1] - np.asarray(target, dtype=np.float64)
    for j, (px, py) in enumerate(pos[-1]):
        bx = px + 2.35
        ax.add_patch(
            FancyBboxPatch(
                (bx - 0.5, py - 0.3),
                1.0,
                0.6,
                boxstyle="round,pad=0.03",
                fc="white",
                ec="0.3",
                zorder=3,
            )
        )
        ax.text(
            bx, py, f"dC/dy{j + 1}\n{dC_dy[j]:.4g}", ha="center", va="center", fontsize=8, zorder=4
        )
        hot = current_node == (n_layers, j)
        _arrow(
            ax,
            (bx - 0.52, py),
            (px + 1.3, py),
            color=_CURRENT if hot else "0.45",
            lw=2.2 if hot else 1.2,
        )
    # neurons: node circle, amplifier triangle to its right
    for layer in range(1, n_layers + 1):
        for j, (px, py) in enumerate(pos[layer]):
            node = (layer, j)
            sp = steps[order[node]].sigma_prime
            tri = Polygon(
                [(px + 0.55, py), (px + 1.3, py + 0.36), (px + 1.3, py - 0.36)],
                closed=True,
                fc=_CURRENT if node == current_node else _AMPLIFIER,
                ec="0.3",
                zorder=3,
            )
            ax.add_patch(tri)
            ax.text(
                px + 1.0,
                py - 0.42,
                f"σ'={sp:.3g}",
                ha="center",
                va="top",
                fontsize=7.5,
                color="0.2",
            )
            _arrow(ax, (px + 0.55, py), (px + _R, py), zorder=2)
            ax.add_patch(Circle((px, py), _R, fc=fill(node, _NEURON), ec="0.3", zorder=3))
            name = steps[order[node]].name
            ax.text(px, py + _R + 0.1, f"dC/d{name}", ha="center", va="bottom", fontsize=8.5)
            ax.text(px, py, value_text(node), ha="center", va="center", fontsize=8, zorder=4)
    for i, (px, py) in enumerate(pos[0]):
        node = (0, i)
        ax.add_patch(
            FancyBboxPatch(
                (px - 0.45, py - 0.3),
                0.9,
                0.6,
                boxstyle="round,pad=0.03",
                fc=fill(node, _INPUT),
                ec="0.3",
                zorder=3,
            )
        )
        ax.text(
            px, py + 0.4, f"dC/d{steps[order[node]].name}", ha="center", va="bottom", fontsize=8.5
        )
        ax.text(px, py, value_text(node), ha="center", va="center", fontsize=8, zorder=4)
    # edges, right to left: from a neuron of layer l+1 to the amplifier (or input) of layer l
    for layer in range(n_layers - 1, -1, -1):
        W = weights[layer]
        for i, (px, py) in enumerate(pos[layer]):
            hot = current_node == (layer, i)
            for k, (sx, sy) in enumerate(pos[layer + 1]):
                start = (sx - _R, sy)
                end = (px + (0.47 if layer == 0 else 1.3), py)
                color = _CURRENT if hot else "0.45"
                _arrow(ax, start, end, color=color, lw=2.2 if hot else 1.2)
                _edge_label(
                    ax,
                    start,
                    end,
                    f"{W[i, k]:.3g}",
                    t=0.72 if i == k else 0.8,
                    color="#b35900" if hot else "0.15",
                )
    title = "Backward pass: the reversed network (σ'(z) amplifies, weights sum)"
    if current is not None:
        title = steps[current].formula
    ax.set_title(title, fontsize=10)
    return ax


# ----- the step-through widget -----


class BackwardStepper:
    """Step through the backward pass one node at a time, from the outputs to the inputs.

    ``.widget`` is the ipywidget to display (buttons, a step slider, an output area);
    ``.next()``, ``.previous()``, ``.reset()`` and ``.go_to(step)`` drive it from code,
    ``.text`` holds what the output area shows in words.
    """

    def __init__(
        self,
        weights: Sequence[np.ndarray],
        biases: Sequence[np.ndarray],
        x: np.ndarray,
        target: np.ndarray,
        draw: bool = True,
    ) -> None:
        import ipywidgets as widgets

        self.network = (weights, biases, np.asarray(x, dtype=np.float64), target)
        self.steps = backward_steps(weights, biases, x, target)
        self.step = 0
        self.text = ""
        self.draw = draw
        n = len(self.steps)
        self.previous_button = widgets.Button(description="Previous", icon="arrow-left")
        self.next_button = widgets.Button(description="Next node", icon="arrow-right")
        self.reset_button = widgets.Button(description="Reset", icon="undo")
        self.slider = widgets.IntSlider(value=0, min=0, max=n - 1, description="step")
        self.output = widgets.Output()
        self.previous_button.on_click(lambda _: self.previous())
        self.next_button.on_click(lambda _: self.next())
        self.reset_button.on_click(lambda _: self.reset())
        self.slider.observe(lambda change: self.go_to(change["new"]), names="value")
        controls = widgets.HBox(
            [self.previous_button, self.next_button, self.reset_button, self.slider]
        )
        self.widget = widgets.VBox([controls, self.output])
        self._render()

    def next(self) -> None:
        self.go_to(self.step + 1)

    def previous(self) -> None:
        self.go_to(self.step - 1)

    def reset(self) -> None:
        self.go_to(0)

    def go_to(self, step: int) -> None:
        """Show step ``step``; a step outside 0..n-1 shows a message and keeps the current one."""
        if not 0 <= step < len(self.steps):
            self._render(message=self.out_of_range_message(step))
            return
        if step == self.step and self.text == self.describe(step):
            return  # already shown (the slider echoes what the buttons set)
        self.step = step
        self._render()
        if self.slider.value != step:
            self.slider.value = step  # calls go_to(step) again, which returns at once

    def out_of_range_message(self, step: int) -> str:
        """What the output area says when asked for a step that does not exist."""
        return (
            f"There is no step {step}: the backward pass has steps 0 (the first output "
            f"neuron) to {len(self.steps) - 1} (the last input). Still showing step {self.step}."
        )

    def describe(self, step: int) -> str:
        """The words shown for one step: which node, which case, its computation."""
        s = self.steps[step]
        case = {
            "output": "output layer (case 1)",
            "hidden": "hidden layer (case 2: uses the next layer's dC/dz)",
            "input": "network input (no activation, so no σ')",
        }[s.kind]
        return f"Step {step} of {len(self.steps) - 1}: {s.name}, {case}\n{s.formula}"

    def _render(self, message: str | None = None) -> None:
        from IPython.display import clear_output, display

        self.text = (message + "\n" if message else "") + self.describe(self.step)
        with self.output:
            clear_output(wait=True)
            print(self.text)
            if self.draw:
                import matplotlib.pyplot as plt

                ax = draw_reversed_network(*self.network, known=self.step + 1, current=self.step)
                # display the figure object itself: plt.show() from a widget callback can
                # send a blank image to JupyterLab
                plt.close(ax.figure)
                display(ax.figure)
