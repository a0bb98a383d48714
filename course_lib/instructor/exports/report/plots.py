"""The report's two plots, as SVG to put inline in the page: the totals of the class, and
what each exercise gave the class. Drawn by matplotlib without pyplot, the same bytes for
the same class: a fixed hash salt for the SVG's ids and no date in its metadata; the text
stays text (``svg.fonttype`` none), in the page's own font.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Sequence

import matplotlib
import matplotlib.backends.backend_svg  # noqa: F401 (savefig's SVG writer, imported before grading)
from matplotlib.figure import Figure

# Okabe and Ito's colours, told apart with any colour vision; by CATEGORIES key
COLOURS = {
    "full": "#009E73",
    "part": "#8fd3bd",
    "mistake": "#E69F00",
    "wrong": "#D55E00",
    "blocked": "#CC79A7",
    "stopped": "#0072B2",
    "not done": "#c8c8c8",
    "other": "#7a7a7a",
}
INK, GRID = "#222222", "#dddddd"


def _svg(figure, salt: str) -> str:
    """The figure as an <svg> element (no XML prolog), the same bytes every time."""
    out = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": f"course-lib-{salt}", "svg.fonttype": "none"}):
        figure.savefig(out, format="svg", metadata={"Date": None})
    text = out.getvalue()
    return text[text.index("<svg") :].strip()


def _figure(width: float, height: float):
    figure = Figure(figsize=(width, height), layout="constrained")
    ax = figure.add_subplot()
    ax.spines[["top", "right"]].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(INK)
    ax.tick_params(colors=INK, labelsize=10)
    return figure, ax


def totals(counts: Counter, max_score: int, mean: float) -> str:
    """Bars: how many submissions got each total, from 0 to ``max_score``."""
    figure, ax = _figure(7.5, 3.0)
    xs = list(range(max_score + 1))
    heights = [counts.get(x, 0) for x in xs]
    bars = ax.bar(xs, heights, color=COLOURS["full"], width=0.8)
    ax.bar_label(bars, [str(h) if h else "" for h in heights], fontsize=9, color=INK, padding=2)
    ax.axvline(mean, color=INK, linestyle="--", linewidth=1)
    ax.annotate(
        f"mean {mean:.1f}",
        (mean, 1),
        xycoords=("data", "axes fraction"),
        xytext=(4, -4),
        textcoords="offset points",
        va="top",
        fontsize=9,
        color=INK,
    )
    ax.set_xticks(xs)
    ax.set_xlabel(f"total points (of {max_score})", color=INK)
    ax.set_ylabel("submissions", color=INK)
    ax.set_ylim(0, max(heights, default=0) * 1.15 + 1)
    ax.yaxis.grid(True, color=GRID)
    ax.set_axisbelow(True)
    return _svg(figure, "totals")


def exercises(rows: Sequence[tuple[str, Counter]], labels: dict[str, str]) -> str:
    """One bar per exercise (``rows``: its label, its learners by category), stacked in
    the order of ``labels`` (category -> words): full points first."""
    figure, ax = _figure(7.5, 0.55 * len(rows) + 1.6)
    size = max((sum(c.values()) for _, c in rows), default=0) or 1
    present = [k for k in labels if any(c.get(k) for _, c in rows)]
    ys = list(range(len(rows)))[::-1]  # the first exercise on top
    left = [0] * len(rows)
    for key in present:
        counts = [c.get(key, 0) for _, c in rows]
        widths = [100 * n / size for n in counts]
        bars = ax.barh(ys, widths, left=left, color=COLOURS[key], label=labels[key], height=0.7)
        shown = [str(n) if 100 * n >= 4 * size else "" for n in counts]  # where it fits
        dark = key in ("full", "wrong", "stopped", "other")
        ax.bar_label(bars, shown, label_type="center", fontsize=9, color="white" if dark else INK)
        left = [a + w for a, w in zip(left, widths, strict=True)]
    ax.set_yticks(ys, [label for label, _ in rows])
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of the submissions (the numbers in the bars: how many)", color=INK)
    ax.xaxis.grid(True, color=GRID)
    ax.set_axisbelow(True)
    figure.legend(loc="outside lower center", ncols=3, frameon=False, fontsize=9)
    return _svg(figure, "exercises")
