"""Exercise checks of notebook 04 (variational autoencoders): each check on its solution
(Correct), on None (Not answered), on realistic wrong answers (a specific diagnosis) and on
wrong types (Not yet, never Check failed)."""

import keras
import numpy as np
import pytest
from keras import ops

import course_lib  # noqa: F401  (sets the backend environment before Keras loads)
from course_lib.exercises import CORRECT, NOT_ANSWERED, NOT_YET
from course_lib.exercises import vae as vae_ex
from course_lib.models import build_vae_decoder, build_vae_encoder

RNG = np.random.default_rng(0)
WRONG_TYPES = ["x", 3, [1, 2], {"a": "b"}, object(), float("nan"), 10 ** 30, (None, 1)]


def _not_yet(feedback, *words):
    assert feedback.status == NOT_YET, (feedback.status, feedback.message)
    for word in words:
        assert word in feedback.message, (word, feedback.message)


# --------------------------------------------------------------------------- Exercise 1
def kl_right(mean, log_var):
    return 0.5 * ops.sum(ops.exp(log_var) + ops.square(mean) - 1.0 - log_var, axis=-1)


def _kl_stub(mean, log_var):
    # YOUR CODE HERE
    return None


def test_kl_divergence_right_none_and_stub():
    assert vae_ex.check_kl_divergence(kl_right).status == CORRECT
    assert vae_ex.check_kl_divergence(None).status == NOT_ANSWERED
    assert vae_ex.check_kl_divergence(_kl_stub).status == NOT_ANSWERED


@pytest.mark.parametrize("wrong,words", [
    (lambda m, v: 2 * kl_right(m, v), ["one half"]),
    (lambda m, v: -kl_right(m, v), ["negatives"]),
    (lambda m, v: 0.5 * ops.mean(ops.exp(v) + m ** 2 - 1 - v, axis=-1), ["averaged"]),
    (lambda m, v: ops.sum(kl_right(m, v)), ["single number"]),
    (lambda m, v: 0.5 * (ops.exp(v) + m ** 2 - 1 - v), ["6 x 4", "last axis"]),
    (lambda m, v: 0.5 * ops.sum(ops.exp(v) + m ** 2 - v, axis=-1), ["constant term"]),
    (lambda m, v: 0.5 * ops.sum(ops.exp(v) + m - 1 - v, axis=-1), ["negative"]),
    (lambda m, v: 0.5 * ops.sum(ops.exp(v) + 2 * m ** 2 - 1 - v, axis=-1), ["do not match"]),
    (lambda m, v: 0.5 * np.sum(np.exp(v) + np.square(m) - 1 - v, axis=-1), ["NumPy array"]),
    (lambda m, v: 1 / 0, ["raised ZeroDivisionError"]),
    (lambda m: m, ["raised TypeError"]),
])
def test_kl_divergence_wrong_answers(wrong, words):
    _not_yet(vae_ex.check_kl_divergence(wrong), *words)


# --------------------------------------------------------------------------- Exercise 2
def reparameterise_right(mean, log_var, eps):
    return mean + ops.exp(0.5 * log_var) * eps


def test_reparameterise_right_and_none():
    assert vae_ex.check_reparameterise(reparameterise_right).status == CORRECT
    assert vae_ex.check_reparameterise(None).status == NOT_ANSWERED
    assert vae_ex.check_reparameterise(lambda m, v, e: None).status == NOT_YET  # a lambda is no stub


@pytest.mark.parametrize("wrong,words", [
    (lambda m, v, e: m + ops.exp(v) * e, ["variance"]),
    (lambda m, v, e: m + v * e, ["log_var itself"]),
    (lambda m, v, e: m + ops.sqrt(ops.abs(v)) * e, ["square root of log_var"]),
    (lambda m, v, e: m, ["ignores eps"]),
    (lambda m, v, e: e, ["ignores the encoder"]),
    (lambda m, v, e: m + ops.exp(0.5 * v), ["mean + standard deviation * eps"]),
    (lambda m, v, e: np.asarray(m) + np.exp(0.5 * np.asarray(v)) * np.asarray(e), ["NumPy"]),
])
def test_reparameterise_wrong_answers(wrong, words):
    _not_yet(vae_ex.check_reparameterise(wrong), *words)


@pytest.mark.parametrize("answer", WRONG_TYPES)
def test_functions_of_wrong_types(answer):
    for check in (vae_ex.check_kl_divergence, vae_ex.check_reparameterise):
        assert check(answer).status == NOT_YET, (check.__name__, answer)


