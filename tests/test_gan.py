"""GAN and WGAN-GP: builders, losses, training on a toy distribution, JAX backend."""

import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

from course_lib import gan
from course_lib.training import decaying_adam

TARGET = np.array([3.0, -2.0], dtype="float32")


def toy_data(n=1024, seed=0):
    """A 2-D Gaussian far from the generator's starting point (around 0)."""
    return TARGET + 0.5 * np.random.default_rng(seed).standard_normal((n, 2)).astype("float32")


def test_builders_shapes():
    g = gan.build_generator(8, 20, hidden=(16, 32), batchnorm=True)
    d = gan.build_discriminator(20, hidden=(32,))
    out = g(np.zeros((5, 8), "float32"))
    assert tuple(out.shape) == (5, 20)
    assert np.all((np.asarray(out) >= 0) & (np.asarray(out) <= 1))  # sigmoid output
    assert tuple(d(out).shape) == (5, 1)
    assert any(isinstance(layer, keras.layers.BatchNormalization) for layer in g.layers)


def test_relu_generator_outputs_exact_zeros():
    g = gan.build_generator(4, 50, hidden=(8,), output_activation="relu")
    out = np.asarray(g(np.random.default_rng(0).standard_normal((20, 4)).astype("float32")))
    assert out.min() == 0.0 and (out == 0).any()


def test_discriminator_loss_with_label_smoothing():
    d = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, use_bias=False)])
    d.layers[0].set_weights([np.zeros((2, 1), "float32")])  # every logit is 0
    x = np.ones((4, 2), "float32")
    plain = gan.GAN(gan.build_generator(2, 2), d)
    smooth = gan.GAN(gan.build_generator(2, 2), d, label_smoothing=0.1)
    # logit 0: BCE is log 2 for any target, for real and for fake samples
    assert float(plain.discriminator_loss(x, x)[0]) == pytest.approx(2 * np.log(2), rel=1e-5)
    assert float(smooth.discriminator_loss(x, x)[0]) == pytest.approx(2 * np.log(2), rel=1e-5)
    d.layers[0].set_weights([np.array([[1.0], [1.0]], "float32")])  # logit 2
    softplus = np.log1p(np.exp(2.0))
    expected = (softplus - 0.9 * 2.0) + softplus
    assert float(smooth.discriminator_loss(x, x)[0]) == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize("norm", [1.0, 2.0, 0.5])
def test_gradient_penalty_of_a_linear_critic(norm):
    critic = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, use_bias=False)])
    w = np.array([[norm], [0.0], [0.0]], dtype="float32")
    critic.layers[0].set_weights([w])
    model = gan.WGANGP(gan.build_generator(2, 3), critic, seed=0)
    real, fake = toy_data(8)[:, :1].repeat(3, 1), np.zeros((8, 3), "float32")
    assert float(model.gradient_penalty(real, fake)) == pytest.approx((norm - 1) ** 2, abs=1e-5)


def fit_toy(model_class, epochs, lr=2e-3, g_lr=None, beta_2=0.999, **kwargs):
    keras.utils.set_random_seed(0)
    g = gan.build_generator(4, 2, hidden=(32, 32), output_activation=None)
    d = gan.build_discriminator(2, hidden=(32, 32), dropout=0)
    model = model_class(g, d, seed=0, **kwargs)
    model.compile(d_optimizer=keras.optimizers.Adam(lr, beta_1=0.5, beta_2=beta_2),
                  g_optimizer=keras.optimizers.Adam(lr if g_lr is None else g_lr, beta_1=0.5,
                                                    beta_2=beta_2))
    history = model.fit(toy_data(), batch_size=64, epochs=epochs, verbose=0)
    return model, history


def test_gan_learns_a_shifted_gaussian():
    model, history = fit_toy(gan.GAN, epochs=15, label_smoothing=0.1)
    assert set(history.history) == {"d_loss", "g_loss"}
    mean = model.generate(2000, seed=1).mean(0)
    assert np.abs(mean - TARGET).max() < 0.6, mean
    assert int(model.d_optimizer.iterations.numpy()) == 15 * 16
    assert int(model.g_optimizer.iterations.numpy()) == 15 * 16


