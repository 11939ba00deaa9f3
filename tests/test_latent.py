"""Latent arithmetic, the single-cell VAE recipe and scGen-style prediction (course_lib.latent)."""

import anndata as ad
import keras
import numpy as np
import pandas as pd
import pytest

from course_lib import latent


def test_balanced_mean_weights_groups_equally():
    z = np.array([[0.0], [0.0], [0.0], [10.0]])
    labels = ["a", "a", "a", "b"]
    assert latent.balanced_mean(z, labels)[0] == pytest.approx(5.0)
    assert latent.balanced_mean(z)[0] == pytest.approx(2.5)
    assert latent.balanced_mean(z, labels, rows=[True, True, False, False])[0] == 0.0


def test_perturbation_vector_recovers_a_shared_shift_and_ignores_one_sided_types():
    rng = np.random.default_rng(0)
    shift = np.array([1.0, -2.0, 0.5])
    types = np.repeat(["T", "B", "M", "X"], 50)
    base = {"T": 0.0, "B": 3.0, "M": -4.0, "X": 100.0}
    z = np.array([base[t] for t in types])[:, None] + rng.normal(0, 0.01, (200, 3))
    condition = np.tile(["control", "stimulated"], 100)
    z[condition == "stimulated"] += shift
    # type X (far away) only appears as control: it must not leak into the vector
    keep = ~((types == "X") & (condition == "stimulated"))
    delta = latent.perturbation_vector(z[keep], condition[keep], types[keep])
    np.testing.assert_allclose(delta, shift, atol=0.01)
    # rows= selects the same cells without copying z
    np.testing.assert_allclose(latent.perturbation_vector(z, condition, types, rows=keep), delta)
    with pytest.raises(ValueError):
        latent.perturbation_vector(z[:2], ["control", "control"], ["T", "T"])


def test_batch_shift_aligns_batches_despite_different_compositions():
    rng = np.random.default_rng(1)
    lines = np.array(["A"] * 80 + ["B"] * 20 + ["A"] * 20 + ["B"] * 80)
    batch = np.array(["ref"] * 100 + ["other"] * 100)
    centre = {"A": np.array([0.0, 0.0]), "B": np.array([5.0, 0.0])}
    z = np.array([centre[c] for c in lines]) + rng.normal(0, 0.01, (200, 2))
    z[batch == "other"] += [0.0, 3.0]  # the batch effect
    shifted, shifts = latent.batch_shift(z, batch, "ref", labels=lines)
    np.testing.assert_allclose(shifts["other"], [0.0, -3.0], atol=0.01)
    np.testing.assert_allclose(shifts["ref"], 0.0)
    np.testing.assert_allclose(shifted[batch == "other"].mean(0),
                               [4.0, 0.0], atol=0.02)  # 20 A + 80 B, now at the A/B centres
    # without labels the plain means differ by composition too, so the shift is wrong in x
    _, naive = latent.batch_shift(z, batch, "ref")
    assert abs(naive["other"][0]) > 2
    with pytest.raises(ValueError):
        latent.batch_shift(z, batch, "missing")


def test_mnn_batch_shift_needs_no_labels():
    rng = np.random.default_rng(1)
    # the reference also holds a kind C that the other batch lacks, and the mixes differ
    lines = np.array(["A"] * 80 + ["B"] * 20 + ["C"] * 50 + ["A"] * 20 + ["B"] * 80)
    batch = np.array(["ref"] * 150 + ["other"] * 100)
    centre = {"A": [0.0, 0.0], "B": [5.0, 0.0], "C": [-5.0, 3.0]}
    z = np.array([centre[c] for c in lines]) + rng.normal(0, 0.1, (250, 2))
    z[batch == "other"] += [0.0, 3.0]  # the batch effect
    shifted, shifts = latent.mnn_batch_shift(z, batch, "ref", k=10)
    # pairs join the facing edges of the two clouds, so the shift falls a little short
    assert abs(shifts["other"][0]) < 0.05 and -3 < shifts["other"][1] < -2.7
    np.testing.assert_allclose(shifts["ref"], 0.0)
    np.testing.assert_allclose(shifted[batch == "ref"], z[batch == "ref"])
    # the plain means are pulled by the composition (and by C), the MNN pairs are not
    _, naive = latent.batch_shift(z, batch, "ref")
    assert np.linalg.norm(naive["other"] - [0.0, -3.0]) > 2
    with pytest.raises(ValueError):
        latent.mnn_batch_shift(z, batch, "missing")

