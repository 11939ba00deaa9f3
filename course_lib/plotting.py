"""Figures used by the notebooks and slides, sized to be read on a projector."""

import matplotlib.pyplot as plt
import numpy as np

from course_lib.notebook import OKABE_ITO


def show_images(images, titles=None, ncols=10, size=1.3, cmap="gray_r", suptitle=None):
    """Grid of small grey-scale images with optional titles; returns the figure."""
    images = np.asarray(images)
    n = len(images)
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows * 1.15),
                             squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            side = int(np.sqrt(images[i].size))
            ax.imshow(images[i].reshape(side, side), cmap=cmap, vmin=0, vmax=images.max())
            if titles is not None:
                ax.set_title(str(titles[i]), fontsize=12)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def plot_history(history, metrics=("loss",), title=None):
    """Training and validation curves from a Keras History (or its .history dict)."""
    logs = getattr(history, "history", history)
    validation = {m: logs[f"val_{m}"] for m in metrics if f"val_{m}" in logs}
    return plot_histories({"train": logs, "validation": validation}, metrics, title)


def plot_histories(histories, metrics=("val_loss", "val_accuracy"), title=None):
    """Compare several training runs: one curve per run for each metric."""
    fig, axes = plt.subplots(1, len(metrics), figsize=(5.5 * len(metrics), 3.8), squeeze=False)
    for ax, metric in zip(axes.flat, metrics):
        for name, history in histories.items():
            values = getattr(history, "history", history).get(metric)
            if values is not None:
                ax.plot(np.arange(1, len(values) + 1), values, "o-", lw=2, label=str(name))
        ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_activations(functions, x=None):
    """Plot named activation functions side by side, e.g. {"relu": f, "sigmoid": g}."""
    x = np.linspace(-4, 4, 401) if x is None else x
    fig, axes = plt.subplots(1, len(functions), figsize=(4.2 * len(functions), 3.4),
                             squeeze=False)
    for ax, (name, fn) in zip(axes.flat, functions.items()):
        ax.axhline(0, color="0.8", lw=1)
        ax.axvline(0, color="0.8", lw=1)
        ax.plot(x, np.asarray(fn(x)), lw=2.5)
        ax.set_title(name)
        ax.set_xlabel("z")
    fig.tight_layout()
    return fig


def plot_confusion(matrix, labels=None, title="Confusion matrix (counts)"):
    """Confusion matrix heat map with counts, true classes in rows."""
    matrix = np.asarray(matrix)
    labels = list(range(len(matrix))) if labels is None else labels
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    shown = ax.imshow(np.log1p(matrix), cmap="Blues")
    for (i, j), value in np.ndenumerate(matrix):
        if value:
            ax.text(j, i, int(value), ha="center", va="center", fontsize=9,
                    color="white" if value > matrix.max() / 3 else "black")
    ax.set_xticks(range(len(labels)), labels)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    fig.colorbar(shown, ax=ax, label="log(1 + count)")
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------- lecture slide figures
# Schematics are drawn with matplotlib patches so the slides carry no copied images.
# Ten categorical colours for digits (and up to ten cell types), hues far apart: Okabe & Ito's
# eight with Tol's wine and olive. Tableau's colour-blind ten made four of the digits grey
# shades and two light blues, indistinguishable in a scatter of small points.
DISTINCT_TEN = OKABE_ITO + ("#882255", "#999933")


def category_colours(n):
    """Colours for n categories that readers with the common colour-vision deficiencies tell
    apart: Okabe & Ito's eight, with Tol's wine and olive for nine or ten (digits); beyond
    ten, tab20's, some pairs of which such readers confuse. Continuous values use viridis."""
    if n <= len(DISTINCT_TEN):
        return list(DISTINCT_TEN[:n])
    return [plt.cm.tab20(k % 20) for k in range(n)]


_COLORS = {"enc": "#4C72B0", "dec": "#DD8452", "lat": "#55A868", "gen": "#C44E52",
           "dis": "#8172B3", "data": "#937860", "grey": "0.55"}


def _box(ax, xy, w, h, text, color, fontsize=13, alpha=0.9, text_color="white"):
    """Rounded box with centred text."""
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(FancyBboxPatch(xy, w, h, boxstyle="round,pad=0.02,rounding_size=0.08",
                                fc=color, ec="none", alpha=alpha))
    ax.text(xy[0] + w / 2, xy[1] + h / 2, text, ha="center", va="center",
            fontsize=fontsize, color=text_color)


def _funnel(ax, x0, x1, h0, h1, text, color, y=0.0):
    """Trapezoid from height h0 at x0 to height h1 at x1 (an encoder or decoder)."""
    from matplotlib.patches import Polygon

    pts = [(x0, y - h0 / 2), (x1, y - h1 / 2), (x1, y + h1 / 2), (x0, y + h0 / 2)]
    ax.add_patch(Polygon(pts, closed=True, fc=color, ec="none", alpha=0.9))
    ax.text((x0 + x1) / 2, y, text, ha="center", va="center", fontsize=14, color="white")


def _arrow(ax, start, end, text=None, color="0.3", **kwargs):
    """Arrow with an optional label above its middle."""
    ax.annotate("", xy=end, xytext=start,
                arrowprops=dict(arrowstyle="-|>", color=color, lw=2, **kwargs))
    if text:
        ax.text((start[0] + end[0]) / 2, (start[1] + end[1]) / 2 + 0.12, text,
                ha="center", va="bottom", fontsize=12, color=color)


def _canvas(size=(9, 3.6), xlim=(0, 10), ylim=(-1.5, 1.5)):
    """Blank axes for a schematic."""
    fig, ax = plt.subplots(figsize=size)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.axis("off")
    return fig, ax


