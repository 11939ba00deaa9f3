"""Checks for notebook 03 (autoencoders): per-digit errors, noise levels, an autoencoder of one's own."""

import functools
import math
import numbers

import numpy as np

from course_lib.exercises import Incorrect, answers, call_student, exercise, expect

LEVELS = (0.25, 0.5, 0.75)


def _squared_error(a, b):
    return (np.asarray(a, dtype="float64") - np.asarray(b, dtype="float64")) ** 2


@exercise("Which digit is hardest to reconstruct?",
          hints=("Select the test images of one digit with a boolean mask on the labels, and "
                 "the reconstructions with the same mask.",
                 "For one digit: the squared differences, then their mean over the images and "
                 "over the pixels. Repeat for d = 0, ..., 9, in that order."))
def check_per_digit_error(per_digit_mse, images, labels, reconstructions):
    """Mean squared error per pixel of each digit class, digits 0..9 in order."""
    if isinstance(per_digit_mse, dict):
        keys = sorted(per_digit_mse, key=str)
        expect(set(per_digit_mse) == set(range(10)),
               f"as a dict, per_digit_mse needs the keys 0 to 9 (one per digit), got {keys}.")
        per_digit_mse = [per_digit_mse[d] for d in range(10)]
    answer = answers.number_list(per_digit_mse, "per_digit_mse", 10)
    images, labels = np.asarray(images), np.asarray(labels)
    squared = _squared_error(images, reconstructions)
    digits = [labels == d for d in range(10)]
    reference = np.array([squared[m].mean() for m in digits])

    def matches(values):
        return np.allclose(answer, values, rtol=1e-3, atol=1e-7)

    if matches(reference):
        worst, best = int(reference.argmax()), int(reference.argmin())
        return (f"digit {worst} is the hardest (MSE {reference[worst]:.4f}) and digit {best} "
                f"the easiest ({reference[best]:.4f}) for a 2-number code.")
    expect(not matches(np.sqrt(reference)),
           "these are root mean squared errors (RMSE): the square root is one step too many.")
    expect(not matches(reference * images.shape[1]),
           "these are sums over the pixels of each image; take the mean over pixels too.")
    expect(not matches([squared[m].mean(axis=1).sum() for m in digits]),
           "these are sums over the images of each digit; average over the images instead.")
    expect(not matches(np.full(10, squared.mean())),
           "all ten values are the overall mean: compute each one on the images of its digit "
           "only.")
    absolute = np.sqrt(squared)
    expect(not matches([absolute[m].mean() for m in digits]),
           "these are mean absolute errors: square the differences instead.")
    expect(not np.allclose(np.sort(answer), np.sort(reference), rtol=1e-3),
           "the ten values are right but not in digit order: entry d must belong to digit d.")
    wrong = [d for d in range(10) if not np.isclose(answer[d], reference[d], rtol=1e-3)]
    raise Incorrect(f"the entries for digit(s) {', '.join(map(str, wrong))} do not match the "
                    "mean squared error of that digit's test images and their "
                    "reconstructions.")


@exercise("Denoising at several noise levels",
          hints=("One loop over the three noise levels; inside it, new noisy images, their "
                 "denoised version, and two errors.",
                 "Both errors are measured against the clean images x_demo: the mean of the "
                 "squared differences over images and pixels.",
                 "Store a (noisy error, denoised error) pair under each level: "
                 "noise_table[sd] = (..., ...)."))
