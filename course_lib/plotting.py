"""Figures used by the notebooks and slides, sized to be read on a projector."""

import matplotlib.pyplot as plt
import numpy as np


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
                ax.set_title(str(titles[i]), fontsize=10)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def plot_history(history, metrics=("loss",), title=None):
    """Training and validation curves from a Keras History (or its .history dict)."""
    logs = getattr(history, "history", history)
    fig, axes = plt.subplots(1, len(metrics), figsize=(5.5 * len(metrics), 3.8), squeeze=False)
    for ax, metric in zip(axes.flat, metrics):
        epochs = np.arange(1, len(logs[metric]) + 1)
        ax.plot(epochs, logs[metric], "o-", label="train")
        if f"val_{metric}" in logs:
            ax.plot(epochs, logs[f"val_{metric}"], "s--", label="validation")
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