def plot_network(layer_sizes, labels=None, highlight=None, max_units=10, title=None):
    """Feed-forward network diagram: one column of units per layer, all edges drawn.

    A layer of up to ``max_units`` units is drawn unit by unit. A wider layer gets more
    circles, growing with the log of its width up to 1.5 ``max_units``, and a gap marked
    "⋮" for the units left out: an 8-unit code shows 8 units, 2,000 genes do not show 2,000.
    """
    widest = max(layer_sizes)
    stretch = np.log(max(widest / max_units, 2.0))

    def circles(n):
        if n <= max_units:
            return n
        return max_units + max(1, int(round(max_units / 2 * np.log(n / max_units) / stretch)))

    shown = [circles(n) for n in layer_sizes]
    step = 1.0 / max(max(shown), 2)  # the tallest column spans one unit of height
    fig, ax = _canvas((9, 3.6), xlim=(-0.6, len(layer_sizes) - 0.4), ylim=(-0.8, 0.6))
    # Circle diameter: 80% of the gap between two units, converted from data units to points.
    points_per_unit = 3.6 * 72 / 1.4
    size = float(np.clip((0.8 * step * points_per_unit) ** 2, 20, 260))
    columns = []
    for n, k in zip(layer_sizes, shown):
        ys = (np.arange(k) - (k - 1) / 2) * step
        if k < n:  # leave out the middle unit's place for the ellipsis
            ys = np.delete((np.arange(k + 1) - k / 2) * step, k // 2)
        columns.append(ys)
    for i in range(len(columns) - 1):
        for y0 in columns[i]:
            for y1 in columns[i + 1]:
                ax.plot([i, i + 1], [y0, y1], color="0.85", lw=0.5, zorder=1)
    for i, (n, ys) in enumerate(zip(layer_sizes, columns)):
        color = _COLORS["lat"] if highlight is not None and i == highlight else _COLORS["enc"]
        ax.scatter(np.full(len(ys), i), ys, s=size, c=color, zorder=2, edgecolors="white")
        if len(ys) < n:
            ax.text(i, 0, "⋮", ha="center", va="center", fontsize=14, zorder=3)
        caption = f"{n:,}" + ("" if labels is None else f"\n{labels[i]}")
        ax.text(i, -0.58, caption, ha="center", va="top", fontsize=12)
    if title:
        ax.set_title(title)
    return fig


def plot_gradient_descent(learning_rates=(0.05, 0.2, 0.42), steps=25):
    """Gradient descent on an elongated quadratic loss for a few learning rates."""
    scale = np.array([1.0, 4.5])  # curvature along each weight

    def loss(w):
        return 0.5 * (scale[0] * w[..., 0] ** 2 + scale[1] * w[..., 1] ** 2)

    g = np.linspace(-3.2, 3.2, 200)
    grid = np.stack(np.meshgrid(g, g), axis=-1)
    fig, axes = plt.subplots(1, len(learning_rates), figsize=(4 * len(learning_rates), 3.8))
    for ax, lr in zip(np.atleast_1d(axes), learning_rates):
        ax.contour(g, g, loss(grid), levels=12, cmap="Greys", linewidths=0.8)
        w, path = np.array([-2.8, 2.0]), []
        for _ in range(steps):
            path.append(w.copy())
            w = w - lr * scale * w  # the gradient of the loss is scale * w
        path = np.array(path)
        ax.plot(path[:, 0], path[:, 1], "o-", color=_COLORS["gen"], ms=3.5, lw=1.5)
        ax.plot(0, 0, "*", color=_COLORS["lat"], ms=16)
        ax.set_title(f"learning rate {lr}:  loss {loss(path[-1]):.2g}")
        ax.set_xlabel("weight 1")
        ax.set_ylabel("weight 2")
        ax.set_aspect("equal")
    fig.tight_layout()
    return fig


def plot_autoencoder_schematic():
    """Autoencoder: encoder squeezes the input into a small code, decoder rebuilds it."""
    fig, ax = _canvas()
    _box(ax, (0.0, -1.1), 1.0, 2.2, "input\n$x$", _COLORS["data"])
    _funnel(ax, 1.3, 4.2, 2.2, 0.7, "encoder", _COLORS["enc"])
    _box(ax, (4.4, -0.4), 1.2, 0.8, "code $z$", _COLORS["lat"])
    _funnel(ax, 5.8, 8.7, 0.7, 2.2, "decoder", _COLORS["dec"])
    _box(ax, (9.0, -1.1), 1.0, 2.2, "output\n$\\hat{x}$", _COLORS["data"])
    ax.text(5.0, -1.45, "loss = distance between $x$ and $\\hat{x}$ (e.g. mean squared error)",
            ha="center", fontsize=12)
    return fig


def plot_vae_schematic():
    """VAE: the encoder outputs a distribution; a sample from it is decoded."""
    fig, ax = _canvas((9.5, 4.2), xlim=(0, 11), ylim=(-1.8, 1.6))
    _box(ax, (0.0, -1.0), 0.9, 2.0, "$x$", _COLORS["data"], fontsize=16)
    _funnel(ax, 1.1, 3.4, 2.0, 0.9, "encoder\n$q_\\phi(z|x)$", _COLORS["enc"])
    _box(ax, (3.7, 0.15), 1.0, 0.6, "$\\mu$", _COLORS["enc"], fontsize=15)
    _box(ax, (3.7, -0.75), 1.0, 0.6, "$\\sigma$", _COLORS["enc"], fontsize=15)
    _box(ax, (5.3, -0.45), 1.7, 0.9, "$z = \\mu + \\sigma \\odot \\varepsilon$",
         _COLORS["lat"], fontsize=13)
    _arrow(ax, (4.7, 0.45), (5.3, 0.15))
    _arrow(ax, (4.7, -0.45), (5.3, -0.15))
    _box(ax, (5.45, -1.55), 1.4, 0.55, "$\\varepsilon \\sim N(0, I)$", "0.88", fontsize=12,
         text_color="black")
    _arrow(ax, (6.15, -1.0), (6.15, -0.45))
    _funnel(ax, 7.3, 9.6, 0.9, 2.0, "decoder\n$p_\\theta(x|z)$", _COLORS["dec"])
    _box(ax, (9.8, -1.0), 0.9, 2.0, "$\\hat{x}$", _COLORS["data"], fontsize=16)
    ax.text(4.2, 1.05, "KL$(q_\\phi(z|x)\\,\\|\\,N(0, I))$", ha="center", fontsize=13,
            color=_COLORS["lat"])
    ax.text(5.5, 1.45, "reconstruction: $\\log p_\\theta(x|z)$", ha="center", fontsize=13,
            color=_COLORS["dec"])
    return fig


def plot_gan_schematic():
    """GAN: a generator turns noise into samples, a discriminator tells them from data."""
    fig, ax = _canvas((9.5, 3.8), xlim=(0, 11), ylim=(-1.6, 1.6))
    _box(ax, (0.0, 0.35), 1.3, 0.8, "noise $z$", "0.6")
    _funnel(ax, 1.6, 3.8, 0.8, 1.6, "generator $G$", _COLORS["gen"], y=0.75)
    _box(ax, (4.1, 0.35), 1.4, 0.8, "fake $G(z)$", _COLORS["gen"], alpha=0.6)
    _box(ax, (4.1, -1.15), 1.4, 0.8, "real $x$", _COLORS["data"])
    _funnel(ax, 6.3, 8.5, 2.0, 0.8, "discriminator\n$D$", _COLORS["dis"], y=-0.0)
    _arrow(ax, (5.5, 0.75), (6.3, 0.3))
    _arrow(ax, (5.5, -0.75), (6.3, -0.3))
    _box(ax, (8.8, -0.4), 2.1, 0.8, "$D(\\cdot)$ = P(real)", _COLORS["dis"], fontsize=12)
    ax.text(5.5, -1.55, "$D$ learns to separate real from fake; $G$ learns to fool $D$",
            ha="center", fontsize=12)
    return fig


def _ring_of_gaussians(n, modes=8, radius=2.0, spread=0.12, use=None, seed=0):
    """Samples from Gaussians placed on a circle (optionally only the modes in ``use``)."""
    rng = np.random.default_rng(seed)
    use = np.arange(modes) if use is None else np.asarray(use)
    angle = 2 * np.pi * rng.choice(use, size=n) / modes
    centres = radius * np.column_stack([np.cos(angle), np.sin(angle)])
    return centres + spread * rng.standard_normal((n, 2))


def plot_mode_collapse(n=800, seed=0):
    """Toy illustration: real data with 8 modes, a good generator, a collapsed one."""
    panels = [("real data: 8 modes", _ring_of_gaussians(n, seed=seed), _COLORS["data"]),
              ("covering all 8 modes", _ring_of_gaussians(n, spread=0.2, seed=seed + 1),
               _COLORS["enc"]),
              ("mode collapse: 2 of 8 modes", _ring_of_gaussians(n, use=[1, 2], seed=seed + 2),
               _COLORS["gen"])]
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.8), sharex=True, sharey=True)
    for ax, (title, points, color) in zip(axes, panels):
        ax.scatter(points[:, 0], points[:, 1], s=4, alpha=0.5, color=color)
        ax.set_title(title)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_xlabel("$x_1$")
    axes[0].set_ylabel("$x_2$")
    fig.tight_layout()
    return fig