def test_interpolation_and_projection():
    path = latent.interpolate([0, 0], [2, 4], n_steps=5)
    np.testing.assert_allclose(path, [[0, 0], [0.5, 1], [1, 2], [1.5, 3], [2, 4]])
    t = latent.project_on_path(path, [0, 0], [2, 4])
    np.testing.assert_allclose(t, np.linspace(0, 1, 5))


def test_cell_batches_cover_every_cell_once_per_epoch():
    x = np.arange(20, dtype="float32")[:, None]
    batches = latent.CellBatches(x, np.arange(3, 20), batch_size=5, seed=0)
    assert len(batches) == 4
    seen = np.concatenate([batches[i][:, 0] for i in range(len(batches))])
    assert sorted(seen) == list(range(3, 20))


def test_cell_batches_pair_inputs_with_their_targets_dense_or_sparse():
    import scipy.sparse as sp

    x = np.arange(20, dtype="float32")[:, None]
    counts = np.hstack([x * 10, x * 100]).astype("int64")
    for y in (counts, sp.csr_matrix(counts)):
        batches = latent.CellBatches(x, np.arange(20), batch_size=6, seed=0, y=y)
        inputs, targets = batches[1]
        assert targets.dtype == np.float32 and isinstance(targets, np.ndarray)
        np.testing.assert_array_equal(targets[:, 0], inputs[:, 0] * 10)


def _toy_perturbation_data(n_genes=40, seed=0):
    """Three cell types, control vs stimulated; stimulation raises the first 10 genes unevenly."""
    rng = np.random.default_rng(seed)
    profiles = rng.gamma(1.0, 1.0, size=(3, n_genes))
    rows, obs = [], []
    for t, name in enumerate(["T", "B", "M"]):
        for condition in ("control", "stimulated"):
            mean = profiles[t].copy()
            if condition == "stimulated":
                mean[:10] += np.linspace(1.0, 4.0, 10)
            rows.append(np.clip(mean + rng.normal(0, 0.3, size=(60, n_genes)), 0, None))
            obs += [(name, condition)] * 60
    obs = pd.DataFrame(obs, columns=["cell_type", "condition"],
                       index=[f"c{i}" for i in range(len(obs))])
    return ad.AnnData(np.vstack(rows).astype("float32"), obs=obs,
                      var=pd.DataFrame(index=[f"g{i}" for i in range(n_genes)]))


def test_predict_perturbation_never_trains_on_the_held_out_cells():
    adata = _toy_perturbation_data()
    result = latent.predict_perturbation(adata, "cell_type", "condition", "B", n_degs=10,
                                         epochs=40, batch_size=32, progress=False,
                                         hidden=(32, 16), latent_dim=4)
    held = (adata.obs["cell_type"] == "B") & (adata.obs["condition"] == "stimulated")
    assert not result.train_cells[held.to_numpy()].any()
    assert result.train_cells[~held.to_numpy()].all()
    assert result.real.shape == (60, 40) and result.predicted.shape == (60, 40)
    assert set(result.degs) <= set(adata.var_names) and len(result.degs) == 10
    assert set(result.degs) <= {f"g{i}" for i in range(10)}  # the stimulated genes
    r2 = result.r2
    # gene-space arithmetic is exact for an additive toy effect; control cells are worse
    assert r2["gene_space_top"] > r2["control_top"]
    assert 0 <= r2["vae_all"] <= 1
    assert result.mae["gene_space_top"] < result.mae["control_top"]
    assert set(result.mae) == set(r2)
    assert list(result.table().columns) == [("r²", "all genes"), ("r²", "top DEGs"),
                                            ("MAE", "all genes"), ("MAE", "top DEGs")]
    with pytest.raises(ValueError):
        latent.predict_perturbation(adata, "cell_type", "condition", "missing")


