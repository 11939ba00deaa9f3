"""course_lib.plotting: figures a projector audience can read (labels, legends, diagrams)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_lib import plotting  # noqa: E402

RNG = np.random.default_rng(0)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def units_per_layer(fig):
    """Circles drawn in each column of a plot_network diagram, left to right."""
    (ax,) = fig.axes
    return [len(c.get_offsets()) for c in ax.collections]


def test_network_draws_small_layers_unit_by_unit_and_wide_ones_wider():
    fig = plotting.plot_network([2000, 256, 32, 8, 32, 256, 2000])
    drawn = units_per_layer(fig)
    assert drawn[3] == 8  # the 8-dimensional code
    assert drawn[0] > drawn[1] > drawn[2] > drawn[3]
    assert drawn == drawn[::-1]
    assert units_per_layer(plotting.plot_network([784, 784, 10]))[2] == 10


def test_embedding_axes_are_named():
    coords, labels = RNG.normal(size=(60, 2)), np.repeat(["a", "b", "c"], 20)
    ax = plotting.plot_embedding(coords, labels, axis_label="PC").axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("PC 1", "PC 2")
    ax = plotting.plot_embedding(coords, RNG.random(60)).axes[0]  # continuous colour
    assert ax.get_xlabel() == "dim 1"


def test_latent_arithmetic_legend_is_framed_opaque_and_off_the_data():
    coords = RNG.normal(size=(200, 2))
    cell_type = np.tile(["CD4T", "B"], 100)
    condition = np.repeat(["control", "stimulated"], 100)
    fig = plotting.plot_latent_arithmetic(coords, cell_type, condition, "CD4T", axis_label="PC")
    ax = fig.axes[0]
    legend = ax.get_legend()
    assert legend.get_frame_on()
    assert all((h.get_alpha() or 1) == 1 for h in legend.legend_handles)
    assert len(legend.get_texts()) == 5
    fig.canvas.draw()
    legend_box, axes_box = legend.get_window_extent(), ax.get_window_extent()
    assert legend_box.x0 >= axes_box.x1  # right of the axes, so it hides no cell
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("PC 1", "PC 2")


def test_mode_collapse_panels_are_labelled():
    fig = plotting.plot_mode_collapse(n=100)
    assert all(ax.get_xlabel() for ax in fig.axes) and fig.axes[0].get_ylabel()


def test_mean_cv_panels_count_the_genes_they_leave_out():
    counts = RNG.poisson(RNG.uniform(0.5, 5.0, size=50), size=(200, 50)).astype("float64")
    counts[:, :5] = 0  # five silent genes cannot be drawn on a log scale
    fig = plotting.plot_mean_cv({"input": counts}, n_genes=50)
    title = fig.axes[0].get_title()
    assert "of 50 genes shown" in title and title.split("\n")[1].startswith("45 ")


def test_beta_sweep_shows_every_seed_and_the_mean_with_its_spread():
    rows = [{"beta": beta, "seed": seed, "reconstruction": 150 + 3 * k + seed,
             "kl": 10 - 3 * k, "knn_accuracy": 0.6 - 0.05 * k}
            for k, beta in enumerate((0.1, 1.0, 4.0)) for seed in range(3)]
    fig = plotting.plot_beta_sweep(rows)
    first = fig.axes[0]
    dots, means = first.lines[0], first.lines[1]
    assert len(dots.get_xdata()) == 9  # every run
    np.testing.assert_allclose(np.asarray(means.get_ydata(), float), [151, 154, 157])  # means
    assert first.containers and first.get_legend() is not None  # error bars, labelled
    assert [t.get_text() for t in first.get_xticklabels()] == ["0.1", "1", "4"]


def test_gene_moments_leave_out_what_a_log_axis_cannot_place():
    import pandas as pd

    table = pd.DataFrame({"mean real": [0.0, 0.5, 2.0], "mean generated": [0.1, 0.4, 0.0],
                          "var real": [0.2, 0.5, 2.0], "var generated": [0.1, 0.4, 3.0]},
                         index=["A", "B", "C"])
    fig = plotting.plot_gene_moments(table, highlight=("A",))
    mean_panel = fig.axes[0]
    assert len(mean_panel.collections[0].get_offsets()) == 1   # only B has both values > 0
    assert any("2 genes under 0.001 not shown" in t.get_text() for t in mean_panel.texts)


def test_roc_legend_sits_below_the_curves():
    labels = np.r_[np.zeros(50), np.ones(50)]
    fig = plotting.plot_roc_curves({"model": (labels, RNG.random(100))})
    legend = fig.axes[0].get_legend()
    fig.canvas.draw()
    assert legend.get_window_extent().y1 <= fig.axes[0].get_window_extent().y0
