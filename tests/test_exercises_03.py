"""Exercise checks of notebook 03 (autoencoders): right answers pass, wrong ones explain."""

import keras
import numpy as np
import pytest

import course_lib  # noqa: F401  (sets the backend environment before Keras loads)
from course_lib.exercises import NOT_YET
from course_lib.exercises import autoencoders as ae_ex
from course_lib.models import add_noise, build_autoencoder

RNG = np.random.default_rng(0)
IMAGES = RNG.random((200, 16)).astype("float32")
LABELS = np.arange(200) % 10
RECON = np.clip(IMAGES + RNG.normal(0, 0.1, IMAGES.shape) * (1 + LABELS[:, None] / 5),
                0, 1).astype("float32")  # a different error for each digit
GARBAGE = ["x", 3, {"a": "b"}, object(), 2.5j]


def assert_not_yet(feedback, *fragments):
    assert feedback.status == NOT_YET, repr(feedback)
    for fragment in fragments:
        assert fragment in feedback.message, repr(feedback)


def _per_digit(images=IMAGES, recon=RECON):
    return [((images[LABELS == d] - recon[LABELS == d]) ** 2).mean() for d in range(10)]


# ---------------------------------------------------------------- exercise 1
def test_per_digit_error_right_answers():
    check = ae_ex.check_per_digit_error
    assert check(_per_digit(), IMAGES, LABELS, RECON).passed
    assert check(np.array(_per_digit()), IMAGES, LABELS, RECON).passed
    assert check(dict(enumerate(_per_digit())), IMAGES, LABELS, RECON).passed
    assert check([keras.ops.convert_to_tensor(v) for v in _per_digit()], IMAGES, LABELS,
                 RECON).passed


def test_per_digit_error_wrong_answers():
    check = ae_ex.check_per_digit_error
    right = np.array(_per_digit())
    assert_not_yet(check(np.sqrt(right), IMAGES, LABELS, RECON), "root mean squared")
    assert_not_yet(check(right * 16, IMAGES, LABELS, RECON), "sums over the pixels")
    per_image = ((IMAGES - RECON) ** 2).mean(axis=1)
    assert_not_yet(check([per_image[LABELS == d].sum() for d in range(10)], IMAGES, LABELS, RECON),
                   "sums over the images")
    assert_not_yet(check([((IMAGES - RECON) ** 2).mean()] * 10, IMAGES, LABELS, RECON),
                   "overall mean")
    mae = [np.abs(IMAGES[LABELS == d] - RECON[LABELS == d]).mean() for d in range(10)]
    assert_not_yet(check(mae, IMAGES, LABELS, RECON), "absolute")
    assert_not_yet(check(right[::-1], IMAGES, LABELS, RECON), "digit order")
    off = right.copy()
    off[3] *= 1.5
    feedback = check(off, IMAGES, LABELS, RECON)
    assert_not_yet(feedback, "digit(s) 3 ")
    assert str(round(right[3], 4)) not in feedback.message  # no reference values leak
    assert_not_yet(check(right[:9], IMAGES, LABELS, RECON), "10 entries")
    assert_not_yet(check(list(right[:9]) + [None], IMAGES, LABELS, RECON), "[9] is still None")
    assert_not_yet(check(list(right[:9]) + [float("nan")], IMAGES, LABELS, RECON), "finite")
    assert_not_yet(check(dict(enumerate(right, start=1)), IMAGES, LABELS, RECON), "keys 0 to 9")


# ---------------------------------------------------------------- exercise 2
class _Halfway:
    """Stand-in denoiser: halves the distance to 0.5 (predict like a Keras model)."""

    def predict(self, x, verbose=0):
        return 0.5 + 0.5 * (np.asarray(x) - 0.5)


def _mse(a, b):
    return float(((np.asarray(a, "float64") - b) ** 2).mean())


def _table(levels=(0.25, 0.5, 0.75), against=None, root=False, noise_sd=None):
    table = {}
    for sd in levels:
        noisy = add_noise(IMAGES, noise_sd or sd, seed=0)
        denoised = _Halfway().predict(noisy)
        pair = (_mse(noisy, IMAGES), _mse(denoised, IMAGES if against is None else noisy))
        table[sd] = tuple(np.sqrt(pair)) if root else pair
    return table


def test_noise_levels_right_answer():
    feedback = ae_ex.check_noise_levels(_table(), IMAGES, _Halfway())
    assert feedback.passed, repr(feedback)
    as_lists = {sd: list(pair) for sd, pair in _table().items()}
    assert ae_ex.check_noise_levels(as_lists, IMAGES, _Halfway()).passed


@pytest.mark.parametrize("levels", [(0.25, 0.5), (0.25, 0.5, 0.75, 1.0), (0.1, 0.5, 0.75)])
def test_noise_levels_wrong_number_of_levels(levels):
    assert_not_yet(ae_ex.check_noise_levels(_table(levels), IMAGES, _Halfway()),
                   "exactly one entry for each")


