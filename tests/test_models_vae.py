"""Autoencoder and VAE builders in course_lib.models (notebooks 03, 04 and 06)."""

import os
import subprocess
import sys
import textwrap
from importlib.util import find_spec

import keras
import numpy as np
import pytest

import course_lib  # noqa: F401  (sets the backend environment before Keras loads)
from course_lib.models import (
    VAE,
    ImageCorruption,
    add_noise,
    build_autoencoder,
    build_vae,
    kl_to_prior,
    mask_patch,
    reconstruction_loss,
)

RNG = np.random.default_rng(0)
X = RNG.random((64, 12)).astype("float32")


def _np_bce(x, p, eps=1e-7):
    p = np.clip(p, eps, 1 - eps)
    return -(x * np.log(p) + (1 - x) * np.log(1 - p)).sum(axis=1)


def _np_kl(mean, log_var, prior_sd):
    var, prior_var = np.exp(log_var), prior_sd ** 2
    return 0.5 * ((var + mean ** 2) / prior_var - 1 - log_var + np.log(prior_var)).sum(axis=1)


def _freeze_posterior_sd(vae, log_var=-30.0):
    """Make q(z|x) a point mass at z_mean so a sampled z equals z_mean (for exact checks)."""
    layer = vae.encoder.get_layer("z_log_var")
    kernel, bias = layer.get_weights()
    layer.set_weights([np.zeros_like(kernel), np.full_like(bias, log_var)])


def test_autoencoder_shapes_and_parts():
    autoencoder, encoder, decoder = build_autoencoder(12, latent_dim=3, hidden=(8, 6))
    assert encoder.predict(X, verbose=0).shape == (64, 3)
    assert decoder.predict(np.zeros((5, 3)), verbose=0).shape == (5, 12)
    out = autoencoder.predict(X, verbose=0)
    assert out.shape == (64, 12) and out.min() >= 0 and out.max() <= 1
    np.testing.assert_allclose(out, decoder.predict(encoder.predict(X, verbose=0), verbose=0),
                               rtol=1e-5, atol=1e-6)


def test_sparse_autoencoder_adds_an_activity_penalty():
    autoencoder, _, _ = build_autoencoder(12, latent_dim=16, hidden=(8,), code_l1=1e-2,
                                          latent_activation="relu")
    autoencoder(X)
    assert len(autoencoder.losses) == 1


def test_image_corruption_noise_or_patch_only_in_training():
    x = np.full((200, 784), 0.5, dtype="float32")
    layer = ImageCorruption(noise_sd=0.3, patch=12, seed=1)
    np.testing.assert_array_equal(np.asarray(layer(x)), x)  # inference: untouched
    out = np.asarray(layer(x, training=True))
    assert out.min() >= 0 and out.max() <= 1
    zeros = (out == 0).sum(axis=1)
    patched = zeros == 144
    noisy = ~patched & (np.abs(out - x).mean(axis=1) > 0.1)
    assert (patched | noisy).all() and 60 < patched.sum() < 140
    rows, cols = np.nonzero(out[np.flatnonzero(patched)[0]].reshape(28, 28) == 0)
    assert rows.max() - rows.min() == 11 and cols.max() - cols.min() == 11  # one square


def test_denoising_autoencoder_corrupts_only_its_training_input():
    corruption = ImageCorruption(seed=0)
    autoencoder, encoder, decoder = build_autoencoder(784, latent_dim=4, hidden=(16,),
                                                      corruption=corruption)
    x = RNG.random((8, 784)).astype("float32")
    np.testing.assert_allclose(np.asarray(autoencoder(x)), np.asarray(decoder(encoder(x))),
                               rtol=1e-5, atol=1e-6)
    assert not np.allclose(np.asarray(autoencoder(x, training=True)), np.asarray(autoencoder(x)))


