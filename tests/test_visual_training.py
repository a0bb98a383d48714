"""The training pictures of notebook 05: distortions beside originals, the speed comparison."""

import numpy as np
import pytest

from course_lib.train import History
from course_lib.visual.digits import LivePlot, show_distortions, show_speed


def test_show_distortions_puts_each_version_in_its_column():
    originals = np.zeros((3, 256))
    fig = show_distortions(originals, [originals + 0.5, originals + 1.0])
    assert len(fig.axes) == 3 * 3
    assert fig.axes[0].get_title() == "original" and fig.axes[2].get_title() == "epoch 2"


def test_show_speed_labels_every_bar():
    rows = [
        {"implementation": "a", "seconds_per_epoch": 0.02, "test_accuracy": 0.94},
        {"implementation": "b", "seconds_per_epoch": 0.05, "test_accuracy": 0.93},
    ]
    fig = show_speed(rows, title="t")
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts == [" 20 ms, 94.0%", " 50 ms, 93.0%"]
    with pytest.raises(KeyError):
        show_speed([{"implementation": "a"}])


def test_live_plot_names_the_validation_curve():
    live = LivePlot(2, display=False)
    live(1, History(loss=[0.5, 0.2], val_accuracy=[0.9, 0.95]))
    assert [t.get_text() for t in live.ax_acc.get_legend().get_texts()] == ["validation"]