# --------------------------------------------------------------------------- Exercise 3
def make_vae(kl=kl_right, reparam=reparameterise_right, recon="sum", use_beta=True,
             z_mode="reparam", reduce=ops.mean, trackers=True):
    """A student's VAE class, right by default, with one chosen mistake."""

    class MyVAE(keras.Model):
        def __init__(self, encoder, decoder, beta=1.0, seed=None, **kwargs):
            super().__init__(**kwargs)
            self.encoder, self.decoder, self.beta = encoder, decoder, beta
            self.seed_generator = keras.random.SeedGenerator(seed)
            if trackers:
                self.reconstruction_loss_tracker = keras.metrics.Mean(name="reconstruction_loss")
                self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")

        def call(self, x, training=False):
            return self.decoder(self.encoder(x, training=training)[0], training=training)

        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            z_mean, z_log_var = self.encoder(x, training=training)
            eps = keras.random.normal(ops.shape(z_mean), seed=self.seed_generator)
            z = {"reparam": lambda: reparam(z_mean, z_log_var, eps),
                 "mean": lambda: z_mean,
                 "eps": lambda: eps,
                 "stop": lambda: ops.stop_gradient(reparam(z_mean, z_log_var, eps)),
                 "stop_noise": lambda: z_mean + ops.stop_gradient(ops.exp(0.5 * z_log_var) * eps),
                 # one draw shared by the whole batch
                 "shared": lambda: reparam(z_mean, z_log_var, keras.random.normal(
                     (1, ops.shape(z_mean)[1]), seed=self.seed_generator)),
                 }[z_mode]()
            x_hat = self.decoder(z, training=training)
            per_image = {"sum": lambda: ops.sum(ops.binary_crossentropy(x, x_hat), axis=-1),
                         "mean": lambda: keras.losses.binary_crossentropy(x, x_hat),
                         "mse": lambda: ops.sum(ops.square(x - x_hat), axis=-1)}[recon]()
            reconstruction, kl_term = reduce(per_image), reduce(kl(z_mean, z_log_var))
            if trackers:
                self.reconstruction_loss_tracker.update_state(reconstruction)
                self.kl_loss_tracker.update_state(kl_term)
            return reconstruction + (self.beta if use_beta else 1.0) * kl_term

    return MyVAE


# Binary 64-pixel "images": 8 prototypes with 5 % of the pixels flipped (structure that a
# latent code can capture, unlike independent pixels); quick to train.
_PROTOTYPES = RNG.random((8, 64)) < 0.3
_FLIPS = RNG.random((256, 64)) < 0.05
X = (_PROTOTYPES[RNG.integers(0, 8, 256)] ^ _FLIPS).astype("float32")


def test_vae_class_right_and_none():
    feedback = vae_ex.check_vae_class(make_vae(), X)
    assert feedback.status == CORRECT, feedback.message
    assert vae_ex.check_vae_class(None, X).status == NOT_ANSWERED


@pytest.mark.parametrize("mistake,words", [
    (dict(recon="mean"), ["averaged over the 64 pixels", "nats per image"]),
    (dict(kl=lambda m, v: -kl_right(m, v)), ["negative of the KL"]),
    (dict(kl=lambda m, v: 2 * kl_right(m, v)), ["twice"]),
    (dict(kl=lambda m, v: 0.5 * ops.mean(ops.exp(v) + m ** 2 - 1 - v, axis=-1)),
     ["averaged over the latent dimensions"]),
    (dict(use_beta=False), ["self.beta"]),
    (dict(z_mode="mean"), ["posterior mean", "nothing is sampled"]),
    (dict(z_mode="eps"), ["ignores the encoder"]),
    (dict(z_mode="stop"), ["no gradient reaches it"]),
    (dict(z_mode="stop_noise"), ["not its z_log_var"]),
    (dict(z_mode="shared"), ["one eps for the whole batch"]),
    (dict(reparam=lambda m, v, e: m + v * e), ["standard deviation exp(log_var / 2)"]),
    (dict(reparam=lambda m, v, e: m + ops.exp(v) * e), ["variance"]),
    (dict(reduce=ops.sum), ["summed over the 256 images"]),
    (dict(recon="mse"), ["binary cross-entropy"]),
    (dict(trackers=False), ["reconstruction_loss"]),
])
def test_vae_class_wrong_answers(mistake, words):
    _not_yet(vae_ex.check_vae_class(make_vae(**mistake), X), *words)


class _NoLoss(keras.Model):
    def __init__(self, encoder, decoder, beta=1.0, seed=None):
        super().__init__()
        self.encoder, self.decoder, self.beta = encoder, decoder, beta

    def call(self, x):
        return self.decoder(self.encoder(x)[0])


class _OwnNetworks(keras.Model):
    def __init__(self, encoder, decoder, beta=1.0, seed=None):
        super().__init__()
        self.encoder, self.decoder, self.beta = build_vae_encoder(64, 3), decoder, beta


class _BetaNotKept(keras.Model):
    def __init__(self, encoder, decoder, beta=1.0, seed=None):
        super().__init__()
        self.encoder, self.decoder = encoder, decoder


class _NoBetaArgument(keras.Model):
    def __init__(self, encoder, decoder):
        super().__init__()