def plot_beta_posteriors(betas=(0.1, 1.0, 8.0), n_cells=12, seed=0):
    """Sketch of how beta changes a VAE's posteriors q(z|x) against the N(0, I) prior."""
    # Small beta: tight, spread-out posteriors (an autoencoder); large beta: posteriors
    # pulled onto the prior, wide and overlapping (less information in z).
    from matplotlib.patches import Ellipse

    rng = np.random.default_rng(seed)
    directions = rng.standard_normal((n_cells, 2))
    fig, axes = plt.subplots(1, len(betas), figsize=(4 * len(betas), 4), sharey=True)
    for ax, beta in zip(np.atleast_1d(axes), betas):
        shrink = 1.0 / (1.0 + 0.35 * beta)  # means pulled towards 0 as beta grows
        width = 0.15 + 0.85 * (1 - np.exp(-beta / 2))  # posterior std grows towards 1
        ax.add_patch(Ellipse((0, 0), 4, 4, fc="none", ec="0.4", ls="--", lw=1.5))
        for k, (dx, dy) in enumerate(directions * 1.6 * shrink):
            ax.add_patch(Ellipse((dx, dy), 2 * width, 2 * width * 0.8,
                                 fc=OKABE_ITO[k % len(OKABE_ITO)], alpha=0.45))
        ax.set_xlim(-4, 4)
        ax.set_ylim(-4, 4)
        ax.set_aspect("equal")
        ax.set_title(f"$\\beta$ = {beta:g}")
        ax.set_xlabel("$z_1$")
    np.atleast_1d(axes)[0].set_ylabel("$z_2$")
    fig.suptitle("each ellipse: one cell's $q(z|x)$;  dashed: prior $N(0, I)$ (2 sd)")
    fig.tight_layout()
    return fig


def plot_embedding(coords, labels, title=None, ax=None, s=8, legend=True, axis_label="dim"):
    """2-D embedding coloured by a categorical label (or a continuous value).

    The axes are labelled "<axis_label> 1" and "<axis_label> 2", e.g. ``axis_label="PC"``.
    """
    import pandas as pd

    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 5))
    coords = np.asarray(coords)
    labels = pd.Series(np.asarray(labels))
    if labels.dtype.kind in "fi":
        missing = labels.isna().to_numpy()  # e.g. cells off a lineage have no pseudotime
        ax.scatter(coords[missing, 0], coords[missing, 1], s=s, color="0.85")
        shown = ax.scatter(coords[~missing, 0], coords[~missing, 1], c=labels[~missing], s=s,
                           cmap="viridis")
        ax.figure.colorbar(shown, ax=ax)
    else:
        names = sorted(labels.dropna().unique())
        for name, colour in zip(names, category_colours(len(names))):
            mask = (labels == name).to_numpy()
            ax.scatter(coords[mask, 0], coords[mask, 1], s=s, label=name, color=colour)
        if legend:
            ax.legend(markerscale=2.5, frameon=False, fontsize="small", loc="center left",
                      bbox_to_anchor=(1.0, 0.5))
    _label_axes(ax, axis_label)
    if title:
        ax.set_title(title)
    return ax.figure


