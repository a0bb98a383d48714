"""Pictures and a widget for the digit classifier (notebook 05, lecture point 9).

A digit is a row of 256 numbers in [0, 1]; reshaped to 16x16 it is an image again.
Everything here draws on a ``matplotlib.figure.Figure`` created directly (not through
``pyplot``), so a figure appears exactly where it is displayed and never twice.

- :func:`show_digits`: a grid of examples, a few of each class, with their labels.
- :class:`LivePlot`: an ``on_epoch_end`` callback for ``fit`` that redraws the loss
  and accuracy curves in place while the network trains.
- :func:`show_confusion` and :func:`most_confused`: the confusion matrix as a heatmap,
  and its largest off-diagonal entries.
- :func:`misclassified` and :func:`show_misclassified`: the mistakes, with the
  predicted probabilities.
- :func:`show_weights`: the first layer's weights as 16x16 images.
- :class:`DigitExplorer`: pick a test digit, see the image and the 10 probabilities.
- :func:`show_distortions`: a few digits next to random distortions of them (augmentation).
- :func:`show_speed`: seconds per epoch and accuracy of several implementations (a benchmark).
"""

from __future__ import annotations

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

SIDE = 16  # a USPS image is SIDE x SIDE pixels
DIGITS = np.arange(10)


def as_image(x: np.ndarray) -> np.ndarray:
    """One digit as an image: (256,) -> (16, 16), row-major as stored."""
    x = np.asarray(x)
    if x.shape != (SIDE * SIDE,):
        raise ValueError(f"expected one digit of shape ({SIDE * SIDE},), got {x.shape}")
    return x.reshape(SIDE, SIDE)


def _draw_digit(ax: Axes, x: np.ndarray) -> None:
    ax.imshow(as_image(x), cmap="gray_r", vmin=0, vmax=1)  # ink is dark, paper is white
    ax.set_xticks([])
    ax.set_yticks([])


def first_of_each_class(y: np.ndarray, per_class: int = 4, n_classes: int = 10) -> np.ndarray:
    """Indices of the first ``per_class`` examples of every class: (n_classes, per_class)."""
    y = np.asarray(y)
    rows = []
    for k in range(n_classes):
        idx = np.flatnonzero(y == k)[:per_class]
        if len(idx) < per_class:
            raise ValueError(f"class {k} has only {len(idx)} examples, {per_class} were asked")
        rows.append(idx)
    return np.array(rows)


def show_digits(X: np.ndarray, y: np.ndarray, per_class: int = 4) -> Figure:
    """A grid with ``per_class`` examples of each digit (one column per class), titled by label.

    X: (N, 256), y: (N,) labels 0..9.
    """
    idx = first_of_each_class(y, per_class)  # (10, per_class)
    fig = Figure(figsize=(10, 1.1 * per_class + 0.3), layout="constrained")
    axes = fig.subplots(per_class, 10, squeeze=False)
    for k in range(10):
        for r in range(per_class):
            i = idx[k, r]
            _draw_digit(axes[r, k], X[i])
            axes[r, k].set_title(f"{y[i]}  (#{i})", fontsize=8)
    return fig


# ----- training -----