def check_noise_levels(noise_table, clean, denoiser):
    """Dict sd -> (MSE of noisy input, MSE of denoised output) for sd in 0.25, 0.5, 0.75."""
    from course_lib.models import add_noise

    expect(isinstance(noise_table, dict),
           f"noise_table should be a dict {{sd: (noisy_mse, denoised_mse)}}, got a "
           f"{type(noise_table).__name__}.")
    levels = {}
    for key in noise_table:
        expect(isinstance(key, numbers.Real) and not isinstance(key, bool),
               f"the keys of noise_table should be the noise levels as numbers, got {key!r}.")
        levels[float(key)] = noise_table[key]
    missing = [sd for sd in LEVELS if not any(math.isclose(sd, k) for k in levels)]
    extra = [k for k in levels if not any(math.isclose(sd, k) for sd in LEVELS)]
    expect(not missing and not extra,
           f"noise_table has the keys {sorted(levels)}; it needs exactly one entry for each "
           f"of the levels 0.25, 0.5 and 0.75"
           + (f" (missing: {', '.join(map(str, missing))})" if missing else "") + ".")
    clean = np.asarray(clean, dtype="float32")
    pairs, truth = {}, {}
    for sd in LEVELS:
        key = next(k for k in levels if math.isclose(sd, k))
        value = levels[key]
        expect(isinstance(value, (tuple, list, np.ndarray)) and len(value) == 2,
               f"noise_table[{sd}] should be a pair (noisy_mse, denoised_mse), got "
               f"{type(value).__name__}" + (f" of length {len(value)}."
                                            if hasattr(value, "__len__") else "."))
        pairs[sd] = answers.number_list(value, f"noise_table[{sd}]", 2)
        noisy = add_noise(clean, sd, seed=0)
        denoised = np.asarray(denoiser.predict(noisy, verbose=0))
        truth[sd] = (_squared_error(noisy, clean).mean(), _squared_error(denoised, clean).mean(),
                     _squared_error(denoised, noisy).mean())
    noisy_given = [pairs[sd][0] for sd in LEVELS]
    expect(not np.allclose(noisy_given, noisy_given[0], rtol=1e-6),
           "the noisy input's error is the same at all three levels: make new noisy images "
           "for each sd inside the loop.")
    # the errors of a random noisy batch: 5 % apart is the same error
    close = functools.partial(answers.close, rtol=0.05)
    for sd in LEVELS:
        (noisy_mse, denoised_mse), (true_noisy, true_denoised, against_noisy) = pairs[sd], truth[sd]
        if close(noisy_mse, true_noisy) and close(denoised_mse, true_denoised):
            continue
        expect(not (close(noisy_mse, true_denoised) and close(denoised_mse, true_noisy)),
               f"at sd {sd} the two numbers are swapped: first the noisy input's error, then "
               "the denoised output's.")
        expect(not (close(noisy_mse, math.sqrt(true_noisy))
                    or close(denoised_mse, math.sqrt(true_denoised))),
               f"at sd {sd} these look like root mean squared errors: leave out the square "
               "root.")
        expect(close(noisy_mse, true_noisy),
               f"at sd {sd} the noisy input's error does not match noise of that sd added to "
               "x_demo (models.add_noise(x_demo, sd, seed=0)), measured against x_demo.")
        expect(not close(denoised_mse, against_noisy),
               f"at sd {sd} the denoised output is compared with the noisy input; compare it "
               "with the clean images x_demo.")
        raise Incorrect(f"at sd {sd} the noisy input's error is right, but the denoised "
                        "output's is not: denoise this level's noisy images and compare "
                        "the result with x_demo.")
    gains = {sd: truth[sd][0] / max(truth[sd][1], 1e-12) for sd in LEVELS}
    return ("the denoiser lowers the error " +
            ", ".join(f"{gain:.1f}x at sd {sd}" for sd, gain in gains.items()) +
            "; it was trained at sd 0.5 only.")


def _predict(model, x, name):
    output = np.asarray(call_student(model.predict, x, verbose=0, name=f"{name}.predict"))
    expect(np.isfinite(output).all(), f"{name} outputs NaN or infinite values.")
    return output


@exercise("An autoencoder of your own", answers=3,
          hints=("Three keras.Model objects: the encoder from an image input to the code, the "
                 "decoder from a code input to an image, and the autoencoder that chains them.",
                 "Functional API: x = keras.Input(shape=...), then layers called on tensors, "
                 "then keras.Model(inputs, outputs). A model can be called on a tensor like a "
                 "layer, which is how the autoencoder reuses the encoder and the decoder.",
                 "Compile the autoencoder only, and fit it with the images as both input and "
                 "target."))
def check_own_autoencoder(code8_autoencoder, code8_encoder, code8_decoder, images, mse_2d,
                          latent_dim=8):
    """Encoder 784 -> 8, decoder 8 -> 784 in [0, 1], autoencoder = decoder(encoder(x)), trained."""
    x = np.asarray(images, dtype="float32")
    n_pixels = x.shape[1]
    encoder = answers.model(code8_encoder, "code8_encoder", input_dim=n_pixels)
    code = _predict(encoder, x[:64], "code8_encoder")
    expect(code.ndim == 2 and code.shape[0] == 64,
           f"code8_encoder should output one code per image; for 64 images it gives shape "
           f"{code.shape}.")
    expect(code.shape[1] == latent_dim,
           f"code8_encoder's code has {code.shape[1]} numbers per image, not {latent_dim}.")
    decoder = answers.model(code8_decoder, "code8_decoder", input_dim=latent_dim)
    decoded = _predict(decoder, code, "code8_decoder")
    expect(decoded.shape == (64, n_pixels),
           f"code8_decoder should turn each code back into {n_pixels} pixels; for 64 codes "
           f"it gives shape {decoded.shape}.")
    expect(decoded.min() >= 0 and decoded.max() <= 1,
           "code8_decoder outputs values outside [0, 1]; pixels and the binary cross-entropy "
           "need outputs in [0, 1], which a sigmoid on the last layer gives.")
    autoencoder = answers.model(code8_autoencoder, "code8_autoencoder", input_dim=n_pixels)
    reconstructed = _predict(autoencoder, x, "code8_autoencoder")
    expect(reconstructed.shape == x.shape,
           f"code8_autoencoder should output an image per image, shape {x.shape}; it gives "
           f"{reconstructed.shape}.")
    expect(np.allclose(reconstructed[:64], decoded, atol=1e-4),
           "code8_autoencoder's output is not code8_decoder applied to code8_encoder's code: "
           "build the autoencoder from those two models, so that training it trains them.")
    mse = float(_squared_error(reconstructed, x).mean())
    mse_2d = float(mse_2d)
    expect(mse < mse_2d,
           f"code8_autoencoder's mean squared error on the test images is {mse:.4f}, not below the "
           f"2-number code's {mse_2d:.4f}. Was it trained, with the images as both input and "
           "target?")
    return (f"mean squared error on the test images {mse:.4f} with {latent_dim} numbers vs {mse_2d:.4f} "
            "with 2: a wider code leaves room for detail.")