def test_numpy_corruption_helpers():
    x = np.full((5, 784), 0.5, dtype="float32")
    noisy = add_noise(x, sd=0.5, seed=0)
    assert noisy.shape == x.shape and noisy.min() >= 0 and noisy.max() <= 1
    np.testing.assert_array_equal(noisy, add_noise(x, sd=0.5, seed=0))
    masked, mask = mask_patch(x, size=12, seed=0)
    assert mask.shape == x.shape and (mask.sum(axis=1) == 144).all()
    assert (masked[mask] == 0).all() and (masked[~mask] == 0.5).all()



def test_vae_shapes_and_numpy_methods():
    vae = build_vae(12, latent_dim=3, hidden=(8, 6))
    assert isinstance(vae, VAE) and vae.latent_dim == 3
    assert isinstance(vae.encoder, keras.Model) and isinstance(vae.decoder, keras.Model)
    mean, log_var = vae.encode_distribution(X)
    assert mean.shape == log_var.shape == (64, 3)
    np.testing.assert_allclose(vae.encode(X), mean)
    assert isinstance(vae.decode(mean), np.ndarray) and vae.decode(mean).shape == (64, 12)
    np.testing.assert_allclose(np.asarray(vae(X)), vae.decode(mean), rtol=1e-5, atol=1e-6)
    samples = vae.generate(7, seed=1)
    assert samples.shape == (7, 12)
    np.testing.assert_allclose(samples, vae.generate(7, seed=1))
    assert not np.allclose(samples, vae.generate(7, seed=2))


def test_loss_helpers_match_numpy():
    mean, log_var = RNG.normal(size=(5, 3)), RNG.normal(size=(5, 3)) * 0.5
    np.testing.assert_allclose(np.asarray(kl_to_prior(mean, log_var, 0.8)),
                               _np_kl(mean, log_var, 0.8), rtol=1e-5)
    p = RNG.random((5, 12))
    np.testing.assert_allclose(np.asarray(reconstruction_loss(X[:5], p, "bernoulli")),
                               _np_bce(X[:5], p), rtol=1e-4)
    np.testing.assert_allclose(np.asarray(reconstruction_loss(X[:5], p, "gaussian")),
                               ((X[:5] - p) ** 2).sum(axis=1), rtol=1e-5)
    with pytest.raises(ValueError):
        reconstruction_loss(X[:5], p, "poisson")


@pytest.mark.parametrize("likelihood,output_activation", [("bernoulli", "sigmoid"),
                                                           ("gaussian", "relu")])
def test_loss_terms_match_a_hand_computation(likelihood, output_activation):
    beta, prior_sd = 0.3, 0.8
    vae = build_vae(12, latent_dim=2, hidden=(8,), beta=beta, prior_sd=prior_sd,
                    likelihood=likelihood, output_activation=output_activation)
    _freeze_posterior_sd(vae)
    vae.compile(optimizer="adam")
    x = X[:6]
    mean, log_var = vae.encode_distribution(x)
    x_hat = vae.decode(mean)
    if likelihood == "bernoulli":
        recon = _np_bce(x, x_hat).mean()
    else:
        recon = ((x - x_hat) ** 2).sum(axis=1).mean()
    kl = _np_kl(mean, log_var, prior_sd).mean()
    logs = vae.evaluate(x, batch_size=6, verbose=0, return_dict=True)
    assert logs["reconstruction_loss"] == pytest.approx(recon, rel=1e-4)
    assert logs["kl_loss"] == pytest.approx(kl, rel=1e-4)
    assert logs["loss"] == pytest.approx(recon + beta * kl, rel=1e-4)


def test_compute_loss_scores_its_own_x_not_the_last_call():
    vae = build_vae(12, latent_dim=2, hidden=(8,), beta=0.7)
    _freeze_posterior_sd(vae)
    x, other = X[:8], 1.0 - X[8:16]
    mean, log_var = vae.encode_distribution(x)
    recon, kl = _np_bce(x, vae.decode(mean)).mean(), _np_kl(mean, log_var, 1.0).mean()
    for y_pred in (vae(other, training=True), vae(other)):  # a call on other data just before
        loss = vae.compute_loss(x=x, y_pred=y_pred, training=False)
        assert float(loss) == pytest.approx(recon + 0.7 * kl, rel=1e-4)
    vae.kl_loss_tracker.reset_state()
    vae(other, training=True)
    vae.compute_loss(x=x, y_pred=vae(x, training=True))
    assert float(vae.kl_loss_tracker.result()) == pytest.approx(kl, rel=1e-4)


