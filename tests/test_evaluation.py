"""Realism tests: classifier two-sample AUC, MMD, mode coverage, gene moments."""

import numpy as np
import pytest

from course_lib import evaluation as ev


def gaussian(n, shift=0.0, dim=10, seed=0):
    return np.random.default_rng(seed).standard_normal((n, dim)) + shift


def test_auc_is_about_half_for_the_same_distribution():
    auc = ev.classifier_two_sample_test(gaussian(300, seed=1), gaussian(300, seed=2))
    assert 0.4 < auc < 0.6


def test_auc_is_near_one_for_different_distributions():
    auc = ev.classifier_two_sample_test(gaussian(300, seed=1), gaussian(300, 2.0, seed=2))
    assert auc > 0.95


def test_auc_on_principal_components_and_scores():
    real, other = gaussian(200, dim=30, seed=1), gaussian(200, 1.5, dim=30, seed=2)
    auc, labels, scores = ev.classifier_two_sample_test(real, other, n_components=5,
                                                        return_scores=True)
    assert auc > 0.9
    assert labels.tolist() == [1] * 200 + [0] * 200
    assert scores.shape == (400,) and np.all((scores >= 0) & (scores <= 1))


def test_auc_accepts_images():
    images = np.random.default_rng(0).random((100, 8, 8))
    assert 0.0 <= ev.classifier_two_sample_test(images[:50], images[50:], folds=3) <= 1.0


def test_split_halves_are_disjoint_and_equal():
    x = np.arange(11)[:, None]
    a, b = ev.split_halves(x, seed=3)
    assert len(a) == len(b) == 5
    assert not set(a.ravel()) & set(b.ravel())


def test_mmd_is_about_zero_for_identical_samples():
    x = gaussian(200)
    assert abs(ev.mmd(x, x)) < 0.01


def test_mmd_is_small_for_same_distribution_and_large_for_different():
    x, y, z = gaussian(300, seed=1), gaussian(300, seed=2), gaussian(300, 1.0, seed=3)
    same, different = ev.mmd(x, y), ev.mmd(x, z)
    assert abs(same) < 0.01
    assert different > 10 * max(abs(same), 1e-3)


def test_mmd_uses_a_shared_kernel_width():
    x, y = gaussian(100, seed=1), gaussian(100, 0.5, seed=2)
    width = ev.median_bandwidth(x)
    assert ev.mmd(x, y) == pytest.approx(ev.mmd(x, y, bandwidth=width))
    assert ev.mmd(x, y, bandwidth=width * 100) < ev.mmd(x, y, bandwidth=width)


def test_median_bandwidth_of_two_points():
    assert ev.median_bandwidth(np.array([[0.0, 0.0], [3.0, 4.0]])) == pytest.approx(5.0)


class OneHotClassifier:
    """Stands in for a Keras classifier: predicts class = first feature."""

    def predict(self, x, batch_size=None, verbose=0):
        labels = np.asarray(x)[:, 0].astype(int)
        return np.eye(10)[labels]


def test_mode_coverage_counts_classes():
    samples = np.array([[3]] * 50 + [[7]] * 49 + [[1]])  # class 1 holds 1 %: not covered
    coverage = ev.mode_coverage(samples, OneHotClassifier())
    assert coverage.counts.tolist() == [0, 1, 0, 50, 0, 0, 0, 49, 0, 0]
    assert coverage.covered == 2
    assert 2.0 < coverage.effective < 2.2
    assert coverage.shares.sum() == pytest.approx(1.0)
    assert "2 of 10" in str(coverage)


def test_mode_coverage_of_uniform_classes():
    samples = np.repeat(np.arange(10), 20)[:, None]
    coverage = ev.mode_coverage(samples, OneHotClassifier())
    assert coverage.covered == 10
    assert coverage.effective == pytest.approx(10.0)


def test_gene_moments_table():
    real = np.array([[0.0, 1.0], [2.0, 1.0]])
    generated = np.array([[1.0, 0.0], [1.0, 4.0]])
    table = ev.gene_moments(real, generated, ["a", "b"], genes=["b"])
    assert list(table.index) == ["b"]
    assert table.loc["b", "mean real"] == 1.0 and table.loc["b", "mean generated"] == 2.0
    assert table.loc["b", "var generated"] == 4.0
    assert table.loc["b", "zeros generated"] == 0.5
