"""The linear baselines of notebook 06 (course_lib.baselines)."""

import numpy as np
import pytest
import scanpy as sc

from course_lib import baselines, metrics

RNG = np.random.default_rng(0)


def test_scaled_pca_standardises_genes_as_scanpy_does():
    x = RNG.poisson(1.0, size=(200, 30)).astype("float32")
    x[:, 3] = 0  # a constant gene stays 0 instead of dividing by zero
    x[0, 7] = 60  # one extreme value is clipped at 10 sd
    model = baselines.GenePCA(5, scale=True).fit(x)
    np.testing.assert_allclose(model._centred(x) + model.pca_mean_,
                               sc.pp.scale(x.copy(), max_value=10), atol=1e-5)


def test_rows_in_blocks_give_what_the_whole_matrix_gives():
    x = RNG.gamma(2.0, 1.0, size=(53, 12)).astype("float32")
    for scale in (False, True):
        whole = baselines.GenePCA(4, scale=scale, chunk=1000).fit(x)
        blocks = baselines.GenePCA(4, scale=scale, chunk=7).fit(x)
        np.testing.assert_allclose(blocks.transform(x), whole.transform(x), atol=1e-5)
        np.testing.assert_allclose(blocks.reconstruct(x, 2), whole.reconstruct(x, 2), atol=1e-5)


def test_full_rank_reconstruction_gives_the_input_back_on_its_own_scale():
    x = RNG.gamma(2.0, 1.0, size=(40, 8)).astype("float32")
    for scale in (False, True):
        model = baselines.GenePCA(8, scale=scale).fit(x)
        np.testing.assert_allclose(model.reconstruct(x), x, atol=1e-4)
        assert model.transform(x, rank=3).shape == (40, 3)


def test_new_rows_are_projected_not_fitted():
    x = RNG.normal(size=(100, 6)).astype("float32")
    model = baselines.GenePCA(2).fit(x[:50])
    again = baselines.GenePCA(2).fit(x[:50])
    np.testing.assert_allclose(model.transform(x[50:]), again.transform(x[50:]))
    assert not np.allclose(model.mean_, x.mean(0))  # learnt from the first 50 rows only


def _cells_with_molecules(seed=0, n=300, genes=40, rank=3):
    rng = np.random.default_rng(seed)
    profile = np.exp(rng.normal(size=(n, rank)) @ rng.normal(size=(rank, genes)) * 0.7)
    fitted, held = rng.poisson(profile), rng.poisson(profile)
    return np.log1p(fitted).astype("float32"), np.log1p(held).astype("float32")


def test_the_rank_is_chosen_on_the_validation_cells_only():
    x, held = _cells_with_molecules()
    train, val = np.arange(250), np.arange(250, 300)
    rank, losses = baselines.choose_pca_rank(x, held, train, val, ranks=(1, 3, 10, 30))
    assert set(losses) == {1, 3, 10, 30} and rank == min(losses, key=losses.get)
    assert 1 < rank < 30  # too few components lose biology, too many keep noise
    # the training cells' held-out molecules play no part in the choice
    poisoned = held.copy()
    poisoned[train] = np.nan
    assert baselines.choose_pca_rank(x, poisoned, train, val, ranks=(1, 3, 10, 30))[1] == losses
    assert losses[rank] == pytest.approx(metrics.mcv_loss(
        baselines.GenePCA(rank).fit(x[train]).reconstruct(x[val]), held[val]))


def test_nonzero_mean_ignores_the_zeros():
    x = np.array([[0.0, 2.0, 0.0], [4.0, 0.0, 0.0], [2.0, 0.0, 0.0]])
    np.testing.assert_allclose(baselines.nonzero_mean(x), [3.0, 2.0, 0.0])