def test_wgan_gp_critic_estimates_the_wasserstein_distance():
    # Generator frozen near 0: the critic's estimate approaches W1 ~ |mean difference| = 3.6
    model, history = fit_toy(gan.WGANGP, epochs=4, lr=1e-3, g_lr=0.0, beta_2=0.9, d_steps=5)
    assert set(history.history) == {"d_loss", "g_loss", "w_distance", "gp"}
    assert 3.2 < history.history["w_distance"][-1] < 4.6
    assert history.history["gp"][-1] < 0.1
    assert int(model.d_optimizer.iterations.numpy()) == 5 * int(model.g_optimizer.iterations.numpy())


def test_wgan_gp_generator_moves_towards_the_data():
    model, history = fit_toy(gan.WGANGP, epochs=9, lr=1e-3, beta_2=0.9, d_steps=5)
    assert np.all(np.isfinite(history.history["d_loss"]))
    distance = np.linalg.norm(model.generate(2000, seed=1).mean(0) - TARGET)
    assert distance < 1.75, distance  # it starts about 3.6 away


def test_sample_snapshots_and_generate():
    snapshots = gan.SampleSnapshots(epochs=[0, 2], n=3)
    keras.utils.set_random_seed(0)
    model = gan.GAN(gan.build_generator(4, 2, hidden=(8,), output_activation=None),
                    gan.build_discriminator(2, hidden=(8,)), seed=0)
    model.compile()
    model.fit(toy_data(128), batch_size=64, epochs=2, verbose=0, callbacks=[snapshots])
    assert sorted(snapshots.snapshots) == [0, 2]
    assert snapshots.snapshots[2].shape == (3, 2)
    assert not np.allclose(snapshots.snapshots[0], snapshots.snapshots[2])
    a, b = model.generate(5, seed=7), model.generate(5, seed=7)
    assert a.shape == (5, 2) and np.array_equal(a, b)


JAX_SCRIPT = textwrap.dedent("""
    import numpy as np
    import course_lib
    import keras
    from course_lib import gan
    assert keras.backend.backend() == "jax"
    keras.utils.set_random_seed(0)
    x = np.array([3.0, -2.0], "float32") + 0.5 * np.random.default_rng(0).standard_normal(
        (1024, 2)).astype("float32")
    runs = ((gan.GAN, dict(label_smoothing=0.1), 2e-3, 0.999, 12, 0.6),
            (gan.WGANGP, dict(d_steps=5), 1e-3, 0.9, 9, 1.75))
    for cls, kw, lr, beta_2, epochs, tolerance in runs:
        g = gan.build_generator(4, 2, hidden=(32, 32), output_activation=None,
                                feature_noise=0.1 if cls is gan.GAN else 0)
        d = gan.build_discriminator(2, hidden=(32, 32), dropout=0.2 if cls is gan.GAN else 0)
        model = cls(g, d, seed=0, **kw)
        model.compile(d_optimizer=keras.optimizers.Adam(lr, beta_1=0.5, beta_2=beta_2),
                      g_optimizer=keras.optimizers.Adam(lr, beta_1=0.5, beta_2=beta_2))
        history = model.fit(x, batch_size=64, epochs=epochs, verbose=0)
        assert all(np.isfinite(v).all() for v in history.history.values())
        distance = np.linalg.norm(model.generate(2000, seed=1).mean(0) - x.mean(0))
        assert distance < tolerance, (cls.__name__, distance)
        steps = int(model.g_optimizer.iterations)
        assert steps == epochs * 16
        assert int(model.d_optimizer.iterations) == kw.get("d_steps", 1) * steps
        print(cls.__name__, "ok", round(float(distance), 2))
    # conditional WGAN-GP with the expression layers (feature noise, count layer)
    labels = np.arange(256) % 3
    counts = np.random.default_rng(1).poisson(2.0 + labels[:, None], (256, 6))
    cells = np.log1p(counts * 1e4 / 2000.0).astype("float32")
    g = gan.build_generator(4, 6, hidden=(16,), output_activation="relu", batchnorm=True,
                            feature_noise=1.0, n_classes=3, library_sizes=[2000.0])
    d = gan.build_discriminator(6, hidden=(16,), dropout=0, n_classes=3)
    model = gan.WGANGP(g, d, n_classes=3, seed=0)
    model.compile()
    model.fit(cells, np.eye(3, dtype="float32")[labels], batch_size=64, epochs=2, verbose=0)
    out = model.generate(50, labels=1)
    whole = np.expm1(out) * 2000.0 / 1e4
    assert np.allclose(whole, np.round(whole), atol=1e-2) and out.min() >= 0
    print("conditional ok")
""")