def test_train_sc_vae_uses_the_recipe_and_early_stopping():
    x = np.random.default_rng(0).gamma(1.0, 1.0, size=(120, 30)).astype("float32")
    vae, history, (train_idx, val_idx) = latent.train_sc_vae(x, epochs=3, batch_size=32,
                                                             progress=False)
    assert vae.latent_dim == 32 and vae.beta == pytest.approx(0.1)
    assert vae.prior_sd == pytest.approx(0.8) and vae.likelihood == "gaussian"
    assert len(train_idx) == 108 and len(val_idx) == 12
    assert not set(train_idx) & set(val_idx)
    assert {"loss", "val_loss", "cell_correlation"} <= set(history.history)
    assert vae.decode(np.zeros((2, 32))).min() >= 0  # relu output
    assert vae.optimizer.amsgrad
    assert vae.train_function is None  # the traced graphs are dropped
    # and so is Adam's state (three numbers per weight): the model encodes, it trains no more
    assert sum(np.size(keras.ops.convert_to_numpy(v)) for v in vae.optimizer.variables) < 10
    assert vae.encode(x).shape == (120, 32)


def test_batched_inference_matches_one_call_of_the_sub_models():
    x = np.random.default_rng(3).gamma(1.0, 1.0, size=(70, 12)).astype("float32")
    vae = latent.build_sc_vae(12, 3, 2, hidden=(8,), latent_dim=3)
    mean, log_var = (keras.ops.convert_to_numpy(t) for t in vae.encoder(x, training=False))
    np.testing.assert_allclose(vae.encode(x, batch_size=32), mean, atol=1e-5)
    np.testing.assert_allclose(vae.encode_distribution(x, batch_size=32)[1], log_var, atol=1e-5)
    decoded = keras.ops.convert_to_numpy(vae.decoder(mean, training=False))
    np.testing.assert_allclose(vae.reconstruct(x, batch_size=32), decoded, atol=1e-5)
    np.testing.assert_allclose(vae.decode(mean, batch_size=32), decoded, atol=1e-5)
    assert vae.generate(5, seed=1).shape == (5, 12)
    np.testing.assert_allclose(vae.generate(5, seed=1), vae.generate(5, seed=1))
    near = latent.sample_near(vae, x[:10], 20, seed=0)
    assert near.shape == (20, 12) and near.min() >= 0


def test_train_sc_vae_sees_only_the_given_cells():
    x = np.random.default_rng(5).gamma(1.0, 1.0, size=(100, 15)).astype("float32")
    keep = np.arange(100) % 4 != 0  # every fourth cell is held out
    _, _, (train_idx, val_idx) = latent.train_sc_vae(x, cells=keep, epochs=1, batch_size=32,
                                                     progress=False, hidden=(8,), latent_dim=2)
    used = np.concatenate([train_idx, val_idx])
    assert sorted(used) == list(np.flatnonzero(keep))
    assert len(val_idx) == round(0.1 * keep.sum())


