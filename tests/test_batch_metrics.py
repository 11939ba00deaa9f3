"""The scIB batch-correction metrics of course_lib.metrics, and their agreement with
scib-metrics (the reference implementation, pinned in requirements-dev.txt)."""

import numpy as np
import pytest
from sklearn.metrics import silhouette_samples

from course_lib import metrics

# scib-metrics computes in float32 (JAX); the course in float64. Differences seen: < 1e-6.
TOLERANCE = 1e-5


def _cells(batch_effect, n_per=60, seed=0):
    """Three labels x three batches in 6 dimensions; every batch moved by its own offset.

    Label "C" exists in two batches only, as two of CellBench's cell lines do. Every label
    has the same number of cells, so scib-metrics compiles its per-label silhouette once.
    """
    rng = np.random.default_rng(seed)
    labels = np.repeat(["A", "B", "C"], n_per)
    batches = np.concatenate([np.resize(["b0", "b1", "b2"], n_per)] * 2
                             + [np.resize(["b0", "b1"], n_per)])
    centres = {"A": 0.0, "B": 6.0, "C": 12.0}
    offsets = {"b0": 0.0, "b1": 1.0, "b2": -1.0}
    x = rng.normal(0, 1, (3 * n_per, 6))
    x[:, 0] += [centres[label] for label in labels]
    x[:, 1] += [batch_effect * offsets[batch] for batch in batches]
    return x, batches, labels


@pytest.mark.parametrize("batch_effect", [6.0, 0.0], ids=["batch effect", "mixed"])
def test_scores_agree_with_scib_metrics(batch_effect):
    scib_metrics = pytest.importorskip("scib_metrics")
    from scib_metrics.nearest_neighbors import jax_approx_min_k  # exact on CPU

    x, batches, labels = _cells(batch_effect)
    ours = metrics.scib_scores(x, batches, labels)
    neighbours = jax_approx_min_k(x.astype("float32"), n_neighbors=90)  # the cell included
    theirs = {
        "silhouette_batch": scib_metrics.silhouette_batch(x, labels, batches),
        "ilisi": scib_metrics.ilisi_knn(neighbours, batches, perplexity=30),
        "graph_connectivity": scib_metrics.graph_connectivity(
            neighbours.subset_neighbors(15), labels),
        "silhouette_label": scib_metrics.silhouette_label(x, labels),
        "clisi": scib_metrics.clisi_knn(neighbours, labels, perplexity=30),
        "isolated_labels": scib_metrics.isolated_labels(x, labels, batches),
    }
    # NMI and ARI are scikit-learn's in both; only the KMeans run before them differs
    assert set(ours) == set(theirs) | {"nmi", "ari"}
    for name, value in theirs.items():
        assert ours[name] == pytest.approx(float(value), abs=TOLERANCE), name


def test_batch_scores_are_high_when_mixed_and_low_when_batches_separate():
    mixed = metrics.scib_scores(*_cells(0.0))
    separated = metrics.scib_scores(*_cells(30.0))
    for name in ("silhouette_batch", "ilisi", "graph_connectivity"):
        assert mixed[name] > separated[name] + 0.3, name
    for name in ("clisi", "nmi", "ari"):  # mixed batches, labels still apart
        assert mixed[name] > 0.99, name
    # 3 batches fully separated within a label: each is its own piece of the kNN graph
    assert separated["graph_connectivity"] == pytest.approx((1 / 3 + 1 / 3 + 1 / 2) / 3,
                                                            abs=0.02)


def test_isolated_labels_scores_only_the_labels_in_fewest_batches():
    x, batches, labels = _cells(0.0)
    rescaled = (silhouette_samples(x, labels) + 1) / 2
    # "C" is the one label in two batches only
    assert metrics.isolated_labels(x, batches, labels) == pytest.approx(
        rescaled[labels == "C"].mean())
    # merge "C" into "B": its silhouette falls to about 0, rescaled 0.5
    merged = x.copy()
    merged[labels == "C", 0] -= 6.0
    assert metrics.isolated_labels(merged, batches, labels) < (
        metrics.isolated_labels(x, batches, labels) - 0.2)
    # every label in every batch: all labels count
    everywhere = np.resize(["b0", "b1", "b2"], len(labels))
    assert metrics.isolated_labels(x, everywhere, labels) == pytest.approx(rescaled.mean())


def test_silhouette_batch_scores_one_minus_the_absolute_silhouette():
    x, batches, labels = _cells(3.0)
    a = labels == "A"
    expected_a = np.mean(1 - np.abs(silhouette_samples(x[a], batches[a])))
    only_a = metrics.silhouette_batch(x[a], batches[a], labels[a])
    assert only_a == pytest.approx(expected_a)
    # a label seen in a single batch says nothing about mixing and is left out
    one_batch = np.where(labels == "A", "b0", batches)
    without_a = metrics.silhouette_batch(x[~a], batches[~a], labels[~a])
    assert metrics.silhouette_batch(x, one_batch, labels) == pytest.approx(without_a)


def test_label_silhouette_is_rescaled_to_0_1():
    x, _, labels = _cells(0.0)
    assert metrics.silhouette_label(x, labels) == pytest.approx(
        (metrics.silhouette(x, labels) + 1) / 2)


def test_lisi_counts_the_effective_number_of_labels_around_a_cell():
    x = np.random.default_rng(1).normal(size=(1000, 3))
    assert np.allclose(metrics.lisi(x, np.zeros(1000)), 1.0)
    # two labels at random: about 2, less the chance imbalance among ~30 weighted neighbours
    two = np.resize(["p", "q"], 1000)
    assert 1.85 < np.median(metrics.lisi(x, two)) <= 2
    # far from every other cell: the kernel still finds its neighbours (no 0/0)
    far = np.vstack([x, [[1e3, 0, 0]]])
    assert np.isfinite(metrics.lisi(far, np.resize(["p", "q"], 1001))).all()