def _label_axes(ax, axis_label):
    """Name the two axes of an embedding; the tick values mean nothing, so none are drawn."""
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel(f"{axis_label} 1")
    ax.set_ylabel(f"{axis_label} 2")


def plot_mean_variance(counts_by_name, ax=None, min_mean=1e-3):
    """Per-gene variance against mean, log-log, for {label: cells x genes matrix}."""
    import scipy.sparse as sp

    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 5))
    for k, (name, matrix) in enumerate(counts_by_name.items()):
        matrix = matrix.tocsc() if sp.issparse(matrix) else np.asarray(matrix)
        mean = np.asarray(matrix.mean(axis=0)).ravel()
        sq = matrix.multiply(matrix) if sp.issparse(matrix) else matrix ** 2
        var = np.asarray(sq.mean(axis=0)).ravel() - mean ** 2
        keep = (mean > min_mean) & (var > 0)
        ax.scatter(mean[keep], var[keep], s=3, alpha=0.35, label=name,
                   color=OKABE_ITO[k % len(OKABE_ITO)])
    line = np.logspace(np.log10(min_mean), np.log10(ax.get_xlim()[1]), 50)
    ax.plot(line, line, "k--", lw=1.5, label="Poisson: var = mean")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("mean count per cell")
    ax.set_ylabel("variance")
    ax.legend(markerscale=4, frameon=False)
    return ax.figure


def plot_latent_arithmetic(coords, cell_type, condition, query, control="control",
                           stimulated="stimulated", ax=None, axis_label="dim"):
    """scGen-style arithmetic: the query type's control mean plus the other types' response."""
    import pandas as pd
    from matplotlib.lines import Line2D

    coords = np.asarray(coords)
    ct, cond = pd.Series(np.asarray(cell_type)), pd.Series(np.asarray(condition))
    own_figure = ax is None
    if own_figure:
        _, ax = plt.subplots(figsize=(10, 5.5))
    handles = []
    for name, color in ((control, _COLORS["enc"]), (stimulated, _COLORS["dec"])):
        mask = (cond == name).to_numpy()
        ax.scatter(coords[mask, 0], coords[mask, 1], s=5, alpha=0.25, color=color)
        # The cloud's own faint dots would be invisible in the legend: an opaque marker instead.
        handles.append(Line2D([], [], ls="", marker="o", ms=9, color=color, label=f"{name} cells"))
    others = (ct != query).to_numpy()
    delta = (coords[others & (cond == stimulated).to_numpy()].mean(0)
             - coords[others & (cond == control).to_numpy()].mean(0))
    start = coords[(ct == query).to_numpy() & (cond == control).to_numpy()].mean(0)
    truth = coords[(ct == query).to_numpy() & (cond == stimulated).to_numpy()].mean(0)
    ax.annotate("", xy=start + delta, xytext=start,
                arrowprops=dict(arrowstyle="-|>", lw=3, color="black"))
    handles += [
        ax.plot(*start, "o", ms=12, color=_COLORS["enc"], mec="black",
                label=f"{query} control mean")[0],
        ax.plot(*(start + delta), "X", ms=14, color="black",
                label=f"{query} predicted: + $\\delta$")[0],
        ax.plot(*truth, "*", ms=18, color=_COLORS["dec"], mec="black",
                label=f"{query} stimulated (held out)")[0]]
    # Outside the axes, so that it covers no data.
    ax.legend(handles=handles, loc="center left", bbox_to_anchor=(1.02, 0.5), frameon=True)
    _label_axes(ax, axis_label)
    if own_figure:
        ax.figure.tight_layout()
    return ax.figure


# ---------------------------------------------------------------- notebooks 01-02: tensors, MLP
def plot_count_block(matrix, row_labels=None, col_labels=None, title=None):
    """Heat map of a small block of a cells x genes count matrix (log1p colour scale)."""
    matrix = np.asarray(matrix)
    fig, ax = plt.subplots(figsize=(min(1.0 + 0.42 * matrix.shape[1], 13),
                                    min(1.6 + 0.36 * matrix.shape[0], 8)))
    shown = ax.imshow(np.log1p(matrix), cmap="Greens", aspect="auto")
    for (i, j), value in np.ndenumerate(matrix):
        if value:
            ax.text(j, i, f"{value:g}", ha="center", va="center", fontsize=9,
                    color="white" if np.log1p(value) > np.log1p(matrix.max()) / 2 else "black")
    if col_labels is not None:
        ax.set_xticks(range(len(col_labels)), col_labels, rotation=60, ha="right")
    if row_labels is not None:
        ax.set_yticks(range(len(row_labels)), row_labels)
    ax.set_xlabel("genes (axis 1)")
    ax.set_ylabel("cells (axis 0)")
    if title:
        ax.set_title(title)
    fig.colorbar(shown, ax=ax, label="log(1 + count)", fraction=0.04)
    fig.tight_layout()
    return fig