def test_gan_and_wgan_gp_train_on_jax():
    pytest.importorskip("jax")
    env = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu")
    result = subprocess.run([sys.executable, "-c", JAX_SCRIPT], env=env, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "GAN ok" in result.stdout and "WGANGP ok" in result.stdout
    assert "conditional ok" in result.stdout


def test_count_snap_rounds_forward_and_passes_gradients_straight_through():
    import tensorflow as tf

    layer = gan.CountSnap([1000.0, 4000.0], seed=0)
    values = np.log1p(np.random.default_rng(0).gamma(0.5, 3.0, (64, 5))).astype("float32")
    out = np.asarray(layer(values))
    lattice = [np.allclose(np.expm1(row) * size / 1e4, np.round(np.expm1(row) * size / 1e4),
                           atol=1e-3) for size in (1000.0, 4000.0) for row in out[:1]]
    assert any(lattice)
    for row in out:  # every row is whole counts at one of the two library sizes
        assert any(np.allclose(np.expm1(row) * L / 1e4, np.round(np.expm1(row) * L / 1e4),
                               atol=2e-3) for L in (1000.0, 4000.0))
    x = tf.Variable(values)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(layer(x) * 3.0)
    assert np.allclose(tape.gradient(y, x).numpy(), 3.0)
    g = gan.build_generator(4, 5, hidden=(8,), output_activation="relu",
                            library_sizes=[2000.0])
    assert isinstance(g.layers[-1], gan.CountSnap)
    restored = gan.CountSnap.from_config(g.layers[-1].get_config())
    assert restored.library_sizes == [2000.0]


def test_conditional_wgan_gp_learns_one_gaussian_per_class():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 1024)
    x = (np.where(labels[:, None] == 0, -2.0, 2.0)
         + 0.3 * rng.standard_normal((1024, 2))).astype("float32")
    g = gan.build_generator(4, 2, hidden=(32, 32), output_activation=None, n_classes=2)
    d = gan.build_discriminator(2, hidden=(32, 32), dropout=0, n_classes=2)
    model = gan.WGANGP(g, d, n_classes=2, d_steps=5, seed=0)
    assert model.latent_dim == 4
    steps = 10 * 16
    model.compile(d_optimizer=decaying_adam(2e-3, 5 * steps),
                  g_optimizer=decaying_adam(2e-3, steps))
    model.fit(x, np.eye(2, dtype="float32")[labels], batch_size=64, epochs=10, verbose=0)
    first, second = model.generate(500, labels=0).mean(0), model.generate(500, labels=1).mean(0)
    assert first.mean() < -0.5 and second.mean() > 0.5, (first, second)
    with pytest.raises(ValueError):
        model.generate(5)


def test_feature_noise_is_learned_and_random():
    layer = gan.FeatureNoise(initial_scale=0.5, seed=1)
    x = np.zeros((2000, 3), "float32")
    out = np.asarray(layer(x))
    assert out.std(0) == pytest.approx([0.5] * 3, rel=0.1)
    assert not np.allclose(out, np.asarray(layer(x)))  # fresh noise on every call
    assert [w.name for w in layer.trainable_weights] == ["log_scale"]
    g = gan.build_generator(4, 6, hidden=(8,), output_activation="relu", feature_noise=True)
    assert isinstance(g.layers[-2], gan.FeatureNoise)
