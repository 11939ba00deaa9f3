"""Exercise checks of notebooks 03 (autoencoders) and 04 (variational autoencoders)."""

import course_lib  # noqa: F401  (sets the backend environment before Keras loads)
import keras
import numpy as np
import pytest

from course_lib.exercises import autoencoders as ae_ex
from course_lib.exercises import vae as vae_ex
from course_lib.models import add_noise, build_autoencoder

RNG = np.random.default_rng(0)
IMAGES = RNG.random((200, 16)).astype("float32")
LABELS = np.arange(200) % 10
RECON = np.clip(IMAGES + RNG.normal(0, 0.1, IMAGES.shape), 0, 1).astype("float32")


def _per_digit(images=IMAGES, recon=RECON):
    return [((images[LABELS == d] - recon[LABELS == d]) ** 2).mean() for d in range(10)]


@pytest.mark.parametrize("check,args", [
    (ae_ex.check_per_digit_error, (IMAGES, LABELS, RECON)),
    (ae_ex.check_noise_levels, (IMAGES, None)),
    (ae_ex.check_code_size, (0.05,)),
    (vae_ex.check_kl_divergence, ()),
    (vae_ex.check_reparameterise, ()),
    (vae_ex.check_active_dims, (np.zeros((3, 2)), np.zeros((3, 2)))),
])
def test_unanswered_exercises_say_so(check, args):
    feedback = check(None, *args)
    assert feedback.passed is None


@pytest.mark.parametrize("answer", ["x", 3, [1, 2], {"a": "b"}, object()])
def test_wrong_types_fail_without_crashing(answer):
    for check, args in [(ae_ex.check_per_digit_error, (IMAGES, LABELS, RECON)),
                        (ae_ex.check_noise_levels, (IMAGES, None)),
                        (ae_ex.check_code_size, (0.05,)),
                        (vae_ex.check_kl_divergence, ()),
                        (vae_ex.check_reparameterise, ()),
                        (vae_ex.check_active_dims, (np.zeros((3, 2)), np.zeros((3, 2))))]:
        feedback = check(answer, *args)
        assert feedback.passed is False, (check.__name__, answer)


def test_per_digit_error():
    assert ae_ex.check_per_digit_error(_per_digit(), IMAGES, LABELS, RECON).passed
    as_dict = dict(enumerate(_per_digit()))
    assert ae_ex.check_per_digit_error(as_dict, IMAGES, LABELS, RECON).passed
    summed = [v * 16 for v in _per_digit()]
    feedback = ae_ex.check_per_digit_error(summed, IMAGES, LABELS, RECON)
    assert not feedback.passed and "sums over" in feedback.message
    overall = [((IMAGES - RECON) ** 2).mean()] * 10
    feedback = ae_ex.check_per_digit_error(overall, IMAGES, LABELS, RECON)
    assert not feedback.passed and "overall mean" in feedback.message
    assert not ae_ex.check_per_digit_error(_per_digit()[:9], IMAGES, LABELS, RECON).passed


class _Identityish:
    """Stand-in denoiser: halves the distance to 0.5 (predict like a Keras model)."""

    def predict(self, x, verbose=0):
        return 0.5 + 0.5 * (np.asarray(x) - 0.5)


def test_noise_levels():
    denoiser = _Identityish()
    table = {}
    for sd in (0.25, 0.5, 0.75):
        noisy = add_noise(IMAGES, sd, seed=0)
        table[sd] = (((noisy - IMAGES) ** 2).mean(),
                     ((denoiser.predict(noisy) - IMAGES) ** 2).mean())
    assert ae_ex.check_noise_levels(table, IMAGES, denoiser).passed
    wrong_levels = {0.1: table[0.25], 0.5: table[0.5], 0.75: table[0.75]}
    assert not ae_ex.check_noise_levels(wrong_levels, IMAGES, denoiser).passed
    swapped = {sd: pair[::-1] for sd, pair in table.items()}
    assert not ae_ex.check_noise_levels(swapped, IMAGES, denoiser).passed


def test_code_size():
    _, encoder8, _ = build_autoencoder(16, latent_dim=8, hidden=(8,))
    _, encoder2, _ = build_autoencoder(16, latent_dim=2, hidden=(8,))
    assert ae_ex.check_code_size(encoder8, 0.03, 0.04).passed
    feedback = ae_ex.check_code_size(encoder2, 0.03, 0.04)
    assert not feedback.passed and "latent_dim=8" in feedback.message
    assert not ae_ex.check_code_size(encoder8, 0.05, 0.04).passed
    assert not ae_ex.check_code_size(encoder8, 23.5, 0.04).passed
    assert not ae_ex.check_code_size(encoder8, float("nan"), 0.04).passed


def test_kl_divergence():
    def right(mean, log_var):
        return 0.5 * np.sum(np.exp(log_var) + mean ** 2 - 1 - log_var, axis=-1)

    def with_ops(mean, log_var):
        return 0.5 * keras.ops.sum(keras.ops.exp(log_var) + mean ** 2 - 1 - log_var, axis=-1)

    assert vae_ex.check_kl_divergence(right).passed
    assert vae_ex.check_kl_divergence(with_ops).passed
    feedback = vae_ex.check_kl_divergence(lambda m, v: 2 * right(m, v))
    assert not feedback.passed and "0.5" in feedback.message
    feedback = vae_ex.check_kl_divergence(lambda m, v: right(m, v).sum())
    assert not feedback.passed and "axis=-1" in feedback.message
    def stub(mean, log_var):  # what the student scaffold defines
        return None

    assert vae_ex.check_kl_divergence(stub).passed is None
    assert vae_ex.check_reparameterise(lambda m, v, e: None).passed is None
    assert not vae_ex.check_kl_divergence(lambda m, v: 1 / 0).passed


def test_reparameterise():
    assert vae_ex.check_reparameterise(lambda m, v, e: m + np.exp(0.5 * v) * e).passed
    feedback = vae_ex.check_reparameterise(lambda m, v, e: m + np.exp(v) * e)
    assert not feedback.passed and "standard deviation" in feedback.message
    assert not vae_ex.check_reparameterise(lambda m, v, e: m + v * e).passed


def test_active_dims():
    mean = np.zeros((50, 4))
    mean[:, 0] = RNG.normal(size=50) * 2
    mean[:, 1] = RNG.normal(size=50) * 0.5
    log_var = np.zeros((50, 4))
    log_var[:, :2] = -2.0
    assert vae_ex.check_active_dims(2, mean, log_var).passed
    assert vae_ex.check_active_dims(np.int64(2), mean, log_var).passed
    feedback = vae_ex.check_active_dims(4, mean, log_var)
    assert not feedback.passed and "every dimension" in feedback.message
    assert not vae_ex.check_active_dims(1, mean, log_var).passed
    assert not vae_ex.check_active_dims(2.5, mean, log_var).passed