def plot_softmax(logits, probabilities, labels=None):
    """Bar charts of a logit vector and of its softmax probabilities, side by side."""
    logits, probabilities = np.ravel(logits), np.ravel(probabilities)
    labels = [str(i) for i in range(len(logits))] if labels is None else list(labels)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
    left.bar(labels, logits, color=_COLORS["enc"])
    left.axhline(0, color="0.5", lw=1)
    left.set_title("logits $z$ (any real numbers)")
    right.bar(labels, probabilities, color=_COLORS["lat"])
    right.set_ylim(0, 1)
    right.set_title(r"softmax$(z)$: positive, sums to 1")
    for i, p in enumerate(probabilities):
        right.text(i, p + 0.02, f"{p:.2f}", ha="center", fontsize=11)
    fig.tight_layout()
    return fig


def plot_line_fit(x, y, path, keras_losses=None, show_steps=(0, 1, 3, 6)):
    """Gradient descent fitting a line: data with the line at some steps, and the loss per step.

    ``path`` is a dict of arrays ``w``, ``b``, ``loss`` (one entry per step, the start
    included); ``keras_losses`` overlays the per-epoch loss of the same fit done by Keras.
    """
    x, y = np.ravel(x), np.ravel(y)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    left.scatter(x, y, s=18, color="0.45", label="data")
    grid = np.linspace(x.min(), x.max(), 2)
    steps = [s for s in show_steps if s < len(path["w"])] + [len(path["w"]) - 1]
    colours = plt.cm.viridis(np.linspace(0.0, 0.85, len(steps)))
    for colour, step in zip(colours, steps):
        left.plot(grid, path["w"][step] * grid + path["b"][step], color=colour, lw=2.5,
                  label=f"step {step}: w={path['w'][step]:.2f}, b={path['b'][step]:.2f}")
    left.set_xlabel("x")
    left.set_ylabel("y")
    left.legend(fontsize="small", loc="upper left", framealpha=0.9)
    right.plot(np.arange(len(path["loss"])), path["loss"], "o-", ms=4, lw=2,
               label="by hand (keras.ops)")
    if keras_losses is not None:
        right.plot(np.arange(len(keras_losses)), keras_losses, "x", ms=9, mew=2,
                   color=_COLORS["gen"], label="model.fit (SGD)")
    right.set_ylim(bottom=0)
    right.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    right.set_xlabel("gradient step")
    right.set_ylabel("mean squared error")
    right.legend()
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------- autoencoders and VAEs (03, 04)
def plot_image_rows(rows, n=10, size=1.15, cmap="gray_r", title=None):
    """Rows of small images, one labelled row per entry of ``rows`` ({label: images})."""
    fig, axes = plt.subplots(len(rows), n, figsize=(size * n + 1.6, size * len(rows) * 1.05),
                             squeeze=False)
    for r, (label, images) in enumerate(rows.items()):
        images = np.asarray(images)
        for c in range(n):
            ax = axes[r, c]
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_visible(False)
            if c < len(images):
                side = int(np.sqrt(images[c].size))
                ax.imshow(images[c].reshape(side, side), cmap=cmap, vmin=0, vmax=1)
        axes[r, 0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=12)
    if title:
        fig.suptitle(title)
    fig.tight_layout(w_pad=0.1, h_pad=0.2)
    return fig


def latent_grid_points(n=15, limit=None, prior_sd=1.0, coverage=0.9):
    """(n*n, 2) grid of 2-D latent points, rows top to bottom from high to low z_2.

    Without ``limit`` the grid follows the quantiles of the prior N(0, prior_sd^2), from
    (1 - coverage)/2 to (1 + coverage)/2, as in Kingma & Welling's manifold figures.
    """
    from scipy.stats import norm

    if limit is None:
        values = norm.ppf(np.linspace((1 - coverage) / 2, (1 + coverage) / 2, n)) * prior_sd
    else:
        values = np.linspace(-limit, limit, n)
    z1, z2 = np.meshgrid(values, values[::-1])
    return np.column_stack([z1.ravel(), z2.ravel()]).astype("float32"), values


def plot_latent_manifold(decode, n=15, limit=None, prior_sd=1.0, side=28, title=None,
                         cmap="gray_r"):
    """Decode a regular grid of 2-D latent points and show the images as one mosaic."""
    points, values = latent_grid_points(n, limit, prior_sd)
    images = np.asarray(decode(points)).reshape(n, n, side, side)
    mosaic = images.transpose(0, 2, 1, 3).reshape(n * side, n * side)
    fig, ax = plt.subplots(figsize=(8, 8))
    ax.imshow(mosaic, cmap=cmap, vmin=0, vmax=1)
    ticks = np.arange(n) * side + side / 2
    shown = np.unique(np.linspace(0, n - 1, 5).round().astype(int))
    labels = [f"{v:.1f}" if abs(v) >= 0.05 else "0" for v in values]
    ax.set_xticks(ticks[shown], [labels[i] for i in shown])
    ax.set_yticks(ticks[shown], [labels[::-1][i] for i in shown])
    ax.set_xlabel("$z_1$")
    ax.set_ylabel("$z_2$")
    ax.set_title(title or "decoded latent grid")
    fig.tight_layout()
    return fig


def plot_embeddings(embeddings, labels, s=3, titles=None, size=5.2, axis_label="dim"):
    """Several 2-D embeddings of the same points side by side, coloured by ``labels``."""
    fig, axes = plt.subplots(1, len(embeddings), figsize=(size * len(embeddings) + 1.2, size))
    axes = np.atleast_1d(axes)
    for i, (ax, (name, coords)) in enumerate(zip(axes, embeddings.items())):
        plot_embedding(coords, labels, title=(titles or {}).get(name, name), ax=ax, s=s,
                       legend=i == len(embeddings) - 1, axis_label=axis_label)
    fig.tight_layout()
    return fig


