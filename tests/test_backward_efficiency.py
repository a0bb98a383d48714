"""Why the backward pass goes backwards (notebook 04, lecture point 13): the counts are right.

course_lib.visual.path_count counts paths and calls layer by layer; here they are held
against closed forms, the naive recursion is run and its calls counted, and the numbers
notebook 04 prints and quotes are tied to the functions. Nothing here executes a notebook.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from course_lib.visual import network as netviz
from course_lib.visual import path_count

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "04_backward_pass.ipynb"


def uniform(n: int, layers: int, n_in: int | None = None) -> list[int]:
    """``layers`` layers of ``n`` neurons each, after ``n_in`` inputs (``n`` by default)."""
    return [n if n_in is None else n_in] + [n] * layers


def closed_form_naive_calls(n: int, layers: int) -> int:
    """Calls for one neuron of layer l: 1 + n + ... + n^(L-l); every neuron asked once."""
    return n * sum(sum(n**k for k in range(m)) for m in range(1, layers + 1))


@pytest.mark.parametrize(("n", "layers"), [(1, 1), (1, 7), (2, 3), (3, 5), (10, 10), (7, 2)])
def test_counts_of_a_uniform_network_match_the_closed_forms(n, layers):
    sizes = uniform(n, layers, n_in=5)
    assert path_count.count_paths(sizes) == n ** (layers - 1)
    assert path_count.naive_calls(sizes) == closed_form_naive_calls(n, layers)
    if n > 1:  # the geometric sums in closed form
        geometric = n * sum((n**m - 1) // (n - 1) for m in range(1, layers + 1))
        assert path_count.naive_calls(sizes) == geometric
    assert path_count.sweep_values(sizes) == n * layers


@pytest.mark.parametrize("sizes", [[256, 64, 10], [256, 256, 128, 10], [2, 2, 2, 2], [3, 5, 1]])
def test_paths_are_the_product_of_the_later_layers(sizes):
    assert path_count.count_paths(sizes) == math.prod(sizes[2:])
    assert path_count.sweep_values(sizes) == sum(sizes[1:])


def test_the_quoted_networks():
    assert path_count.count_paths([10] * 11) == 10**9
    assert path_count.naive_calls([10] * 11) == 12_345_679_000
    assert path_count.naive_calls([256, 256, 128, 10]) == 10 + 128 * 11 + 256 * (1 + 128 * 11)


@pytest.mark.parametrize(("sizes", "seed"), [([3, 4, 4, 4, 2], 0), ([2, 2, 2, 2], 1), ([4, 3], 2)])
def test_the_naive_recursion_gives_the_sweeps_values_with_the_counted_calls(sizes, seed):
    rng = np.random.default_rng(seed)
    pairs = list(zip(sizes[:-1], sizes[1:], strict=True))
    weights = [rng.standard_normal(shape) for shape in pairs]
    biases = [rng.standard_normal(n_out) for _, n_out in pairs]
    x, t = rng.standard_normal(sizes[0]), rng.uniform(size=sizes[-1])
    _, activations = netviz.forward_values(weights, biases, x)
    deltas, calls = path_count.naive_backward(weights, activations, activations[-1] - t)
    assert calls == path_count.naive_calls(sizes)
    # the sweep of course_lib.visual.network, output layer first; inputs left out
    steps = [s for s in netviz.backward_steps(weights, biases, x, t) if s.layer > 0]
    for s in steps:
        assert deltas[s.layer - 1][s.index] == pytest.approx(s.value, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("sizes", [[], [3], [3, 0, 2]])
def test_bad_sizes_are_named(sizes):
    with pytest.raises(ValueError, match="expected sizes"):
        path_count.count_paths(sizes)


def test_the_lecture_summary_network_is_labelled_z1_to_z6():
    assert netviz.node_names([2, 2, 2, 2])[1:] == [["z1", "z2"], ["z3", "z4"], ["z5", "z6"]]
    assert netviz.node_names([2, 2, 2]) == [["x1", "x2"], ["z1", "z2"], ["z'", "z''"]]


# ----- notebook 04: what it prints and what its prose quotes -----


def _notebook() -> tuple[str, str]:
    cells = json.loads(NOTEBOOK.read_text())["cells"]
    markdown = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    outputs = "\n".join(
        "".join(o.get("text", "")) for c in cells if c["cell_type"] == "code" for o in c["outputs"]
    )
    return markdown, outputs


def test_notebook_prints_the_counts_of_the_functions():
    _, outputs = _notebook()
    rows = {
        "2-2-2-2 (the lecture's summary)": [2, 2, 2, 2],
        "256-64-10": [256, 64, 10],
        "256-256-128-10 (section 7)": [256, 256, 128, 10],
        "10 layers of width 10": [10] * 11,
    }
    for name, sizes in rows.items():
        found = re.findall(rf"^{re.escape(name)} +([\d,]+) +([\d,]+) +(\d+)$", outputs, re.M)
        assert len(found) == 1, name
        printed = [int(v.replace(",", "")) for v in found[0]]
        expected = [path_count.count_paths(sizes), path_count.naive_calls(sizes)]
        assert printed == expected + [path_count.sweep_values(sizes)], name
    ran = re.search(r"3-4-4-4-4-4-2: naive recursion ([\d,]+) calls, backward sweep (\d+)", outputs)
    sizes = [3, 4, 4, 4, 4, 4, 2]
    assert int(ran[1].replace(",", "")) == path_count.naive_calls(sizes)
    assert int(ran[2]) == path_count.sweep_values(sizes)


def test_notebook_prose_quotes_the_printed_counts():
    markdown, outputs = _notebook()
    assert "100 values against more than 12 billion calls" in markdown
    assert path_count.sweep_values([10] * 11) == 100
    assert 12e9 < path_count.naive_calls([10] * 11) < 13e9
    assert "For the digit network that is 99 978 passes" in markdown
    assert "forward mode, digit network: 99,978 passes" in outputs
    assert "$n^{D-1}$ paths" in markdown