def test_training_lowers_the_loss_and_logs_the_three_terms():
    keras.utils.set_random_seed(0)
    x = (RNG.random((512, 12)) < np.linspace(0.1, 0.9, 12)).astype("float32")
    vae = build_vae(12, latent_dim=2, hidden=(16,))
    vae.compile(optimizer=keras.optimizers.Adam(1e-2))
    before = vae.evaluate(x, batch_size=128, verbose=0, return_dict=True)["loss"]
    history = vae.fit(x, epochs=8, batch_size=64, verbose=0)
    assert {"loss", "reconstruction_loss", "kl_loss"} <= set(history.history)
    after = vae.evaluate(x, batch_size=128, verbose=0, return_dict=True)["loss"]
    assert after < before - 0.5


class _MeanAbsDiff(keras.metrics.Metric):
    """Test metric: mean |target - reconstruction| (checks what compile's metrics receive)."""

    def __init__(self, name="mad", **kwargs):
        super().__init__(name=name, **kwargs)
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")
        self.count = self.add_variable(shape=(), initializer="zeros", name="count")

    def update_state(self, y_true, y_pred, sample_weight=None):
        self.total.assign_add(keras.ops.mean(keras.ops.abs(y_true - y_pred)))
        self.count.assign_add(1.0)

    def result(self):
        return self.total / keras.ops.maximum(self.count, 1.0)


def test_compiled_metrics_see_input_and_reconstruction():
    vae = build_vae(12, latent_dim=2, hidden=(8,), likelihood="gaussian",
                    output_activation="relu", dropout=0.2)
    vae.compile(optimizer="adam", metrics=[_MeanAbsDiff()])
    history = vae.fit(X, epochs=2, batch_size=32, verbose=0, validation_data=(X,))
    assert "mad" in history.history and "val_mad" in history.history
    logs = vae.evaluate(X, batch_size=64, verbose=0, return_dict=True)
    expected = np.abs(X - vae.reconstruct(X)).mean()  # evaluation: deterministic reconstruction
    assert logs["mad"] == pytest.approx(expected, rel=1e-4)


def test_validation_and_early_stopping_restore_best_weights():
    keras.utils.set_random_seed(0)
    vae = build_vae(12, latent_dim=2, hidden=(8,), beta=0.1, prior_sd=0.8,
                    likelihood="gaussian", output_activation="relu")
    vae.compile(optimizer=keras.optimizers.Adam(learning_rate=keras.optimizers.schedules
                                                .ExponentialDecay(1e-3, 10, 0.9), amsgrad=True))
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=1,
                                         restore_best_weights=True)
    history = vae.fit(X[:48], epochs=4, batch_size=16, verbose=0, validation_data=(X[48:],),
                      callbacks=[stop])
    assert {"val_loss", "val_reconstruction_loss", "val_kl_loss"} <= set(history.history)


def test_explicit_targets_are_reconstructed():
    vae = build_vae(12, latent_dim=2, hidden=(8,))
    _freeze_posterior_sd(vae)
    vae.compile(optimizer="adam")
    target = 1.0 - X[:8]
    logs = vae.evaluate(X[:8], target, batch_size=8, verbose=0, return_dict=True)
    expected = _np_bce(target, vae.reconstruct(X[:8])).mean()
    assert logs["reconstruction_loss"] == pytest.approx(expected, rel=1e-4)


def test_weights_round_trip(tmp_path):
    vae = build_vae(12, latent_dim=2, hidden=(8,), seed=3)
    vae.compile(optimizer="adam")
    vae.fit(X, epochs=1, batch_size=32, verbose=0)
    path = tmp_path / "vae.weights.h5"
    vae.save_weights(path)
    clone = build_vae(12, latent_dim=2, hidden=(8,), seed=4)
    clone.load_weights(path)
    np.testing.assert_allclose(clone.encode(X), vae.encode(X), rtol=1e-6)
    np.testing.assert_allclose(clone.reconstruct(X), vae.reconstruct(X), rtol=1e-6)


