"""Checks of notebook 06's exercises: right, wrong, missing and broken answers."""

import keras
import numpy as np
import pytest
from keras import layers

from course_lib import latent, metrics, models
from course_lib.exercises import CHECK_FAILED, CORRECT, NOT_ANSWERED, NOT_YET
from course_lib.exercises import singlecell as ex
from course_lib.training import warmup_cosine

RNG = np.random.default_rng(0)


@pytest.fixture(scope="module")
def batch_data():
    lines = np.array(["A"] * 30 + ["B"] * 30 + ["C"] * 20 + ["A"] * 10 + ["B"] * 40)
    batches = np.array(["ref"] * 80 + ["sc_dropseq"] * 50)
    centre = {"A": [0.0, 0, 0], "B": [4.0, 0, 0], "C": [0.0, 4, 0]}
    z = np.array([centre[c] for c in lines]) + RNG.normal(0, 0.1, (130, 3))
    z[batches == "sc_dropseq"] += [0.0, 0.0, 2.0]
    return z, batches, lines


def test_batch_vector_right_answer_passes(batch_data):
    z, batches, lines = batch_data
    right = latent.batch_shift(z, batches, "ref", labels=lines)[1]["sc_dropseq"]
    feedback = ex.check_batch_vector(list(right), z, batches, lines, "ref")
    assert feedback.passed is True, feedback.message


@pytest.mark.parametrize("mistake, words", [
    ("sign", "sign is flipped"),
    ("naive", "plain difference"),
    ("unbalanced", "each cell is weighted equally"),
    ("shape", "expected 3 numbers"),
    ("text", "NumPy array of numbers"),
])
def test_batch_vector_mistakes_are_explained(batch_data, mistake, words):
    z, batches, lines = batch_data
    right = latent.batch_shift(z, batches, "ref", labels=lines)[1]["sc_dropseq"]
    here, ref = batches == "sc_dropseq", batches == "ref"
    shared = np.isin(lines, ["A", "B"])
    answers = {"sign": -right, "naive": z[ref].mean(0) - z[here].mean(0),
               "unbalanced": z[ref & shared].mean(0) - z[here & shared].mean(0),
               "shape": right[:2], "text": "a vector"}
    feedback = ex.check_batch_vector(answers[mistake], z, batches, lines, "ref")
    assert feedback.passed is False and words in feedback.message


def test_batch_vector_none_is_not_answered(batch_data):
    z, batches, lines = batch_data
    assert ex.check_batch_vector(None, z, batches, lines, "ref").passed is None


@pytest.fixture(scope="module")
def small_model():
    x = np.vstack([RNG.gamma(1.0, 1.0, (40, 20)) + 3 * (np.arange(20) < 10),
                   RNG.gamma(1.0, 1.0, (40, 20)) + 3 * (np.arange(20) >= 10)]).astype("float32")
    labels = np.repeat(["L1", "L2"], 40)
    vae, _, _ = latent.train_sc_vae(x, epochs=2, batch_size=32, latent_dim=4, hidden=(8,),
                                    progress=False)
    return vae, x, labels


def test_small_latent_checks(small_model):
    vae, x, labels = small_model
    scores = metrics.latent_quality(vae.encode(x), labels)
    assert ex.check_small_latent(vae, scores, x, labels).passed is True
    assert ex.check_small_latent(None, None, x, labels).status == NOT_ANSWERED
    assert ex.check_small_latent(None, scores, x, labels).status == NOT_YET
    wrong_size = ex.check_small_latent(vae, scores, x, labels, latent_dim=8)
    assert wrong_size.passed is False and "4 dimensions" in wrong_size.message
    missing = ex.check_small_latent(vae, None, x, labels)
    assert missing.status == NOT_YET and "`small_scores`" in missing.message
    off = ex.check_small_latent(vae, dict(scores, ari=scores["ari"] - 0.5), x, labels)
    assert off.status == NOT_YET and "(ari) do not match" in off.message
    assert str(round(scores["ari"], 2)) not in off.message  # the right value is not given away
    typed = ex.check_small_latent(vae, dict(scores, nmi="0.9"), x, labels)
    assert typed.status == NOT_YET and "should be a number" in typed.message
    assert ex.check_small_latent("model", scores, x, labels).status == NOT_YET
    assert ex.check_small_latent(vae, [0.1, 0.2], x, labels).status == NOT_YET


# ---------------------------------------------------------------- the recipe's VAE
CELLS = np.random.default_rng(2).gamma(1.0, 1.0, (80, 300)).astype("float32")


def _recipe(activation="elu", dropout=0.2, latent_dim=32, output="relu", beta=0.1,
            prior_sd=0.8, likelihood="gaussian", hidden=(256, 128, 64), heads=None,
            separate_activation=False):
    """An encoder, decoder and VAE as a student would write them, with one thing changed."""
    n_genes = CELLS.shape[1]

    def stack(h, sizes):
        for units in sizes:
            if separate_activation:
                h = layers.Activation(activation)(layers.Dense(units)(h))
            else:
                h = layers.Dense(units, activation=activation)(h)
            if dropout:
                h = layers.Dropout(dropout)(h)
        return h

    x_in = keras.Input((n_genes,))
    h = stack(x_in, hidden)
    encoder = keras.Model(x_in, [layers.Dense(latent_dim, activation=heads)(h),
                                 layers.Dense(latent_dim)(h)])
    z_in = keras.Input((latent_dim,))
    decoder = keras.Model(z_in, layers.Dense(n_genes, activation=output)(
        stack(z_in, tuple(reversed(hidden)))))
    return encoder, decoder, models.VAE(encoder, decoder, beta=beta, prior_sd=prior_sd,
                                        likelihood=likelihood)


