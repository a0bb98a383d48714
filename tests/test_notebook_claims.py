"""Every figure a notebook's prose quotes is tied to the output the notebook stores.

Each claim names a notebook, a phrase of its markdown (so the claim is still made), a
pattern that finds the figure in the stored outputs, and the range the prose promises.
Only stored outputs are read (nbval checks elsewhere that a fresh run reproduces them, or
says which outputs vary with the machine); nothing is executed, so this runs in a second.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Claim:
    notebook: str
    phrase: str  # in a markdown cell: the prose that makes the claim
    output: str  # a regex with one group: the figure in a stored output
    low: float  # the range the phrase promises, inclusive
    high: float
    why: str


CLAIMS = [
    Claim(
        "notebooks/05_digit_classification.ipynb",
        "Without augmentation the final training loss is lower",
        r"no augmentation at all\s*: final training loss ([\d.]+)",
        0.500,
        0.5626,  # lower than the full recipe's, printed on the line before
        "05 question 3: the run without augmentation ends lower than the full recipe",
    ),
    Claim(
        "notebooks/05_digit_classification.ipynb",
        "yet the validation accuracy is lower too",
        r"validation accuracy ([\d.]+) points lower",
        0.1,
        5.0,
        "05 question 3: without augmentation the validation accuracy is lower",
    ),
    Claim(
        "notebooks/05_digit_classification.ipynb",
        "the loss cannot go below the floor printed",
        r"the lowest loss label smoothing allows: ([\d.]+)",
        0.50,
        0.5033,  # at most the loss of the run without augmentation
        "05 question 3: label smoothing's floor, about 0.50, below both runs",
    ),
    Claim(
        "notebooks/04_backward_pass.ipynb",
        "tens of thousands of times as long as backprop's millisecond or so",
        r"256-256-128-10 .*backprop ([\d,]+)× faster",
        10_000,
        99_999,
        "04 §7: the speed-up on the digit network is tens of thousands",
    ),
    Claim(
        "notebooks/04_backward_pass.ipynb",
        "tens of thousands of times as long as backprop's millisecond or so",
        r"256-256-128-10 .*backprop ([\d.]+) ms",
        0.0,
        3.0,  # a millisecond or so: what a busier machine measures too
        "04 §7: backprop on the digit network takes a millisecond or so",
    ),
    Claim(
        "notebooks/04_backward_pass.ipynb",
        "about a millisecond against tens of seconds (section 7)",
        r"256-256-128-10 .*finite differences ([\d.]+) s",
        10.0,
        99.99,
        "04 summary: finite differences on the digit network take tens of seconds",
    ),
    Claim(
        "notebooks/04_backward_pass.ipynb",
        "On the digit network the measured ratio comes close to the count's 2",
        r"256-256-128-10 .*measured: backward pass = ([\d.]+)× a forward pass",
        1.3,
        2.7,
        "04 §7: a backward pass costs about two forward passes on the digit network",
    ),
    Claim(
        "notebooks/04_backward_pass.ipynb",
        "The time per sampled parameter is printed beside\na forward pass's, about two of them",
        r"one sampled parameter costs ([\d.]+)× a forward pass",
        1.5,
        2.7,
        "04 §7: one finite difference costs two forward passes",
    ),
]


def _cells(notebook: str) -> list[dict]:
    return json.loads((ROOT / notebook).read_text(encoding="utf-8"))["cells"]


def _markdown(notebook: str) -> str:
    return "\n".join("".join(c["source"]) for c in _cells(notebook) if c["cell_type"] == "markdown")


def _outputs(notebook: str) -> str:
    texts = []
    for cell in _cells(notebook):
        for out in cell.get("outputs", []):
            text = out.get("text") or out.get("data", {}).get("text/plain") or ""
            texts.append("".join(text))
    return "\n".join(texts)


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.why)
def test_a_quoted_figure_matches_the_stored_output(claim):
    assert claim.phrase in _markdown(claim.notebook), f"the prose no longer says: {claim.phrase!r}"
    found = re.findall(claim.output, _outputs(claim.notebook))
    assert len(found) == 1, f"{claim.output!r} found {len(found)} times in the stored outputs"
    value = float(found[0].replace(",", ""))
    assert claim.low <= value <= claim.high, f"{claim.why}: stored {value}"


# Figures the prose must no longer quote: each was false when checked (issue 24).
STALE = [
    ("notebooks/05_digit_classification.ipynb", "0.006"),
    ("notebooks/05_digit_classification.ipynb", "2 points lower"),
    ("notebooks/05_digit_classification.ipynb", "the four tools"),
    ("notebooks/04_backward_pass.ipynb", "a minute or more"),
    ("notebooks/04b_vanishing_gradients.ipynb", "every amplifier is off"),
    # "the lecture" is the talk the course follows; the notebooks are "lecture notebook NN"
    ("solutions/04_backward_pass.ipynb", "the lecture notebooks"),
    ("solutions/04_backward_pass.ipynb", "The lecture stores"),
    ("solutions/04_backward_pass.ipynb", "the lectures'"),
    ("solutions/05_digit_classification.ipynb", "the lecture notebooks"),
    ("solutions/05_digit_classification.ipynb", "the lectures"),
    ("solutions/05_digit_classification.ipynb", "The lecture's\ncode"),
    # numbers the lecture notes (../shared/DESIGN.md) do not contain are our example's
    ("notebooks/03_forward_pass.ipynb", "the lecture's $z = (4, -2)$"),
    ("notebooks/03_forward_pass.ipynb", "The lecture's first example"),
    ("notebooks/04_backward_pass.ipynb", "the lecture's output"),
    ("notebooks/02_chain_rule.ipynb", "the lecture's first neuron"),
]


@pytest.mark.parametrize(("notebook", "phrase"), STALE)
def test_a_stale_claim_is_gone(notebook, phrase):
    assert phrase not in _markdown(notebook)


def test_the_tools_counted_are_the_tools_listed():
    """05 counts its new tools twice (objectives, section 3): the same count and the same list."""
    text = _markdown("notebooks/05_digit_classification.ipynb")
    assert "the five tools this notebook adds" in text and "Five tools are new" in text
    for tool in ("learning-rate", "augmentation", "weight decay", "ensemble", "label smoothing"):
        assert all(tool in part for part in re.findall(r"(?:five tools|Five tools)[^.]*", text)), (
            tool
        )
    headings = re.findall(r"^### 3\.\d+ (.*)$", text, flags=re.M)
    tools = {"A learning-rate schedule", "Data augmentation", "Weight decay", "An ensemble"}
    assert sum(h.split(":")[0] in tools | {"Label smoothing"} for h in headings) == 5


@pytest.mark.parametrize(
    ("name", "field", "digits"),
    [("final_loss", "final_loss", 4), ("validation", "validation_accuracy", 5)],
)
def test_the_figures_of_question_3_are_the_stored_ablation_runs(name, field, digits):
    """05 question 3 copies two final losses and two validation accuracies from
    benchmarks/results/ablation_train.json (the table of the appendix, notebook 05b)."""
    rows = json.loads((ROOT / "benchmarks/results/ablation_train.json").read_text())["rows"]
    stored = {row["change"]: row[field] for row in rows}
    source = "".join(
        "".join(c["source"]) for c in _cells("notebooks/05_digit_classification.ipynb")
    )
    quoted = re.search(name + r" = \{([^}]*)\}", source).group(1)
    pairs = dict(re.findall(r'"([^"]+)": ([\d.]+)', quoted))
    assert set(pairs) == {"full recipe", "no augmentation at all"}
    for change, value in pairs.items():
        assert float(value) == round(stored[change], digits), change