def plot_code_heatmaps(codes, n=40, title=None):
    """Code activations (n images x units) of several encoders as heat maps, with sparsity."""
    fig, axes = plt.subplots(1, len(codes), figsize=(5.5 * len(codes), 4.2), squeeze=False)
    for ax, (name, code) in zip(axes.flat, codes.items()):
        code = np.abs(np.asarray(code))
        active = (code > 0.1 * code.max()).sum(axis=1).mean()
        shown = ax.imshow(code[:n], aspect="auto", cmap="magma_r", interpolation="nearest")
        ax.set_title(f"{name}\n{active:.1f} of {code.shape[1]} units active per image")
        ax.set_xlabel("code unit")
        ax.set_ylabel("image")
        fig.colorbar(shown, ax=ax, label="|activation|")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_beta_sweep(table, metrics=(("reconstruction", "reconstruction (nats)"),
                                    ("kl", "KL to the prior (nats)"),
                                    ("knn_accuracy", "kNN accuracy of z_mean"))):
    """A beta sweep's results against beta (log x-axis): each run as a dot, and the mean over
    runs with one standard deviation as error bars (rows with 'beta' and the metrics, one row
    per run, e.g. per seed)."""
    import pandas as pd

    table = pd.DataFrame(table)
    summary = table.groupby("beta").agg(["mean", "std"]).sort_index()
    betas = summary.index.to_numpy()
    fig, axes = plt.subplots(1, len(metrics), figsize=(4.6 * len(metrics), 3.8))
    for ax, (column, label) in zip(np.atleast_1d(axes), metrics):
        ax.plot(table["beta"], table[column], "o", ms=5, alpha=0.45, color=_COLORS["enc"],
                label="one run")
        ax.errorbar(betas, summary[(column, "mean")], yerr=summary[(column, "std")].fillna(0),
                    fmt="o-", lw=2.5, ms=9, capsize=5, color=_COLORS["enc"],
                    label="mean ± sd")
        ax.set_xscale("log")
        ax.set_xticks(betas, [f"{b:g}" for b in betas])
        ax.minorticks_off()
        ax.set_xlabel(r"$\beta$")
        ax.set_title(label)
    np.atleast_1d(axes)[0].legend(frameon=False)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------- GANs and realism tests (05)
def plot_class_shares(counts_by_run, labels=None, title="generated digits per class"):
    """Share of generated samples per class, one group of bars per run ({name: counts})."""
    runs = list(counts_by_run.items())
    n_classes = len(runs[0][1])
    labels = list(range(n_classes)) if labels is None else labels
    width = 0.8 / len(runs)
    fig, ax = plt.subplots(figsize=(9, 3.8))
    for k, (name, counts) in enumerate(runs):
        counts = np.asarray(counts, dtype=float)
        ax.bar(np.arange(n_classes) + (k - (len(runs) - 1) / 2) * width,
               counts / max(counts.sum(), 1), width, label=str(name))
    ax.axhline(1 / n_classes, color="0.3", ls="--", lw=1.5, label="uniform")
    ax.set_xticks(range(n_classes), labels)
    ax.set_xlabel("class assigned by the classifier")
    ax.set_ylabel("share of samples")
    ax.set_title(title)
    ax.legend(frameon=False)
    fig.tight_layout()
    return fig


def plot_roc_curves(results, title="classifier two-sample test"):
    """ROC curves of real-vs-other classifiers, ``{name: (labels, scores)}`` with AUCs."""
    from sklearn.metrics import roc_auc_score, roc_curve

    fig, ax = plt.subplots(figsize=(5.2, 4.8))
    for name, (labels, scores) in results.items():
        fpr, tpr, _ = roc_curve(labels, scores)
        ax.plot(fpr, tpr, lw=2.5, label=f"{name}: AUC {roc_auc_score(labels, scores):.2f}")
    ax.plot([0, 1], [0, 1], color="0.6", ls="--", lw=1.5, label="chance")
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.set_title(title)
    # below the axes: inside, the legend covered the curves it names
    ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.16), fontsize="small")
    fig.tight_layout()
    return fig


def plot_real_generated_embedding(coords, is_generated, real_labels=None, generated_labels=None,
                                  s=6, title="real and generated cells, one embedding",
                                  axis_label="dim"):
    """2-D embedding of real and generated cells: overlay, then each set by its labels.

    The label panels share one colour per label, so a generated cell of a given type can
    be checked against the real cells of that type.
    """
    coords, is_generated = np.asarray(coords), np.asarray(is_generated, dtype=bool)
    label_sets = [(name, mask, np.asarray(labels)) for name, mask, labels in
                  (("real cells by cell type", ~is_generated, real_labels),
                   ("generated cells by requested type", is_generated, generated_labels))
                  if labels is not None]
    fig, axes = plt.subplots(1, 1 + len(label_sets),
                             figsize=(5.6 * (1 + len(label_sets)) + 1.8 * bool(label_sets), 5.2),
                             squeeze=False)
    ax = axes[0, 0]
    order = np.random.default_rng(0).permutation(len(coords))  # no group drawn on top
    colors = np.where(is_generated, _COLORS["gen"], _COLORS["enc"])
    ax.scatter(coords[order, 0], coords[order, 1], s=s, c=colors[order], alpha=0.6)
    for color, name in ((_COLORS["enc"], "real (held out)"), (_COLORS["gen"], "generated")):
        ax.scatter([], [], s=30, color=color, label=name)
    ax.legend(frameon=False, loc="best")
    ax.set_title(title)
    categories = sorted(set().union(*[set(labels.tolist()) for _, _, labels in label_sets]))
    palette = dict(zip(categories, category_colours(len(categories))))
    for k, (name, mask, labels) in enumerate(label_sets):
        ax = axes[0, k + 1]
        ax.scatter(coords[:, 0], coords[:, 1], s=s, color="0.9")
        points = coords[mask]
        for category in categories:
            hit = labels == category
            ax.scatter(points[hit, 0], points[hit, 1], s=s, color=palette[category],
                       label=category)
        ax.set_title(name)
        if k == len(label_sets) - 1:
            ax.legend(markerscale=2.5, frameon=False, fontsize="small", loc="center left",
                      bbox_to_anchor=(1.0, 0.5))
    for ax in axes.flat:
        _label_axes(ax, axis_label)
    fig.tight_layout()
    return fig


