"""Notebook 04's warm-up (a chain of one neuron per layer) and its optional PyTorch check.

The warm-up's stored table is tied to an independent computation (course_lib.autodiff's
scalar engine) and to what the prose says about it. The PyTorch cell's output depends on
whether PyTorch is installed, so nbval does not compare it (tag ``nbval-ignore-output``);
it is run here instead: with PyTorch hidden it must print the message the notebook stores,
and with PyTorch installed its comparison must hold (without PyTorch that test is skipped,
and reported as skipped). Only the notebook's cells up to the end of section 2 are run.
"""

from __future__ import annotations

import contextlib
import io
import re
import sys
from pathlib import Path

import matplotlib
import nbformat
import numpy as np
import pytest

from course_lib.autodiff import Value

matplotlib.use("Agg")

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "04_backward_pass.ipynb"
WARM_UP = "### Warm-up: one neuron per layer"
SECTION_2 = "## 2. The lecture's network by hand"
SECTION_3 = "## 3. The reversed network"
TORCH_CELL = "try:\n    import torch\n"
ROW = re.compile(
    r"^\s*(\d)\s+([+-]\d+\.\d+)\s+(\d\.\d+)\s+([+-]\d+\.\d|-)\s+([+-]\d\.\d+)\s+\(([+-]\d\.\d+)\)"
    r"\s+(\d\.\d+)\s+([+-]\d\.\d+)\s+\(([+-]\d\.\d+)\)$",
    re.M,
)


def _cells() -> list:
    return nbformat.read(NOTEBOOK, as_version=4).cells


def _index(cells: list, test) -> int:
    found = [i for i, cell in enumerate(cells) if test(cell)]
    assert len(found) == 1, f"expected one such cell, found {len(found)}"
    return found[0]


def _heading(text: str):
    return lambda cell: cell.cell_type == "markdown" and cell.source.startswith(text)


def _is_torch_cell(cell) -> bool:
    return cell.cell_type == "code" and cell.source.startswith(TORCH_CELL)


def _stored_text(cell) -> str:
    return "".join(out.get("text", "") for out in cell.outputs if out.output_type == "stream")


def _warm_up_cell(cells: list):
    start = _index(cells, _heading(WARM_UP))
    return next(cell for cell in cells[start:] if cell.cell_type == "code")


@pytest.fixture(scope="module")
def namespace() -> dict:
    """What the notebook's kernel holds just before the PyTorch cell (its prints dropped)."""
    cells = _cells()
    ns: dict = {}
    with contextlib.redirect_stdout(io.StringIO()):
        for cell in cells[: _index(cells, _is_torch_cell)]:
            if cell.cell_type == "code":
                exec(cell.source, ns)
    return ns


def _run_torch_cell(namespace: dict, capsys) -> tuple[dict, str]:
    ns = dict(namespace)
    capsys.readouterr()
    exec(next(c for c in _cells() if _is_torch_cell(c)).source, ns)
    return ns, capsys.readouterr().out


# ----- where the two additions sit -----


def test_the_warm_up_comes_before_section_2_and_the_pytorch_cell_closes_it():
    cells = _cells()
    warm_up, section_2 = _index(cells, _heading(WARM_UP)), _index(cells, _heading(SECTION_2))
    torch_cell, section_3 = _index(cells, _is_torch_cell), _index(cells, _heading(SECTION_3))
    assert warm_up < section_2 < torch_cell < section_3
    assert "nbval-ignore-output" in cells[torch_cell].metadata.get("tags", [])
    assert "nbval-ignore-output" not in _warm_up_cell(cells).metadata.get("tags", [])


# ----- the warm-up: a chain of one neuron per layer -----


@pytest.fixture(scope="module")
def table() -> list[dict[str, float]]:
    """The warm-up's stored table, one dict per row, output layer first."""
    rows = ROW.findall(_stored_text(_warm_up_cell(_cells())))
    keys = ["layer", "z", "amplifier", "next_w", "dz", "dz_fd", "a_in", "dw", "dw_fd"]
    return [
        {key: float("nan") if v == "-" else float(v) for key, v in zip(keys, row, strict=True)}
        for row in rows
    ]


