"""The learning slowdown of notebook 04b: its formulas, and every figure its prose quotes.

One sigmoid neuron, z = w x + b and a = sigma(z), with x = 1, w = b = 2 (so z = 4) and
target t = 0, trained by gradient descent with learning rate 0.15 under two costs:
squared error, dC/dz = (a - t) sigma'(z), and cross-entropy, dC/dz = a - t.
The run is recomputed here with numpy; each figure the markdown quotes must equal the
recomputed value, and the notebook's stored output must print that same value. The
formulas are checked against finite differences and against course_lib. Nothing is
executed from the notebook (nbval checks elsewhere that a fresh run reproduces its
outputs), so this runs in a fraction of a second.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from course_lib import nn

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "04b_vanishing_gradients.ipynb"
SECTION = "## The learning slowdown"
X, W0, B0, T, LR, N_STEPS = 1.0, 2.0, 2.0, 0.0, 0.15, 300


def sigmoid(z: np.ndarray | float) -> np.ndarray | float:
    """1 / (1 + e^-z), element-wise; any shape."""
    return 1.0 / (1.0 + np.exp(-z))


def squared_error(z: np.ndarray, t: float) -> np.ndarray:
    """C = 1/2 (sigma(z) - t)^2, element-wise; z: any shape."""
    return 0.5 * (sigmoid(z) - t) ** 2


def cross_entropy(z: np.ndarray, t: float) -> np.ndarray:
    """C = -[t ln sigma(z) + (1 - t) ln(1 - sigma(z))], element-wise; z: any shape."""
    return -(t * np.log(sigmoid(z)) + (1 - t) * np.log(sigmoid(-z)))


def squared_error_dC_dz(z: np.ndarray, t: float) -> np.ndarray:
    """(a - t) sigma'(z) with a = sigma(z); z: any shape."""
    a = sigmoid(z)
    return (a - t) * a * (1 - a)


def cross_entropy_dC_dz(z: np.ndarray, t: float) -> np.ndarray:
    """a - t with a = sigma(z); z: any shape."""
    return sigmoid(z) - t


DC_DZ: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    "squared error": squared_error_dC_dz,
    "cross-entropy": cross_entropy_dC_dz,
}


def outputs_during_training(dC_dz: Callable[[np.ndarray, float], np.ndarray]) -> np.ndarray:
    """The neuron's output a before each of N_STEPS steps and after the last: (N_STEPS + 1,)."""
    w, b = W0, B0
    outputs = np.empty(N_STEPS + 1)
    for step in range(N_STEPS + 1):
        z = w * X + b
        outputs[step] = sigmoid(z)
        grad = dC_dz(z, T)
        w, b = w - LR * X * grad, b - LR * grad  # dC/dw = x dC/dz, dC/db = dC/dz
    return outputs


CURVES = {name: outputs_during_training(dC_dz) for name, dC_dz in DC_DZ.items()}
FIRST_GRAD = {name: float(dC_dz(W0 * X + B0, T)) for name, dC_dz in DC_DZ.items()}


def steps_until_below_half(name: str) -> int:
    below = np.flatnonzero(CURVES[name] < 0.5)
    assert below.size, f"{name}: a never falls below 0.5 in {N_STEPS} steps"
    return int(below[0])


@dataclass(frozen=True)
class Quote:
    """A figure of the section's prose: where the prose says it, where the output prints it."""

    why: str
    prose: str  # the markdown, with {} where the figure stands
    printed: str  # a regex with one group: the figure in the stored outputs
    value: float  # recomputed here
    fmt: str  # how the notebook prints it


QUOTES = [
    Quote(
        "squared error's dC/dz at the start",
        r"$\partial C/\partial z$ starts at {}, and the output",
        r"squared error: dC/dz = ([\d.]+) at the start",
        FIRST_GRAD["squared error"],
        "{:.3g}",
    ),
    Quote(
        "squared error's output after 100 steps",
        "after 100 steps it is still {}.",
        r"squared error: .*a after 100, 200, 300 steps: ([\d.]+),",
        CURVES["squared error"][100],
        "{:.3f}",
    ),
    Quote(
        "squared error's steps until a < 0.5",
        "It needs {} steps to fall below 0.5.",
        r"squared error: .*a < 0\.5 after (\d+) steps",
        steps_until_below_half("squared error"),
        "{:.0f}",
    ),
    Quote(
        "cross-entropy's dC/dz at the start",
        r"$\partial C/\partial z$ starts at {}, 57 times larger",
        r"cross-entropy: dC/dz = ([\d.]+) at the start",
        FIRST_GRAD["cross-entropy"],
        "{:.3g}",
    ),
    Quote(
        "the ratio of the two first gradients",
        "starts at 0.982, {} times larger",
        r"cross-entropy's dC/dz is (\d+) times squared error's",
        FIRST_GRAD["cross-entropy"] / FIRST_GRAD["squared error"],
        "{:.0f}",
    ),
    Quote(
        "cross-entropy's steps until a < 0.5",
        "the output falls below 0.5 after {} steps.",
        r"cross-entropy: .*a < 0\.5 after (\d+) steps",
        steps_until_below_half("cross-entropy"),
        "{:.0f}",
    ),
]


def _cells() -> list[dict]:
    return json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]


def _source(cell: dict) -> str:
    return "".join(cell["source"])