class LivePlot:
    """Loss and accuracy curves redrawn after every epoch: pass it as ``on_epoch_end``.

    ``LivePlot(epochs)`` shows an empty figure at once (with an IPython display
    handle); each call ``live(epoch, history)`` redraws it and updates that display,
    so the curves grow in place while ``fit`` runs.
    """

    def __init__(self, epochs: int, display: bool = True, val_label: str = "validation") -> None:
        self.epochs = int(epochs)
        self.val_label = val_label  # what fit's validation data is: the accuracy curve's label
        self.fig = Figure(figsize=(9, 3.2), layout="constrained")
        self.ax_loss, self.ax_acc = self.fig.subplots(1, 2)
        self.handle = None
        self._draw(None)
        if display:
            from IPython.display import display as show

            self.handle = show(self.fig, display_id=True)

    def _draw(self, history) -> None:
        ax, bx = self.ax_loss, self.ax_acc
        ax.clear()
        bx.clear()
        low = 0.9  # the accuracy axis starts at 90%, or lower if a curve needs it
        if history is not None and history.loss:
            epochs = np.arange(1, len(history.loss) + 1)
            ax.plot(epochs, history.loss, "o-", label="training loss")
            if history.train_accuracy:
                bx.plot(epochs, history.train_accuracy, "o-", label="training (as seen)")
            if history.val_accuracy:
                bx.plot(epochs, history.val_accuracy, "s-", label=self.val_label)
            bx.legend(loc="lower right")
            low = min([low, *history.train_accuracy, *history.val_accuracy])
        ax.set(
            xlim=(0.5, self.epochs + 0.5),
            xlabel="epoch",
            ylabel="mean cost C",
            yscale="log",
            title="loss",
        )
        bx.set(
            xlim=(0.5, self.epochs + 0.5),
            ylim=(low - 0.005, 1.002),
            xlabel="epoch",
            ylabel="accuracy",
            title="accuracy",
        )
        ax.grid(alpha=0.3)
        bx.grid(alpha=0.3)

    def __call__(self, epoch: int, history) -> None:
        """Redraw with the curves so far; ``history`` is ``fit``'s History."""
        self._draw(history)
        if self.handle is not None:
            self.handle.update(self.fig)


# ----- evaluation -----


def show_confusion(cm: np.ndarray) -> Figure:
    """The confusion matrix (rows = true digit, columns = prediction) as an annotated heatmap.

    cm: (10, 10) int counts. Colours use a log scale so single mistakes are visible.
    """
    cm = np.asarray(cm)
    fig = Figure(figsize=(5.6, 5), layout="constrained")
    ax = fig.subplots()
    ax.imshow(np.log1p(cm), cmap="Blues")
    top = np.log1p(cm.max())
    for r in range(cm.shape[0]):
        for c in range(cm.shape[1]):
            if cm[r, c]:
                colour = "white" if np.log1p(cm[r, c]) > 0.6 * top else "black"
                ax.text(c, r, str(cm[r, c]), ha="center", va="center", fontsize=8, color=colour)
    ax.set(
        xticks=DIGITS,
        yticks=DIGITS,
        xlabel="predicted digit",
        ylabel="true digit",
        title="confusion matrix (test set)",
    )
    return fig


def most_confused(cm: np.ndarray, k: int = 5) -> list[tuple[int, int, int]]:
    """The ``k`` largest off-diagonal entries of ``cm`` as ``(true, predicted, count)``.

    Ties are broken by (true, predicted) order, so the result is deterministic.
    """
    cm = np.asarray(cm)
    pairs = [
        (int(cm[t, p]), t, p)
        for t in range(cm.shape[0])
        for p in range(cm.shape[1])
        if t != p and cm[t, p] > 0
    ]
    pairs.sort(key=lambda e: (-e[0], e[1], e[2]))
    return [(t, p, n) for n, t, p in pairs[:k]]


def misclassified(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Indices where the prediction is wrong, in increasing order: (M,) int."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred differ in shape: {y_true.shape} vs {y_pred.shape}")
    return np.flatnonzero(y_true != y_pred)


def _draw_probs(ax: Axes, p: np.ndarray, true: int, fontsize: int = 7) -> None:
    """A bar per digit: the prediction in red (green if right), the true digit outlined."""
    pred = int(np.argmax(p))
    colours = ["tab:gray"] * 10
    colours[true] = "tab:green"
    if pred != true:
        colours[pred] = "tab:red"
    ax.bar(DIGITS, p, color=colours)
    ax.set(ylim=(0, 1), xticks=DIGITS)
    ax.tick_params(labelsize=fontsize)
    label = ax.get_xticklabels()[true]  # the true digit's label in bold green, even if its bar is 0
    label.set_color("tab:green")
    label.set_fontweight("bold")