def _autodiff_chain(ns: dict) -> tuple[list[Value], list[Value], list[Value]]:
    """The chain built from Values: (z of each layer, its weight, its input a), after backward()."""
    a = Value(ns["chain_x"])
    zs, ws, inputs = [], [], []
    for w_l, b_l in zip(ns["chain_w"], ns["chain_b"], strict=True):
        w = Value(w_l)
        inputs.append(a)
        z = w * a + b_l
        zs.append(z)
        ws.append(w)
        a = z.sigmoid()
    cost = 0.5 * (a - ns["chain_t"]) ** 2
    cost.backward()
    return zs, ws, inputs


def test_the_table_has_the_three_layers_from_the_output_back(table):
    assert [row["layer"] for row in table] == [3, 2, 1]
    assert np.isnan(table[0]["next_w"])  # the output layer has no next weight


def test_the_table_is_what_an_independent_autodiff_computes(namespace, table):
    zs, ws, inputs = _autodiff_chain(namespace)
    for row in table:
        i = int(row["layer"]) - 1
        sigma = zs[i].sigmoid().data
        assert row["z"] == pytest.approx(zs[i].data, abs=5.1e-5)
        assert row["amplifier"] == pytest.approx(sigma * (1 - sigma), abs=5.1e-5)
        assert row["a_in"] == pytest.approx(inputs[i].data, abs=5.1e-5)
        for key in ("dz", "dz_fd"):
            assert row[key] == pytest.approx(zs[i].grad, abs=5.1e-7), (row, key)
        for key in ("dw", "dw_fd"):
            assert row[key] == pytest.approx(ws[i].grad, abs=5.1e-7), (row, key)
        if i < 2:
            assert row["next_w"] == namespace["chain_w"][i + 1]


def test_each_dC_dz_is_the_one_above_times_the_two_numbers_of_its_row(table):
    """The prose: read from the top, each dC/dz is the one above it times sigma'(z) and the
    next weight, both printed on its own row (rounded, so the tolerance of 4 digits)."""
    prose = "".join(c.source for c in _cells() if c.cell_type == "markdown")
    assert "Each $\\partial C/\\partial z$ is the one above it times two numbers" in prose
    for above, row in zip(table[:-1], table[1:], strict=True):
        expected = row["amplifier"] * row["next_w"] * above["dz"]
        assert row["dz"] == pytest.approx(expected, rel=1e-3)
        assert row["dw"] == pytest.approx(row["a_in"] * row["dz"], rel=1e-3, abs=1e-6)


def test_the_chain_is_the_full_network_with_one_neuron_per_layer(namespace):
    """The prose: the full network is the same. The notebook's own backward(), written for
    layers of any width, gives the chain's dC/dz when every matrix is 1 x 1."""
    ns = namespace
    weights = [np.array([[w]]) for w in ns["chain_w"]]
    biases = [np.array([b]) for b in ns["chain_b"]]
    _, activations = ns["forward"](np.array([ns["chain_x"]]), weights, biases)
    deltas = ns["backward"](weights, activations, activations[-1] - ns["chain_t"])
    assert np.allclose(np.concatenate(deltas), ns["chain_dz"], rtol=1e-12, atol=0)


# ----- the optional PyTorch check -----


def test_without_pytorch_the_cell_prints_its_stored_message(namespace, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` raises ImportError
    ns, out = _run_torch_cell(namespace, capsys)
    assert ns["torch"] is None
    stored = _stored_text(next(c for c in _cells() if _is_torch_cell(c)))
    assert out == stored
    assert out.startswith("PyTorch is not installed: this optional check is skipped.")


def test_with_pytorch_its_autograd_agrees_with_the_notebook(namespace, capsys):
    torch = pytest.importorskip(
        "torch", reason="PyTorch is not installed: the notebook's optional check is not run"
    )
    ns, out = _run_torch_cell(namespace, capsys)  # the cell asserts the agreement itself
    found = re.fullmatch(
        r"PyTorch (\S+): dC/dz and dC/dW of all three layers agree with ours "
        r"\(largest difference ([\d.e+-]+)\)\n",
        out,
    )
    assert found, out
    assert found.group(1) == torch.__version__
    assert float(found.group(2)) < 1e-12
    dz, dW = ns["torch_gradients"](ns["lecture_weights"], ns["lecture_biases"], ns["x"], ns["t"])
    assert all(g.dtype == np.float64 for g in [*dz, *dW])
    assert [g.shape for g in dW] == [W.shape for W in ns["lecture_weights"]]
    print(f"PyTorch {torch.__version__}: largest difference {float(found.group(2)):.1e}")
