"""The computational graph of a :class:`course_lib.autodiff.Value`, drawn with matplotlib."""

from __future__ import annotations

from ..autodiff import Value, topological_order


def draw_graph(root: Value, ax=None, figsize: tuple[float, float] | None = None):
    """Draw ``root``'s computational graph with matplotlib: one box per node.

    Each box shows the node's label (or operation), its ``data`` and its ``grad``;
    arrows point from inputs to the node they feed, left to right.
    Returns the matplotlib Axes.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    order = topological_order(root)
    if len(order) > 60:
        raise ValueError(f"draw_graph draws graphs of up to 60 nodes, this one has {len(order)}")
    # column = length of the longest path from a leaf, so inputs sit on the left
    column: dict[int, int] = {}
    for node in order:
        column[id(node)] = 1 + max((column[id(c)] for c in node._children), default=-1)
    n_cols = max(column.values()) + 1
    rows: dict[int, list[Value]] = {c: [] for c in range(n_cols)}
    for node in order:
        rows[column[id(node)]].append(node)
    height = max(len(r) for r in rows.values())
    if ax is None:
        size = figsize or (max(4.0, 2.3 * n_cols), max(2.0, 1.1 * height))
        _, ax = plt.subplots(figsize=size)
    pos: dict[int, tuple[float, float]] = {}
    for c, nodes in rows.items():
        for i, node in enumerate(nodes):
            pos[id(node)] = (c * 2.3, (len(nodes) - 1) / 2 - i)
    for node in order:
        x1, y1 = pos[id(node)]
        for child in node._children:
            x0, y0 = pos[id(child)]
            # an arrow that skips columns bends, so it does not run through the boxes between
            skips = column[id(node)] - column[id(child)] > 1
            ax.add_patch(
                FancyArrowPatch(
                    (x0 + 0.8, y0),
                    (x1 - 0.8, y1),
                    arrowstyle="-|>",
                    mutation_scale=12,
                    color="0.4",
                    connectionstyle=f"arc3,rad={-0.3 if skips else 0.0}",
                )
            )
        name = node.label or node._op or "input"
        text = f"{name}\ndata {node.data:.4g}\ngrad {node.grad:.4g}"
        color = "#dbe9f6" if not node._children else "#fdebd0"
        ax.add_patch(
            FancyBboxPatch(
                (x1 - 0.8, y1 - 0.38), 1.6, 0.76, boxstyle="round,pad=0.02", fc=color, ec="0.3"
            )
        )
        ax.text(x1, y1, text, ha="center", va="center", fontsize=8, family="monospace")
    ax.set_xlim(-1.0, (n_cols - 1) * 2.3 + 1.0)
    ax.set_ylim(-height / 2 - 0.1, height / 2 + 0.1)
    ax.set_axis_off()
    return ax
