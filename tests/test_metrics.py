"""Latent-space, denoising and perturbation metrics (course_lib.metrics); batch mixing is in
test_batch_metrics.py."""

import numpy as np
import pytest

from course_lib import metrics

RNG = np.random.default_rng(0)


def _blobs(n_per=40, k=3, d=5, spread=0.3, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 5, size=(k, d))
    labels = np.repeat(np.arange(k), n_per)
    return centres[labels] + rng.normal(0, spread, size=(k * n_per, d)), labels


def test_separated_blobs_score_high_and_noise_scores_low():
    x, labels = _blobs()
    good = metrics.latent_quality(x, labels)
    assert good["asw"] > 0.8 and good["nmi"] > 0.95 and good["ari"] > 0.95
    noise = metrics.latent_quality(RNG.normal(size=x.shape), labels)
    assert abs(noise["asw"]) < 0.1 and noise["ari"] < 0.1


def test_kmeans_agreement_takes_string_labels():
    x, labels = _blobs(k=2)
    names = np.where(labels == 0, "B", "CD4T")
    assert metrics.kmeans_agreement(x, names)["ari"] == pytest.approx(1.0)


def test_poisson_counts_have_the_poisson_slope():
    means = np.logspace(-0.5, 1.5, 200)
    counts = np.random.default_rng(1).poisson(means, size=(4000, 200))
    slope = metrics.trend_slope(counts)
    assert slope == pytest.approx(-0.5, abs=0.05)
    mean, cv = metrics.mean_cv(counts)
    np.testing.assert_allclose(cv, 1 / np.sqrt(mean), rtol=0.1)


def test_smooth_trend_follows_a_line():
    x = np.linspace(0, 10, 500)
    centres, medians = metrics.smooth_trend(x, 2 * x + 1, n_bins=10)
    np.testing.assert_allclose(medians, 2 * centres + 1, atol=1e-9)


def test_mask_nonzero_hides_only_nonzero_entries():
    x = RNG.poisson(0.5, size=(50, 40)).astype("float32")
    masked, mask = metrics.mask_nonzero(x, 0.1, seed=3)
    assert mask.sum() == round(0.1 * np.count_nonzero(x))
    assert np.all(x[mask] > 0) and np.all(masked[mask] == 0)
    np.testing.assert_array_equal(masked[~mask], x[~mask])
    again, mask_again = metrics.mask_nonzero(x, 0.1, seed=3)
    np.testing.assert_array_equal(mask, mask_again)
    err = metrics.masked_error(x, x + 0.5, mask)
    assert err["median_abs_error"] == pytest.approx(0.5) and err["correlation"] == pytest.approx(1)


def test_r2_mean_is_squared_pearson_of_gene_means():
    real = RNG.random((30, 20))
    predicted = RNG.random((10, 20))
    expected = np.corrcoef(predicted.mean(0), real.mean(0))[0, 1] ** 2
    assert metrics.r2_mean(predicted, real) == pytest.approx(expected)
    # a scaled and shifted prediction is perfect under this R^2
    assert metrics.r2_mean(3 * real + 1, real) == pytest.approx(1.0)
    genes = np.arange(20) < 5
    expected_top = np.corrcoef(predicted.mean(0)[:5], real.mean(0)[:5])[0, 1] ** 2
    assert metrics.r2_mean(predicted, real, genes) == pytest.approx(expected_top)


def test_resampled_reference_is_high_for_a_consistent_population_and_grows_with_n():
    profile = np.linspace(0, 5, 100)
    cells = profile + np.random.default_rng(2).normal(0, 0.5, size=(300, 100))
    assert metrics.resampled_reference(cells, 150) > 0.95
    assert metrics.resampled_reference(cells, 150, metrics.mae_mean) < 0.1
    # fewer resampled cells, more sampling noise: the reference falls (r^2) and rises (MAE)
    assert metrics.resampled_reference(cells, 10) < metrics.resampled_reference(cells, 300)
    assert (metrics.resampled_reference(cells, 10, metrics.mae_mean)
            > metrics.resampled_reference(cells, 300, metrics.mae_mean))


def test_mae_of_gene_means_sees_the_scale_that_r2_ignores():
    real = RNG.random((30, 20))
    assert metrics.mae_mean(real, real) == 0
    assert metrics.mae_mean(3 * real + 1, real) == pytest.approx(np.mean(2 * real.mean(0) + 1))
    genes = np.arange(20) < 5
    expected = np.mean(np.abs(real[:10].mean(0) - real[10:].mean(0))[:5])
    assert metrics.mae_mean(real[:10], real[10:], genes) == pytest.approx(expected)


def test_cell_correlation_metric_averages_per_cell_pearson():
    a, b = RNG.random((4, 10)).astype("float32"), RNG.random((4, 10)).astype("float32")
    metric = metrics.cell_correlation_metric()
    metric.update_state(a, b)
    expected = np.mean([np.corrcoef(a[i], b[i])[0, 1] for i in range(len(a))])
    assert float(metric.result()) == pytest.approx(expected, abs=1e-5)


def test_mean_cv_from_log_matches_the_count_scale():
    counts = np.random.default_rng(4).poisson(3.0, size=(200, 30)).astype("float32")
    log = np.log1p(counts * 2.0)
    mean, cv = metrics.mean_cv(log, from_log=True, scale=0.5, chunk=7)
    expected_mean, expected_cv = metrics.mean_cv(counts)
    np.testing.assert_allclose(mean, expected_mean, rtol=1e-5)
    np.testing.assert_allclose(cv, expected_cv, rtol=1e-5)


def test_mcv_loss_ranks_a_denoiser_above_the_noisy_half_and_pca_finds_the_true_rank():
    import anndata
    import scipy.sparse as sp

    from course_lib.metrics import mcv_loss, pca_mcv_losses
    from course_lib.preprocessing import split_molecules

    rng = np.random.default_rng(0)
    # 400 cells whose expected counts lie on a rank-3 structure, observed with Poisson noise
    programs = rng.gamma(1.0, 1.0, size=(3, 60))
    activity = rng.gamma(1.0, 1.0, size=(400, 3))
    rate = 4.0 * activity @ programs
    cells = anndata.AnnData(sp.csr_matrix(rng.poisson(rate).astype("float32")))
    first, second = split_molecules(cells, 0.5, seed=1)
    a, b = np.log1p(first.X.toarray()), np.log1p(second.X.toarray())
    truth = np.log1p(rate / 2)
    losses = pca_mcv_losses(a, b, ranks=(1, 2, 3, 5, 10, 30, 59))
    assert min(losses, key=losses.get) in (2, 3, 5)
    assert losses[3] < losses[59] and losses[3] < losses[1]
    assert mcv_loss(truth, b) < losses[3] < mcv_loss(a, b)
    assert mcv_loss(a, sp.csr_matrix(b), chunk=64) == pytest.approx(mcv_loss(a, b), rel=1e-6)
    rows = np.arange(0, len(a), 3)  # some cells of both, scored without copying them
    assert mcv_loss(a, sp.csr_matrix(b), rows=rows, chunk=16) == pytest.approx(
        mcv_loss(a[rows], b[rows]), rel=1e-6)
    with pytest.raises(ValueError, match="differ"):
        mcv_loss(a[:, :10], b)