def test_whole_model_round_trip(tmp_path):
    vae = build_vae(12, latent_dim=2, hidden=(8,), beta=0.5, prior_sd=0.8)
    path = tmp_path / "vae.keras"
    vae.save(path)
    clone = keras.saving.load_model(path)
    assert isinstance(clone, VAE) and clone.beta == 0.5 and clone.prior_sd == 0.8
    np.testing.assert_allclose(clone.encode(X), vae.encode(X), rtol=1e-6)


JAX_SCRIPT = textwrap.dedent("""
    import numpy as np
    import course_lib, keras
    from course_lib.models import build_autoencoder, build_vae
    assert keras.backend.backend() == "jax", keras.backend.backend()
    keras.utils.set_random_seed(0)
    x = (np.random.default_rng(0).random((256, 12)) < 0.5).astype("float32")
    vae = build_vae(12, latent_dim=2, hidden=(16,), dropout=0.1)
    vae.compile(optimizer=keras.optimizers.Adam(1e-2), metrics=["mae"])
    h = vae.fit(x, epochs=3, batch_size=64, verbose=0, validation_data=(x,))
    assert {"loss", "reconstruction_loss", "kl_loss", "mae", "val_loss"} <= set(h.history)
    assert h.history["loss"][-1] < h.history["loss"][0]
    assert vae.encode(x).shape == (256, 2) and vae.generate(3).shape == (3, 12)
    from course_lib.models import ImageCorruption
    x = (np.random.default_rng(0).random((256, 784)) < 0.3).astype("float32")
    ae, enc, dec = build_autoencoder(784, latent_dim=2, hidden=(8,),
                                     corruption=ImageCorruption(seed=0))
    ae.compile(optimizer="adam", loss="binary_crossentropy")
    ae.fit(x, x, epochs=1, batch_size=64, verbose=0)
    from scipy.stats import nbinom
    from course_lib.models import negative_binomial_log_prob
    c, mu, theta = np.array([0.0, 3.0, 40.0]), np.array([0.5, 2.0, 30.0]), np.array([1.0, 5.0, 0.3])
    ours = keras.ops.convert_to_numpy(negative_binomial_log_prob(c, mu, theta))
    assert np.allclose(ours, nbinom.logpmf(c, theta, theta / (theta + mu)), rtol=1e-5), ours
    counts = np.random.default_rng(0).poisson(3.0, (128, 12)).astype("float32")
    nb = build_vae(12, latent_dim=2, hidden=(8,), output_activation="softmax",
                   likelihood="negative_binomial")
    nb.compile(optimizer=keras.optimizers.Adam(1e-2))
    h = nb.fit(np.log1p(counts), counts, epochs=3, batch_size=32, verbose=0)
    assert h.history["loss"][-1] < h.history["loss"][0]
    print("ok")
""")


