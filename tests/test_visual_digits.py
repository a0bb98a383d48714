"""Fast unit tests of course_lib.visual.digits (the pictures and widget of notebook 05)."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from course_lib.train import History
from course_lib.visual.digits import (
    DigitExplorer,
    LivePlot,
    first_of_each_class,
    misclassified,
    most_confused,
    show_confusion,
    show_digits,
    show_misclassified,
    show_weights,
)

rng = np.random.default_rng(0)
X = rng.random((40, 256)).astype(np.float32)
y = np.arange(40) % 10
probs = rng.dirichlet(np.ones(10), size=40)


def test_misclassified_returns_only_wrong_predictions():
    y_pred = y.copy()
    y_pred[[3, 17, 25]] = (y[[3, 17, 25]] + 1) % 10
    wrong = misclassified(y, y_pred)
    assert wrong.tolist() == [3, 17, 25]
    assert np.all(y_pred[wrong] != y[wrong])
    assert misclassified(y, y).size == 0


def test_most_confused_ignores_diagonal_and_sorts():
    cm = np.diag(np.full(10, 50))
    cm[4, 9], cm[9, 4], cm[3, 5], cm[2, 8] = 6, 1, 6, 2
    assert most_confused(cm, k=3) == [(3, 5, 6), (4, 9, 6), (2, 8, 2)]
    assert len(most_confused(cm, k=10)) == 4  # only the non-zero mistakes


def test_first_of_each_class():
    idx = first_of_each_class(y, per_class=4)
    assert idx.shape == (10, 4)
    assert np.all(y[idx] == np.arange(10)[:, None])
    with pytest.raises(ValueError, match="class 0 has only 4 examples"):
        first_of_each_class(y, per_class=5)


def test_explorer_message_for_out_of_range_index():
    explorer = DigitExplorer(X, y, probs)
    assert explorer.message(0) is None and explorer.message(39) is None
    assert explorer.message(40) == "There is no test digit #40: choose an index from 0 to 39."
    assert "from 0 to 39" in explorer.message(-1)
    explorer.update(1000)  # a message, not an exception; the slider stays where it was
    assert explorer.slider.value == 0 and explorer.box.value == 1000
    explorer.update(7)  # the box and the slider follow
    assert explorer.slider.value == 7 and explorer.box.value == 7
    explorer.slider.value = 12
    assert explorer.box.value == 12


def test_explorer_figure_names_label_and_prediction():
    explorer = DigitExplorer(X, y, probs, index=5)
    fig = explorer.figure(5)
    titles = " ".join(ax.get_title() for ax in fig.axes)
    assert f"true label {y[5]}" in titles and f"prediction {np.argmax(probs[5])}" in titles


def test_plots_return_figures():
    assert isinstance(show_digits(X, y, per_class=2), Figure)
    cm = np.diag(np.full(10, 5))
    cm[4, 9] = 2
    assert isinstance(show_confusion(cm), Figure)
    fig = show_misclassified(X, y, probs, np.arange(7))
    assert len(fig.axes) == 14  # an image and a bar chart per digit
    assert len([ax for ax in show_weights(X.T, n=10).axes if ax.get_visible()]) == 10
    with pytest.raises(ValueError, match=r"\(256, n_hidden\)"):
        show_weights(X)


def test_live_plot_redraws_from_history():
    live = LivePlot(epochs=3, display=False)
    history = History(loss=[0.5, 0.2], train_accuracy=[0.8, 0.9], val_accuracy=[0.85, 0.88])
    live(1, history)
    assert len(live.ax_loss.lines) == 1 and len(live.ax_acc.lines) == 2
    assert live.ax_acc.get_ylim()[0] < 0.8  # the accuracy axis extends to show every point