def plot_gene_moments(table, highlight=(), title=None, log=True, floor=1e-3):
    """Per-gene mean and variance, generated against real (a ``gene_moments`` table).

    On log axes (default) a gene with a value below ``floor`` (a zero, typically) cannot be
    placed: it is left out, and the panel says how many were (drawn at the floor, they made
    lines along the axes that read as data).
    """
    fig, axes = plt.subplots(1, 2, figsize=(11, 5))
    for ax, stat in zip(axes, ("mean", "var")):
        real = table[f"{stat} real"].to_numpy(dtype=float)
        gen = table[f"{stat} generated"].to_numpy(dtype=float)
        r = np.corrcoef(real, gen)[0, 1]
        shown = np.ones(len(real), dtype=bool)
        if log:
            shown = (real >= floor) & (gen >= floor)
            ax.set_xscale("log")
            ax.set_yscale("log")
            if (~shown).any():
                ax.text(0.02, 0.98, f"{(~shown).sum():,} genes under {floor:g} not shown",
                        transform=ax.transAxes, va="top", fontsize=11, color="0.3")
        ax.scatter(real[shown], gen[shown], s=8, alpha=0.4, color=_COLORS["enc"],
                   label="all genes")
        low = min(real[shown].min(), gen[shown].min()) * 0.8
        top = max(real[shown].max(), gen[shown].max()) * 1.25
        ax.plot([low, top], [low, top], color="0.4", ls="--", lw=1.5)
        names = list(table.index)
        for gene in highlight:
            if gene in names and shown[names.index(gene)]:
                i = names.index(gene)
                ax.scatter([real[i]], [gen[i]], s=40, color=_COLORS["gen"])
                ax.annotate(gene, (real[i], gen[i]), xytext=(4, -10), textcoords="offset points",
                            fontsize=10)
        ax.set_title(f"{'mean' if stat == 'mean' else 'variance'} per gene  (r = {r:.3f})")
        ax.set_xlabel("real (held out)")
        ax.set_ylabel("generated")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------- notebook 06: single-cell VAE
def plot_lr_schedule(schedule, n_steps, steps_per_epoch=None, ax=None):
    """A Keras learning-rate schedule's rate at steps 0 .. n_steps-1 (in epochs if given)."""
    import keras

    lr = [float(keras.ops.convert_to_numpy(schedule(step))) for step in range(n_steps)]
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.6))
    steps = np.arange(n_steps)
    x = steps / steps_per_epoch if steps_per_epoch else steps
    ax.plot(x, lr, lw=2.5, color=_COLORS["enc"])
    ax.set_xlabel("epoch" if steps_per_epoch else "step")
    ax.set_ylabel("learning rate")
    ax.ticklabel_format(axis="y", style="sci", scilimits=(-3, -3))
    ax.set_title("warm-up, then cosine decay")
    ax.figure.tight_layout()
    return ax.figure


def plot_mean_cv(expression_by_name, min_mean=1e-3, n_genes=None):
    """log10 CV against log10 mean per gene, one panel per matrix, with the Poisson slope -1/2.

    Each panel shows the genes, a running-median trend and the line CV = 1/sqrt(mean).
    Values are cells x genes matrices (on a count scale) or precomputed ``(mean, cv)`` pairs
    from ``metrics.mean_cv``; the title counts the genes shown (of ``n_genes``, when given:
    the others have a mean below ``min_mean`` or no variation, and are not drawn).
    """
    from course_lib.metrics import mean_cv, smooth_trend

    n = len(expression_by_name)
    fig, axes = plt.subplots(1, n, figsize=(5.6 * n, 4.8), squeeze=False, sharey=True)
    for k, (ax, (name, matrix)) in enumerate(zip(axes.flat, expression_by_name.items())):
        mean, cv = matrix if isinstance(matrix, tuple) else mean_cv(matrix)
        keep = (mean > min_mean) & (cv > 0)
        lm, lcv = np.log10(mean[keep]), np.log10(cv[keep])
        ax.scatter(lm, lcv, s=3, alpha=0.3, color=OKABE_ITO[k % len(OKABE_ITO)])
        centres, medians = smooth_trend(lm, lcv)
        ax.plot(centres, medians, color="black", lw=2.5, label="running median")
        line = np.linspace(lm.min(), lm.max(), 20)
        ax.plot(line, -0.5 * line, "--", color=_COLORS["gen"], lw=2, label="Poisson: slope -1/2")
        shown = f"{keep.sum():,}" + ("" if n_genes is None else f" of {n_genes:,}")
        ax.set_title(f"{name}\n{shown} genes shown")
        ax.set_xlabel("log10 mean (count scale)")
        ax.legend(frameon=False, loc="lower left")
    axes.flat[0].set_ylabel("log10 coefficient of variation")
    fig.tight_layout()
    return fig


def plot_perturbation(result, highlight=("ISG15", "IFI6", "IFIT1")):
    """Mean expression per gene, predicted against real, for the baselines and the VAE.

    ``result`` is a ``latent.PerturbationResult``; top DEGs are drawn in colour and
    the r^2 of all genes / top DEGs is given in each title.
    """
    genes = np.asarray(result.genes)
    top = np.isin(genes, result.degs)
    real = result.real.mean(0)
    panels = (("control cells", result.control, "control"),
              ("gene-space arithmetic", result.gene_space, "gene_space"),
              ("VAE latent arithmetic", result.predicted, "vae"))
    fig, axes = plt.subplots(1, 3, figsize=(16, 5.2), sharex=True, sharey=True)
    for ax, (name, cells, key) in zip(axes, panels):
        pred = cells.mean(0)
        ax.scatter(real[~top], pred[~top], s=4, alpha=0.35, color="0.55", label="all genes")
        ax.scatter(real[top], pred[top], s=14, color=_COLORS["gen"], label="top DEGs")
        for gene in highlight:
            if gene in set(genes):
                i = int(np.flatnonzero(genes == gene)[0])
                ax.annotate(gene, (real[i], pred[i]), xytext=(4, -10), textcoords="offset points",
                            fontsize=10)
        edge = max(real.max(), max(c.mean(0).max() for _, c, _ in panels)) * 1.05
        ax.plot([0, edge], [0, edge], "--", color="0.3", lw=1)
        ax.set_title(f"{name}\n$r^2$ all {result.r2[key + '_all']:.3f}, "
                     f"top DEGs {result.r2[key + '_top']:.3f}")
        ax.set_xlabel(f"real stimulated {result.held_out}: mean")
    axes[0].set_ylabel("predicted: mean")
    axes[0].legend(frameon=False, markerscale=2, loc="upper left")
    fig.tight_layout()
    return fig