def test_noise_levels_wrong_answers():
    check = ae_ex.check_noise_levels
    swapped = {sd: pair[::-1] for sd, pair in _table().items()}
    assert_not_yet(check(swapped, IMAGES, _Halfway()), "swapped")
    assert_not_yet(check(_table(root=True), IMAGES, _Halfway()), "root mean squared")
    assert_not_yet(check(_table(against="noisy"), IMAGES, _Halfway()), "compared with the noisy")
    assert_not_yet(check(_table(noise_sd=0.5), IMAGES, _Halfway()), "same at all three")
    wrong_denoised = {sd: (pair[0], pair[1] * 2) for sd, pair in _table().items()}
    assert_not_yet(check(wrong_denoised, IMAGES, _Halfway()), "denoised output's is not")
    one = _table()
    one[0.5] = (one[0.5][0],)
    assert_not_yet(check(one, IMAGES, _Halfway()), "pair")
    one[0.5] = (None, 0.1)
    assert_not_yet(check(one, IMAGES, _Halfway()), "still None")
    one[0.5] = 0.1
    assert_not_yet(check(one, IMAGES, _Halfway()), "pair")
    assert_not_yet(check({"0.25": 1, "0.5": 1, "0.75": 1}, IMAGES, _Halfway()), "as numbers")
    assert_not_yet(check([(0.1, 0.01)] * 3, IMAGES, _Halfway()), "dict")
    assert ae_ex.check_noise_levels(None, IMAGES, _Halfway()).passed is None


# ---------------------------------------------------------------- exercise 3
N_PIXELS = 16
X_AE = np.clip(RNG.random((400, 3)) @ RNG.random((3, N_PIXELS)) / 2, 0, 1).astype("float32")


def own_autoencoder(latent=8, output="sigmoid", train=True, chained=True):
    inputs = keras.Input(shape=(N_PIXELS,))
    hidden = keras.layers.Dense(32, activation="relu")(inputs)
    encoder = keras.Model(inputs, keras.layers.Dense(latent)(hidden))
    code = keras.Input(shape=(latent,))
    hidden = keras.layers.Dense(32, activation="relu")(code)
    decoder = keras.Model(code, keras.layers.Dense(N_PIXELS, activation=output)(hidden))
    if chained:
        autoencoder = keras.Model(inputs, decoder(encoder(inputs)))
    else:  # same architecture, its own layers
        autoencoder = own_autoencoder(latent, output, train=False)[0]
    autoencoder.compile(optimizer=keras.optimizers.Adam(1e-2), loss="binary_crossentropy")
    if train:
        keras.utils.set_random_seed(0)
        autoencoder.fit(X_AE, X_AE, epochs=30, batch_size=32, verbose=0)
    return autoencoder, encoder, decoder


@pytest.fixture(scope="module")
def trained_ae():
    keras.utils.set_random_seed(0)
    return own_autoencoder()


@pytest.fixture(scope="module")
def mse_2d(trained_ae):
    # between the trained model's error and an untrained one's
    trained = _mse(trained_ae[0].predict(X_AE, verbose=0), X_AE)
    untrained = _mse(own_autoencoder(train=False)[0].predict(X_AE, verbose=0), X_AE)
    assert trained < untrained / 3
    return (trained * untrained) ** 0.5


def test_own_autoencoder_right_answers(trained_ae, mse_2d):
    check = ae_ex.check_own_autoencoder
    feedback = check(*trained_ae, X_AE, mse_2d)
    assert feedback.passed, repr(feedback)
    keras.utils.set_random_seed(0)
    library = build_autoencoder(N_PIXELS, latent_dim=8, hidden=(32,))
    library[0].compile(optimizer=keras.optimizers.Adam(1e-2), loss="binary_crossentropy")
    library[0].fit(X_AE, X_AE, epochs=30, batch_size=32, verbose=0)
    assert check(*library, X_AE, mse_2d).passed


def test_own_autoencoder_wrong_answers(trained_ae, mse_2d):
    check = ae_ex.check_own_autoencoder
    autoencoder, encoder, decoder = trained_ae
    assert_not_yet(check(*own_autoencoder(train=False), X_AE, mse_2d), "Was it trained")
    assert_not_yet(check(*own_autoencoder(latent=2, train=False), X_AE, mse_2d),
                   "2 numbers per image, not 8")
    assert_not_yet(check(*own_autoencoder(output=None, train=False), X_AE, mse_2d),
                   "outside [0, 1]")
    assert_not_yet(check(*own_autoencoder(chained=False, train=False), X_AE, mse_2d),
                   "not code8_decoder applied")
    assert_not_yet(check(autoencoder, decoder, encoder, X_AE, mse_2d), "takes inputs of 8")
    unbuilt = keras.Sequential([keras.layers.Dense(8)])
    assert_not_yet(check(autoencoder, unbuilt, decoder, X_AE, mse_2d), "not built",
                   "keras.Input(shape=(16,))")
    assert_not_yet(check(autoencoder, encoder, None, X_AE, mse_2d), "`code8_decoder`")
    assert_not_yet(check(autoencoder, None, None, X_AE, mse_2d), "`code8_encoder`")
    assert check(None, None, None, X_AE, mse_2d).passed is None
    for garbage in GARBAGE:
        assert_not_yet(check(autoencoder, encoder, garbage, X_AE, mse_2d), "Keras model")


# ---------------------------------------------------------------- every check, wrong types
@pytest.mark.parametrize("answer", GARBAGE + [[1, 2]])
def test_wrong_types_fail_without_crashing(answer):
    for check, args in [(ae_ex.check_per_digit_error, (IMAGES, LABELS, RECON)),
                        (ae_ex.check_noise_levels, (IMAGES, _Halfway()))]:
        assert check(answer, *args).status == NOT_YET, (check.__name__, answer)