@pytest.mark.skipif(find_spec("jax") is None, reason="JAX is not installed")
def test_vae_trains_on_the_jax_backend():
    env = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu")
    result = subprocess.run([sys.executable, "-c", JAX_SCRIPT], env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")


def test_latent_explorer_falls_back_to_a_static_image():
    from IPython.display import Image

    from course_lib import widgets

    def decoder(z):
        return np.tile(np.asarray(z)[:, :1], (1, 784)) * 0 + 0.5

    shown = widgets.latent_explorer(decoder, latent_dim=2, background=RNG.normal(size=(50, 2)),
                                    labels=np.arange(50) % 10)
    assert isinstance(shown, Image) and shown.data[:4] == b"\x89PNG"


def test_latent_explorer_bundle_carries_widget_and_png():
    from course_lib.widgets import _WithFallback

    class FakeWidget:
        def _repr_mimebundle_(self, **kwargs):
            return {"application/vnd.jupyter.widget-view+json": {"model_id": "x"},
                    "text/plain": "VBox()"}

    bundle = _WithFallback(FakeWidget(), b"\x89PNG...")._repr_mimebundle_()
    assert {"application/vnd.jupyter.widget-view+json", "image/png", "text/plain"} <= set(bundle)


# ---------------------------------------------------------------- the count likelihood (notebook 06)
def test_log_gamma_matches_scipy_from_small_to_large_arguments():
    from scipy.special import gammaln

    from course_lib.models import log_gamma

    x = np.array([1e-3, 0.1, 0.5, 1.0, 2.5, 10.0, 123.4, 5000.0], dtype="float32")
    ours = keras.ops.convert_to_numpy(log_gamma(keras.ops.convert_to_tensor(x)))
    np.testing.assert_allclose(ours, gammaln(x.astype("float64")), rtol=1e-5, atol=1e-5)


def test_negative_binomial_log_prob_matches_scipy():
    from scipy.stats import nbinom

    from course_lib.models import negative_binomial_log_prob

    counts = np.array([0, 1, 3, 10, 0, 250], dtype="float64")
    mean = np.array([0.2, 1.5, 3.0, 4.0, 30.0, 200.0])
    theta = np.array([0.3, 1.0, 10.0, 2.0, 5.0, 1e3])
    expected = nbinom.logpmf(counts, theta, theta / (theta + mean))
    ours = keras.ops.convert_to_numpy(negative_binomial_log_prob(counts, mean, theta))
    np.testing.assert_allclose(ours, expected, rtol=1e-6, atol=1e-6)


def _count_vae(n_genes=12, seed=0):
    return build_vae(n_genes, latent_dim=3, hidden=(8,), output_activation="softmax",
                     likelihood="negative_binomial", seed=seed)


def test_count_reconstruction_uses_the_library_size_as_offset():
    from scipy.stats import nbinom

    counts = RNG.poisson(3.0, size=(5, 12)).astype("float32")
    shares = RNG.dirichlet(np.ones(12), size=5).astype("float32")
    theta = np.full(12, 2.0, "float32")
    ours = keras.ops.convert_to_numpy(
        reconstruction_loss(counts, shares, "negative_binomial", theta))
    mean = shares * counts.sum(1, keepdims=True)
    expected = -nbinom.logpmf(counts, theta, theta / (theta + mean)).sum(1)
    np.testing.assert_allclose(ours, expected, rtol=1e-4)
    with pytest.raises(ValueError, match="dispersion"):
        reconstruction_loss(counts, shares, "negative_binomial")


def test_count_vae_learns_gene_wise_dispersion_and_needs_counts_as_targets():
    counts = RNG.negative_binomial(2, 0.3, size=(128, 12)).astype("float32")
    x = np.log1p(counts)
    vae = _count_vae()
    assert keras.ops.convert_to_numpy(vae.dispersion).shape == (12,)
    vae.compile(optimizer=keras.optimizers.Adam(1e-2))
    before = keras.ops.convert_to_numpy(vae.dispersion).copy()
    history = vae.fit(x, counts, epochs=3, batch_size=32, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert not np.allclose(keras.ops.convert_to_numpy(vae.dispersion), before)
    shares = vae.reconstruct(x[:4])
    np.testing.assert_allclose(shares.sum(1), 1.0, rtol=1e-5)
    with pytest.raises(ValueError, match="counts"):
        vae.compute_loss(x=x[:4])


def test_count_vae_round_trips_with_its_dispersion(tmp_path):
    vae = _count_vae()
    vae.log_dispersion.assign(np.linspace(-1, 1, 12).astype("float32"))
    path = tmp_path / "count_vae.keras"
    vae.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded.dispersion),
                               keras.ops.convert_to_numpy(vae.dispersion), rtol=1e-6)
    x = np.log1p(RNG.poisson(2.0, size=(4, 12))).astype("float32")
    np.testing.assert_allclose(loaded.reconstruct(x), vae.reconstruct(x), rtol=1e-5)