def plot_gene_distributions(groups, genes, gene_names):
    """Violin plots of a few genes' expression in several groups of cells (e.g. ctrl/pred/real)."""
    gene_names = list(gene_names)
    fig, axes = plt.subplots(1, len(genes), figsize=(3.6 * len(genes), 4), sharey=True,
                             squeeze=False)
    colors = [_COLORS["enc"], _COLORS["lat"], _COLORS["dec"], _COLORS["gen"]]
    for ax, gene in zip(axes.flat, genes):
        j = gene_names.index(gene)
        data = [np.asarray(cells)[:, j] for cells in groups.values()]
        parts = ax.violinplot(data, showmedians=True, widths=0.8)
        for body, color in zip(parts["bodies"], colors):
            body.set_facecolor(color)
            body.set_alpha(0.6)
        ax.set_xticks(range(1, len(groups) + 1), list(groups), rotation=30, ha="right")
        ax.set_title(gene)
    axes.flat[0].set_ylabel("log-normalised expression")
    fig.tight_layout()
    return fig


def plot_path_heatmap(values, genes, positions=None, title=None, xlabel="path step"):
    """Heat map of genes (rows, each scaled to its maximum) along a path of decoded cells."""
    values = np.asarray(values, dtype=float)
    scaled = values / np.maximum(values.max(0, keepdims=True), 1e-9)
    fig, ax = plt.subplots(figsize=(8.5, 0.42 * len(genes) + 1.6))
    shown = ax.imshow(scaled.T, aspect="auto", cmap="magma", interpolation="nearest",
                      vmin=0, vmax=1)
    ax.set_yticks(range(len(genes)), genes)
    n = len(values)
    ticks = np.linspace(0, n - 1, min(n, 6)).round().astype(int)
    labels = ticks if positions is None else [f"{positions[t]:.2g}" for t in ticks]
    ax.set_xticks(ticks, labels)
    ax.set_xlabel(xlabel)
    fig.colorbar(shown, ax=ax, label="fraction of gene's maximum")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_paths(coords, labels, paths, title=None, s=8, axis_label="dim"):
    """Cells in a 2-D projection, coloured by label, with decoded paths drawn on top.

    ``paths`` maps a name to the (n_steps, 2) projected path coordinates.
    """
    fig, ax = plt.subplots(figsize=(8, 6))
    plot_embedding(coords, labels, ax=ax, s=s, axis_label=axis_label)
    for k, (name, path) in enumerate(paths.items()):
        path = np.asarray(path)
        ax.plot(path[:, 0], path[:, 1], "-o", color=("black", _COLORS["gen"])[k % 2], lw=2.5,
                ms=5, label=name)
    ax.legend(markerscale=2, frameon=False, fontsize="small", loc="center left",
              bbox_to_anchor=(1.0, 0.5))
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_score_bars(scores, title=None, ylabel="score"):
    """Grouped bars: ``scores`` maps a method to {metric: value}; values are printed on bars."""
    methods = list(scores)
    metrics = list(next(iter(scores.values())))
    width = 0.8 / len(methods)
    fig, ax = plt.subplots(figsize=(1.9 * len(metrics) * len(methods) ** 0.5 + 2.5, 4))
    for k, (method, colour) in enumerate(zip(methods, category_colours(len(methods)))):
        xs = np.arange(len(metrics)) + (k - (len(methods) - 1) / 2) * width
        values = [scores[method][m] for m in metrics]
        bars = ax.bar(xs, values, width, label=method, color=colour)
        for bar, value in zip(bars, values):
            ax.text(bar.get_x() + bar.get_width() / 2, max(value, 0) + 0.01, f"{value:.2f}",
                    ha="center", va="bottom", fontsize=10)
    ax.set_xticks(range(len(metrics)), metrics)
    ax.axhline(0, color="0.3", lw=1)
    ax.set_ylabel(ylabel)
    ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


def plot_samples_on_embedding(coords, labels, samples, title=None, s=8, axis_label="dim"):
    """Real cells coloured by label (left) and generated samples over the grey real cells (right).

    ``samples`` maps a name to (n, 2) coordinates in the same projection.
    """
    fig, axes = plt.subplots(1, 2, figsize=(15, 5.6))
    plot_embedding(coords, labels, ax=axes[0], s=s, title="real cells", axis_label=axis_label)
    coords = np.asarray(coords)
    axes[1].scatter(coords[:, 0], coords[:, 1], s=s, color="0.85", label="real cells")
    for k, (name, points) in enumerate(samples.items()):
        points = np.asarray(points)
        axes[1].scatter(points[:, 0], points[:, 1], s=s + 4, alpha=0.6,
                        color=(_COLORS["gen"], "black", _COLORS["lat"])[k % 3], label=name)
    axes[1].legend(frameon=False, markerscale=2, loc="center left", bbox_to_anchor=(1.0, 0.5))
    _label_axes(axes[1], axis_label)
    axes[1].set_title(title or "generated cells")
    fig.tight_layout()
    return fig