def show_misclassified(
    X: np.ndarray, y_true: np.ndarray, probs: np.ndarray, indices: np.ndarray
) -> Figure:
    """Each digit of ``indices`` with its label, prediction and a bar chart of probabilities.

    X: (N, 256), y_true: (N,), probs: (N, 10) predicted probabilities. Up to 6 per row;
    The title gives the two most probable digits; in the bar chart the true digit is
    green (and its label bold green), the wrong prediction red.
    """
    indices = np.asarray(indices)
    cols = min(6, len(indices))
    rows = -(-len(indices) // cols)
    fig = Figure(figsize=(1.7 * cols, 2.9 * rows), layout="constrained")
    grid = fig.add_gridspec(2 * rows, cols, height_ratios=[1.6, 1] * rows)
    for j, i in enumerate(indices):
        r, c = divmod(j, cols)
        ax = fig.add_subplot(grid[2 * r, c])
        _draw_digit(ax, X[i])
        p = probs[i]
        pred, second = np.argsort(-p, kind="stable")[:2]
        ax.set_title(
            f"#{i}: true {y_true[i]}\npred {pred} {p[pred]:.0%}, {second} {p[second]:.0%}",
            fontsize=8,
        )
        _draw_probs(fig.add_subplot(grid[2 * r + 1, c]), p, int(y_true[i]))
    return fig


def show_weights(W: np.ndarray, n: int = 16, cols: int = 8, title: str | None = None) -> Figure:
    """The weights into the first ``n`` hidden units, each as a 16x16 image.

    W: (256, n_hidden), the first Linear layer's W (or its change during training);
    column j holds the 256 weights into hidden unit j. Red = positive (ink there
    raises z), blue = negative, white = 0; one symmetric colour scale per image.
    """
    W = np.asarray(W)
    if W.ndim != 2 or W.shape[0] != SIDE * SIDE:
        raise ValueError(f"expected first-layer weights of shape (256, n_hidden), got {W.shape}")
    n = min(n, W.shape[1])
    rows = -(-n // cols)
    fig = Figure(figsize=(1.3 * cols, 1.4 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False)
    for j, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if j >= n:
            ax.set_visible(False)
            continue
        w = W[:, j]
        lim = float(np.abs(w).max()) or 1.0
        ax.imshow(as_image(w), cmap="RdBu_r", vmin=-lim, vmax=lim)
        ax.set_title(f"unit {j}", fontsize=8)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


def show_distortions(originals: np.ndarray, distorted: list[np.ndarray]) -> Figure:
    """Each original digit (first column) beside its distorted versions (one per column).

    originals: (n, 256); distorted: a list of (n, 256), one array per column.
    """
    originals = np.asarray(originals)
    cols = 1 + len(distorted)
    fig = Figure(figsize=(0.9 * cols, 0.95 * len(originals)), layout="constrained")
    axes = fig.subplots(len(originals), cols, squeeze=False)
    for i, row in enumerate(axes):
        for j, ax in enumerate(row):
            _draw_digit(ax, originals[i] if j == 0 else distorted[j - 1][i])
    axes[0, 0].set_title("original", fontsize=8)
    for j in range(1, cols):
        axes[0, j].set_title(f"epoch {j}", fontsize=8)
    return fig


def show_speed(rows: list[dict], title: str = "") -> Figure:
    """Bars of seconds per epoch, labelled with test accuracy, one per implementation.

    rows: dicts with "implementation", "seconds_per_epoch" and "test_accuracy"
    (as the instructor's training benchmark writes them with --json).
    """
    names = [r["implementation"] for r in rows]
    seconds = [r["seconds_per_epoch"] for r in rows]
    fig = Figure(figsize=(7, 0.45 * len(rows) + 1.0), layout="constrained")
    ax = fig.subplots()
    bars = ax.barh(names, seconds, color="tab:blue")
    ax.invert_yaxis()  # the first row on top
    for bar, r in zip(bars, rows, strict=True):
        ax.text(
            bar.get_width(),
            bar.get_y() + bar.get_height() / 2,
            f" {r['seconds_per_epoch'] * 1000:.0f} ms, {r['test_accuracy']:.1%}",
            va="center",
            fontsize=8,
        )
    ax.set_xlim(0, 1.35 * max(seconds))
    ax.set_xlabel("seconds per epoch (lower is faster); label: ms per epoch, test accuracy")
    if title:
        ax.set_title(title, fontsize=9)
    return fig


# ----- widget -----


class DigitExplorer:
    """Pick a test digit by index; see the image, the 10 probabilities and the prediction.

    X: (N, 256) images, y: (N,) true labels, probs: (N, 10) predicted probabilities.
    A slider browses 0..N-1; a text box accepts any whole number, and an index out of
    range shows a message instead of an error. ``update(index)`` redraws (also callable
    from code); ``message(index)`` returns the text shown for an invalid index, or None.
    """

    def __init__(self, X: np.ndarray, y: np.ndarray, probs: np.ndarray, index: int = 0) -> None:
        import ipywidgets as w

        self.X, self.y, self.probs = np.asarray(X), np.asarray(y), np.asarray(probs)
        if not len(self.X) == len(self.y) == len(self.probs):
            raise ValueError(
                f"X, y and probs need one row per digit, got {len(self.X)}, {len(self.y)} "
                f"and {len(self.probs)} rows"
            )
        n = len(self.y)
        self.slider = w.IntSlider(
            value=0, min=0, max=n - 1, description="test digit", continuous_update=False
        )
        self.box = w.IntText(value=0, description="or type:")
        self.out = w.Output()
        self.widget = w.VBox([w.HBox([self.slider, self.box]), self.out])
        self.slider.observe(lambda change: self._from_slider(change["new"]), names="value")
        self.box.observe(lambda change: self.update(change["new"]), names="value")
        self.update(index)  # a real initial state

    def message(self, index: int) -> str | None:
        """Why ``index`` cannot be shown, or None if it is a valid test index."""
        n = len(self.y)
        if not 0 <= index < n:
            return f"There is no test digit #{index}: choose an index from 0 to {n - 1}."
        return None

    def figure(self, index: int) -> Figure:
        """The picture for a valid ``index``: the digit and its 10 probabilities."""
        p = self.probs[index]
        pred, true = int(np.argmax(p)), int(self.y[index])
        verdict = "right" if pred == true else "wrong"
        fig = Figure(figsize=(6.4, 2.6), layout="constrained")
        ax_img, ax_bar = fig.subplots(1, 2, width_ratios=[1, 1.8])
        _draw_digit(ax_img, self.X[index])
        ax_img.set_title(f"test digit #{index}: true label {true}", fontsize=9)
        _draw_probs(ax_bar, p, true, fontsize=9)
        ax_bar.set_title(f"prediction {pred} ({p[pred]:.1%}), {verdict}", fontsize=9)
        ax_bar.set_xlabel("digit")
        ax_bar.set_ylabel("probability")
        return fig

    def _from_slider(self, index: int) -> None:
        if self.box.value != index:
            self.box.value = index  # the box's observer calls update

    def update(self, index: int) -> None:
        """Show test digit ``index``, or a message if there is none."""
        from IPython.display import display

        index = int(index)
        if self.box.value != index:
            self.box.value = index  # the box's observer calls update again, with this index
            return
        problem = self.message(index)
        if problem is None and self.slider.value != index:
            self.slider.value = index  # keep the slider in step with the box
        with self.out:
            self.out.clear_output(wait=True)
            if problem is not None:
                print(problem)
            else:
                display(self.figure(index))

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