def _section() -> list[dict]:
    """The cells from the section's heading to the next `## ` heading."""
    cells = _cells()
    start = next(i for i, c in enumerate(cells) if _source(c).startswith(SECTION))
    end = next(
        i
        for i in range(start + 1, len(cells))
        if cells[i]["cell_type"] == "markdown" and _source(cells[i]).startswith("## ")
    )
    return cells[start:end]


def _markdown() -> str:
    return "\n".join(_source(c) for c in _section() if c["cell_type"] == "markdown")


def _printed() -> str:
    texts = []
    for cell in _section():
        for out in cell.get("outputs", []):
            texts.append("".join(out.get("text", "")))
    return "\n".join(texts)


@pytest.mark.parametrize("quote", QUOTES, ids=lambda q: q.why)
def test_a_quoted_figure_is_the_recomputed_value_and_the_printed_one(quote):
    figure = quote.fmt.format(quote.value)
    assert quote.prose.format(figure) in _markdown(), f"{quote.why}: the prose should say {figure}"
    found = re.findall(quote.printed, _printed())
    assert found == [figure], f"{quote.why}: printed {found}, recomputed {figure}"


def test_the_start_is_the_one_the_prose_describes():
    """z = 4, a = sigma(4) = 0.982, as printed; the ratio of the two gradients is 1 / sigma'(4)."""
    a = sigmoid(W0 * X + B0)
    assert "start: x = 1, w = b = 2, so z = 4 and a = 0.982; target t = 0; learning rate 0.15" in (
        _printed()
    )
    assert f"{a:.3f}" == "0.982"
    ratio = FIRST_GRAD["cross-entropy"] / FIRST_GRAD["squared error"]
    assert ratio == pytest.approx(1 / (a * (1 - a)), rel=1e-12)
    assert "learning rate $\\eta = 0.15$" in _markdown()


def test_the_curves_show_the_slowdown():
    """Both outputs fall at every step; squared error is still near its start after 100 steps,
    and needs more than ten times as many steps as cross-entropy to reach a < 0.5."""
    for name, curve in CURVES.items():
        assert np.all(np.diff(curve) < 0), name
    assert CURVES["squared error"][100] > 0.95
    assert steps_until_below_half("squared error") > 10 * steps_until_below_half("cross-entropy")


@pytest.mark.parametrize("t", [0.0, 1.0])
@pytest.mark.parametrize(
    ("cost", "dC_dz"),
    [(squared_error, squared_error_dC_dz), (cross_entropy, cross_entropy_dC_dz)],
    ids=["squared error", "cross-entropy"],
)
def test_the_derived_dC_dz_agrees_with_finite_differences(cost, dC_dz, t):
    z = np.linspace(-8.0, 8.0, 161)
    eps = 1e-6
    slope = (cost(z + eps, t) - cost(z - eps, t)) / (2 * eps)
    assert np.allclose(slope, dC_dz(z, t), rtol=0, atol=1e-8)


def test_squared_error_agrees_with_course_lib():
    """A Linear layer, a Sigmoid and MSELoss: what the Sigmoid hands back is dC/dz."""
    layer = nn.Linear(1, 1, rng=0, dtype=np.float64)
    layer.W[...], layer.b[...] = W0, B0
    model = nn.Sequential(layer, nn.Sigmoid())
    loss = nn.MSELoss()
    loss.forward(model.forward(np.array([[X]])), np.array([[T]]))
    assert model[1].backward(loss.backward())[0, 0] == pytest.approx(
        FIRST_GRAD["squared error"], rel=1e-12
    )


def test_cross_entropy_is_softmax_over_the_logits_0_and_z():
    """The forward reference to notebook 05: softmax(0, z) gives sigma(z) to the second logit,
    so softmax cross-entropy with class 1 as "t = 1" is the sigmoid's cross-entropy, and its
    dC/dz for the second logit is a - t."""
    z = np.linspace(-6.0, 6.0, 13)
    logits = np.stack([np.zeros_like(z), z], axis=1)  # (13, 2)
    for t in (0, 1):
        loss = nn.SoftmaxCrossEntropy()
        mean_cost = loss.forward(logits, np.full(z.size, t))
        assert mean_cost == pytest.approx(cross_entropy(z, t).mean(), rel=1e-12)
        per_example = loss.backward() * z.size  # the loss is the mean: undo its 1/N
        assert np.allclose(per_example[:, 1], cross_entropy_dC_dz(z, t), rtol=1e-12, atol=1e-15)


def test_the_section_sits_after_vanishing_gradients_and_the_summary_and_quiz_name_it():
    headings = [
        line
        for cell in _cells()
        if cell["cell_type"] == "markdown"
        for line in _source(cell).splitlines()
        if line.startswith("## ")
    ]
    at = headings.index(SECTION)
    assert headings[at - 1] == "## Vanishing gradients" and headings[at + 1] == "## ReLU"
    summary = next(_source(c) for c in _cells() if _source(c).startswith("## Summary"))
    assert "$\\partial C/\\partial z = a - t$" in summary
    quiz = next(
        _source(c) for c in _cells() if _source(c).startswith("## Check your understanding")
    )
    numbers = [int(n) for n in re.findall(r"^(\d+)\. ", quiz, re.M)]
    assert numbers == list(range(1, len(numbers) + 1))
    assert quiz.count("<details><summary>Answer</summary>") == len(numbers)
    assert "cross-entropy" in quiz


def test_the_section_stores_one_figure():
    figures = [
        out
        for cell in _section()
        for out in cell.get("outputs", [])
        if "image/png" in out.get("data", {})
    ]
    assert len(figures) == 1