def test_training_in_parts_is_the_same_run_as_one_fit():
    x = np.random.default_rng(6).gamma(1.0, 1.0, size=(90, 20)).astype("float32")
    settings = dict(epochs=6, batch_size=32, progress=False, hidden=(16,), latent_dim=3)
    whole, history, _ = latent.train_sc_vae(x, **settings)
    run = latent.ScVaeTraining(x, **settings)
    first = len(run.fit(2).history["loss"])
    assert first == 2 and not run.finished
    run.fit(3)
    parts = run.fit()  # the rest
    assert run.finished and len(parts.history["loss"]) == 6
    np.testing.assert_allclose(parts.history["loss"], history.history["loss"], rtol=1e-4)
    for a, b in zip(whole.get_weights(), run.vae.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    assert run.fit(5) is parts and len(parts.history["loss"]) == 6  # nothing left to train


def test_early_stopping_carries_over_between_parts():
    x = np.random.default_rng(7).gamma(1.0, 1.0, size=(60, 10)).astype("float32")
    run = latent.ScVaeTraining(x, epochs=40, batch_size=32, patience=1, progress=False,
                               hidden=(8,), latent_dim=2, peak_lr=0.3)
    for _ in range(20):
        run.fit(2)
    val = run.history.history["val_loss"]
    assert run.finished and len(val) < 40  # stopped early, across parts
    assert run.stopping.best == pytest.approx(min(val))  # patience counted over all parts


def test_scgens_own_vector_counts_the_held_out_types_controls():
    # scGen's code balances every training control cell, the held-out type's included,
    # against the stimulated ones; the course's variant keeps only types seen in both
    types = np.array(["T", "T", "X"])
    condition = np.array(["control", "stimulated", "control"])
    z = np.array([[0.0], [1.0], [10.0]])
    assert latent.perturbation_vector(z, condition, types)[0] == pytest.approx(1.0)
    paper = latent.perturbation_vector(z, condition, types, shared_types_only=False)
    assert paper[0] == pytest.approx(1.0 - (0.0 + 10.0) / 2)


def test_pca_arithmetic_recovers_an_additive_response_in_gene_space():
    adata = _toy_perturbation_data()
    x = adata.X
    types = adata.obs["cell_type"].astype(str).to_numpy()
    condition = adata.obs["condition"].astype(str).to_numpy()
    held = (types == "B") & (condition == "stimulated")
    source = (types == "B") & (condition == "control")
    predicted = latent.pca_arithmetic(x, condition, types, ~held, source)
    assert predicted.shape == (source.sum(), x.shape[1]) and predicted.min() >= 0
    control_error = np.abs(x[source].mean(0) - x[held].mean(0)).mean()
    assert np.abs(predicted.mean(0) - x[held].mean(0)).mean() < control_error / 2


def test_predict_perturbation_scores_every_method_and_the_reference():
    adata = _toy_perturbation_data()
    result = latent.predict_perturbation(adata, "cell_type", "condition", "B", n_degs=10,
                                         epochs=2, batch_size=32, progress=False,
                                         hidden=(16,), latent_dim=2)
    assert set(result.r2) == {f"{m}_{g}" for m in latent.METHODS for g in ("all", "top")}
    assert list(result.table().index) == list(latent.METHODS.values())
    assert 0 <= result.r2["resampled_top"] <= 1


def test_sample_near_draws_from_the_likelihood_when_asked():
    x = np.random.default_rng(0).gamma(1.0, 1.0, size=(60, 12)).astype("float32")
    vae = latent.train_sc_vae(x, epochs=1, batch_size=32, progress=False, hidden=(8,))[0]
    means = latent.sample_near(vae, x, 400, seed=1)
    drawn = latent.sample_near(vae, x, 400, seed=1, from_likelihood=True)
    assert drawn.shape == means.shape and drawn.min() >= 0
    # the same latent draws, plus noise of variance beta/2 (clipped at 0 where means are 0)
    positive = means > 1.0
    assert np.std((drawn - means)[positive]) == pytest.approx(np.sqrt(0.1 / 2), rel=0.1)


def test_sample_near_draws_counts_from_a_count_vae():
    rng = np.random.default_rng(0)
    counts = rng.poisson(3.0, size=(60, 12)).astype("float32")
    library = counts.sum(1)
    x = np.log1p(30 * counts / library[:, None]).astype("float32")
    vae = latent.train_sc_vae(x, epochs=1, batch_size=32, progress=False, hidden=(8,),
                              y=counts, **{k: v for k, v in latent.SC_COUNT_VAE.items()
                                           if k not in ("hidden",)})[0]
    drawn = latent.sample_near(vae, x, 50, seed=0, from_likelihood=True,
                               library_sizes=library, depth=30)
    assert drawn.shape == (50, 12) and drawn.min() >= 0
    # log-normalised at the given depth, like the real cells: expm1 sums to the depth
    np.testing.assert_allclose(np.expm1(drawn).sum(1), 30, rtol=1e-4)
    with pytest.raises(ValueError, match="library_sizes and depth"):
        latent.sample_near(vae, x, 5, from_likelihood=True)
