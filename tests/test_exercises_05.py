"""Exercise checks of notebook 05 (GANs): they explain, and never crash on odd answers."""

import course_lib  # noqa: F401  (sets the backend environment before Keras loads)
import keras
import numpy as np
import pytest

from course_lib import evaluation, gan
from course_lib.exercises import gans as gan_ex

RNG = np.random.default_rng(0)
GENES = np.array([f"g{i}" for i in range(20)])
REAL = RNG.poisson(1.0, (60, 20)).astype("float32")
GENERATED = REAL.copy()
GENERATED[:, :5] = 0.0  # the generator never expresses g0..g4


class OneHotClassifier:
    """Stands in for the digit classifier: class = first pixel."""

    def predict(self, x, batch_size=None, verbose=0):
        return np.eye(10)[np.asarray(x)[:, 0].astype(int) % 10]


def small_gan(label_smoothing=0.1, batchnorm=False, train=True):
    keras.utils.set_random_seed(0)
    model = gan.GAN(gan.build_generator(8, 784, hidden=(16,), batchnorm=batchnorm),
                    gan.build_discriminator(784, hidden=(16,)),
                    label_smoothing=label_smoothing, seed=0)
    model.compile()
    if train:
        model.fit(RNG.random((64, 784)).astype("float32"), batch_size=32, epochs=1, verbose=0)
    return model


@pytest.fixture(scope="module")
def trained_smooth_gan():
    return small_gan()


def coverage(n=1000, classes=1):
    samples = (np.arange(n) % classes)[:, None] * np.ones((1, 784))
    return evaluation.mode_coverage(samples, OneHotClassifier())


CHECKS = [
    (gan_ex.check_label_smoothing, ()),
    (gan_ex.check_deeper_generator, ()),
    (gan_ex.check_telltale_genes, (REAL, GENERATED, GENES)),
]


@pytest.mark.parametrize("check,args", CHECKS)
def test_unanswered_exercises_say_so(check, args):
    feedback = check(None, *args)
    assert feedback.passed is None and feedback.message


@pytest.mark.parametrize("answer", ["x", 3, [1, 2], {"a": "b"}, object(), np.zeros(3)])
@pytest.mark.parametrize("check,args", CHECKS)
def test_wrong_types_fail_without_crashing(check, args, answer):
    feedback = check(answer, *args)
    assert feedback.passed is False, (check.__name__, answer)
    assert feedback.message


def test_label_smoothing_accepts_a_trained_smoothed_gan(trained_smooth_gan):
    feedback = gan_ex.check_label_smoothing(trained_smooth_gan, coverage(classes=3),
                                            collapsed_covered=1)
    assert feedback.passed, feedback.message
    assert "3 of 10" in feedback.message and "helps a little" in feedback.message
    feedback = gan_ex.check_label_smoothing(trained_smooth_gan, coverage(classes=1),
                                            collapsed_covered=1)
    assert feedback.passed and "no cure" in feedback.message


def test_label_smoothing_explains_what_is_missing(trained_smooth_gan):
    assert "label_smoothing is 0" in gan_ex.check_label_smoothing(
        small_gan(label_smoothing=0.0, train=False), coverage()).message
    assert "not been trained" in gan_ex.check_label_smoothing(
        small_gan(train=False), coverage()).message
    assert "plain generator" in gan_ex.check_label_smoothing(
        small_gan(batchnorm=True), coverage()).message
    assert "mode_coverage" in gan_ex.check_label_smoothing(trained_smooth_gan, None).message
    assert "at least 500" in gan_ex.check_label_smoothing(trained_smooth_gan,
                                                          coverage(n=100)).message


def test_deeper_generator():
    good = gan.build_generator(64, 784, hidden=(128, 256, 512), batchnorm=True)
    feedback = gan_ex.check_deeper_generator(good)
    assert feedback.passed and f"{good.count_params():,}" in feedback.message
    no_bn = gan.build_generator(64, 784, hidden=(128, 256, 512))
    assert "batch normalisation" in gan_ex.check_deeper_generator(no_bn).message
    shallow = gan.build_generator(64, 784, hidden=(128, 256), batchnorm=True)
    assert "128, 256, 512" in gan_ex.check_deeper_generator(shallow).message
    relu = gan.build_generator(64, 784, hidden=(128, 256, 512), batchnorm=True,
                               output_activation="linear")
    assert not gan_ex.check_deeper_generator(relu).passed
    wrong_input = gan.build_generator(32, 784, hidden=(128, 256, 512), batchnorm=True)
    assert "64 noise values" in gan_ex.check_deeper_generator(wrong_input).message


def test_telltale_genes():
    assert gan_ex.check_telltale_genes(["g0", "g1", "g2", "g3", "g4"], REAL, GENERATED,
                                       GENES).passed
    assert gan_ex.check_telltale_genes(np.array(["g4", "g3", "g2", "g1", "g0"]), REAL,
                                       GENERATED, GENES).passed
    unchanged = gan_ex.check_telltale_genes(["g10", "g11", "g12", "g13", "g14"], REAL,
                                            GENERATED, GENES)
    assert not unchanged.passed and "LARGEST" in unchanged.message
    assert "exactly 5" in gan_ex.check_telltale_genes(["g0"], REAL, GENERATED, GENES).message
    assert "different" in gan_ex.check_telltale_genes(["g0"] * 5, REAL, GENERATED,
                                                      GENES).message
    indices = gan_ex.check_telltale_genes([0, 1, 2, 3, 4], REAL, GENERATED, GENES)
    assert not indices.passed and "not the index" in indices.message