def test_sc_vae_right_answer_none_and_partial():
    right = ex.check_sc_vae(*_recipe(), CELLS)
    assert right.status == CORRECT, right.message
    assert ex.check_sc_vae(*_recipe(separate_activation=True), CELLS).status == CORRECT
    assert ex.check_sc_vae(None, None, None, CELLS).status == NOT_ANSWERED
    encoder, decoder, _ = _recipe()
    partly = ex.check_sc_vae(encoder, decoder, None, CELLS)
    assert partly.status == NOT_YET and "`sc_vae`" in partly.message


@pytest.mark.parametrize("change, words", [
    (dict(output="sigmoid"), "sigmoid"),
    (dict(output=None), "negative log-expression"),
    (dict(output="softplus"), "output activation is softplus"),
    (dict(dropout=0.0), "no Dropout"),
    (dict(dropout=0.5), "dropout rates are"),
    (dict(latent_dim=16), "16 dimensions"),
    (dict(activation="relu"), "use relu"),
    (dict(hidden=(128, 64)), "[128, 64] units"),
    (dict(heads="relu"), "no activation"),
    (dict(beta=1.0), "beta is not applied"),
    (dict(beta=0.5), "weight 0.5"),
    (dict(prior_sd=1.0), "N(0, I)"),
    (dict(prior_sd=0.5), "prior"),
    (dict(likelihood="bernoulli"), "squared error"),
])
def test_sc_vae_mistakes_are_explained(change, words):
    feedback = ex.check_sc_vae(*_recipe(**change), CELLS)
    assert feedback.status == NOT_YET, feedback.message
    assert words in feedback.message, feedback.message


def test_sc_vae_wrong_objects_are_explained():
    encoder, decoder, vae = _recipe()
    other_encoder, _, _ = _recipe()
    unbuilt = keras.Sequential([layers.Dense(3)])
    one_output = keras.Model(encoder.inputs, encoder.outputs[0])
    cases = {
        "got a str": (encoder, decoder, "vae"),
        "not built yet": (unbuilt, decoder, vae),
        "two outputs": (one_output, decoder, vae),
        "wraps another encoder": (other_encoder, decoder, vae),
        "should be a Keras model (a keras.Model)": (lambda x: x, decoder, vae),
        "sc_decoder(z) raised": (encoder, encoder, vae),
    }
    for words, answers in cases.items():
        feedback = ex.check_sc_vae(*answers, CELLS)
        assert feedback.status == NOT_YET and words in feedback.message, feedback.message
    # the check leaves the student's model as it found it
    assert "sample_z" not in vae.__dict__ and vae.encoder is encoder


def _trained(optimizer, epochs=3, validation=0.1):
    _, _, vae = _recipe()
    vae.compile(optimizer=optimizer)
    history = vae.fit(CELLS, epochs=epochs, batch_size=40, validation_split=validation,
                      verbose=0)
    return history, vae


def test_sc_training_right_answer_and_mistakes():
    steps = 2

    def recipe():
        return keras.optimizers.Adam(warmup_cosine(steps, 3), amsgrad=True)

    history, vae = _trained(recipe())
    assert ex.check_sc_training(history, vae).status == CORRECT
    assert ex.check_sc_training(None, vae).status == NOT_ANSWERED
    cases = {
        "without amsgrad": _trained(keras.optimizers.Adam(warmup_cosine(steps, 3))),
        "is a constant": _trained(keras.optimizers.Adam(1e-3, amsgrad=True)),
        "Adam; it uses SGD": _trained(keras.optimizers.SGD(1e-3)),
        "no validation loss": _trained(recipe(), validation=0.0),
        "holds 1 epoch": _trained(recipe(), epochs=1),
    }
    for words, (h, model) in cases.items():
        feedback = ex.check_sc_training(h, model)
        assert feedback.status == NOT_YET and words in feedback.message, feedback.message
    decaying = keras.optimizers.schedules.ExponentialDecay(1e-3, 1, 0.5)
    feedback = ex.check_sc_training(*_trained(keras.optimizers.Adam(decaying, amsgrad=True)))
    assert feedback.status == NOT_YET and "warm-up" in feedback.message
    for wrong in (history.history, "history", 3):
        assert ex.check_sc_training(wrong, vae).status == NOT_YET
    assert "another model" in ex.check_sc_training(history, _recipe()[2]).message
    assert "still None" in ex.check_sc_training(history, None).message
    _, _, untrained = _recipe()
    assert ex.check_sc_training(history, untrained).status not in (CORRECT, CHECK_FAILED)