@pytest.mark.parametrize("answer,words", [
    (_NoLoss, ["raised ValueError"]),
    (_OwnNetworks, ["self.encoder"]),
    (_NoBetaArgument, ["raised TypeError"]),
    (_BetaNotKept, ["self.beta"]),
    (make_vae()(build_vae_encoder(64, 3), build_vae_decoder(64, 3)), ["class itself"]),
    (dict, ["subclass keras.Model"]),
] + [(wrong, ["class"]) for wrong in WRONG_TYPES])
def test_vae_class_wrong_types(answer, words):
    _not_yet(vae_ex.check_vae_class(answer, X), *words)


# --------------------------------------------------------------------------- Exercise 4
def _trained(latent_dim=2, epochs=1):
    model = make_vae()(build_vae_encoder(64, latent_dim), build_vae_decoder(64, latent_dim),
                       seed=0)
    model.compile(optimizer=keras.optimizers.Adam(2e-3))
    if epochs:
        model.fit(np.tile(X, (8, 1)), epochs=epochs * 3, batch_size=32, verbose=0)
    return model


def test_trained_vae():
    feedback = vae_ex.check_trained_vae(_trained(), X)
    assert feedback.status == CORRECT, feedback.message
    assert "nats per image" in feedback.message
    assert vae_ex.check_trained_vae(None, X).status == NOT_ANSWERED
    _not_yet(vae_ex.check_trained_vae(_trained(epochs=0), X), "not been trained")
    _not_yet(vae_ex.check_trained_vae(_trained(latent_dim=3), X), "3-D latent space")
    untrained = _trained(epochs=0)
    untrained.optimizer.iterations.assign(5)  # "trained" but the weights never moved
    _not_yet(vae_ex.check_trained_vae(untrained, X), "has not learned yet")
    _not_yet(vae_ex.check_trained_vae(make_vae(), X), "not a type")
    _not_yet(vae_ex.check_trained_vae(build_vae_encoder(64, 2), X), "my_vae.encoder")
    for wrong in WRONG_TYPES:
        assert vae_ex.check_trained_vae(wrong, X).status == NOT_YET


# --------------------------------------------------------------------------- Exercise 5
def _posteriors():
    """Five dimensions: strongly used, weakly used (average KL 0.02), tiny but non-zero,
    used only through the variance, and the prior."""
    n = 400
    mean, log_var = np.zeros((n, 5)), np.zeros((n, 5))
    mean[:, 0] = RNG.normal(size=n) * 2
    log_var[:, 0] = -2.0
    mean[:, 1] = RNG.choice([-0.2, 0.2], size=n)  # KL per image 0.02
    mean[:, 2] = RNG.choice([-0.05, 0.05], size=n)  # 0.00125 per image: below 0.01
    mean[:, 2][:4] = 0.3  # a few images above 0.01, the average not
    log_var[:, 3] = -0.5  # variance term only: 0.5 * (e^-0.5 - 1 + 0.5) = 0.053
    return mean, log_var  # right answer: 3 (dimensions 0, 1, 3)


def test_active_dims():
    mean, log_var = _posteriors()
    assert vae_ex.check_active_dims(3, mean, log_var).status == CORRECT
    assert vae_ex.check_active_dims(np.int64(3), mean, log_var).status == CORRECT
    assert vae_ex.check_active_dims(3.0, mean, log_var).status == CORRECT
    assert vae_ex.check_active_dims(None, mean, log_var).status == NOT_ANSWERED
    _not_yet(vae_ex.check_active_dims(5, mean, log_var), "every dimension")
    _not_yet(vae_ex.check_active_dims(401, mean, log_var), "more than the 5", "Average")
    _not_yet(vae_ex.check_active_dims(-1, mean, log_var), "negative")
    per_image = 0.5 * (np.exp(log_var) + mean ** 2 - 1 - log_var)
    assert int((per_image.sum(0) > 0.01).sum()) == 4 and int((per_image.max(0) > 0.01).sum()) == 4
    _not_yet(vae_ex.check_active_dims(4, mean, log_var), "summed")
    assert int((per_image.mean(0) > 0.03).sum()) == 2
    _not_yet(vae_ex.check_active_dims(2, mean, log_var), "log_var alone")  # count of log_var dims
    _not_yet(vae_ex.check_active_dims(1, mean, log_var), "threshold")
    for wrong in (2.5, True, "3", [3], float("nan"), float("inf"), object()):
        _not_yet(vae_ex.check_active_dims(wrong, mean, log_var), "whole number")
    feedback = vae_ex.check_active_dims(10 ** 30, mean, log_var)
    _not_yet(feedback, "more than the 5")
    for feedback in (vae_ex.check_active_dims(k, mean, log_var) for k in range(-1, 7)):
        assert "expected" not in feedback.message  # never gives the number away
