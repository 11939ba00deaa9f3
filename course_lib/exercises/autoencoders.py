"""Checks for notebook 03 (autoencoders): per-digit errors, noise levels, code size."""

import math
import numbers

import numpy as np

from course_lib.exercises import exercise, expect


def _as_vector(values, name, length=None):
    """A 1-D float array from a list, array or {key: value} dict (sorted by key)."""
    if isinstance(values, dict):
        values = [values[k] for k in sorted(values)]
    expect(not isinstance(values, (str, bytes, numbers.Number)),
           f"{name} should be a sequence of numbers, got a {type(values).__name__}.")
    try:
        vector = np.asarray(values, dtype="float64").ravel()
    except (TypeError, ValueError):
        expect(False, f"{name} should contain numbers only.")
    if length is not None:
        expect(len(vector) == length, f"{name} should have {length} entries, it has {len(vector)}.")
    expect(np.all(np.isfinite(vector)), f"{name} contains NaN or infinite values.")
    return vector


def _number(value, name):
    expect(isinstance(value, numbers.Real) or (np.ndim(value) == 0 and np.isreal(value)),
           f"{name} should be a single number, got a {type(value).__name__}.")
    value = float(value)
    expect(math.isfinite(value), f"{name} is {value}.")
    return value


@exercise("Which digit is hardest to reconstruct?",
          hints="for each digit d: the rows with labels == d, then ((x - x_hat) ** 2).mean().")
def check_per_digit_error(per_digit_mse, images, labels, reconstructions):
    """Mean squared error per pixel of each digit class, digits 0..9 in order."""
    answer = _as_vector(per_digit_mse, "per_digit_mse", length=10)
    images, labels = np.asarray(images), np.asarray(labels)
    errors = ((images - np.asarray(reconstructions)) ** 2).mean(axis=1)
    reference = np.array([errors[labels == d].mean() for d in range(10)])
    expect(not np.allclose(answer, reference * images.shape[1], rtol=1e-3),
           "these are sums over the 784 pixels; take the mean over pixels instead.")
    expect(not np.allclose(answer, np.full(10, errors.mean()), rtol=1e-3),
           "all ten values are the overall mean: select each digit's images with labels == d.")
    expect(np.allclose(answer, reference, rtol=1e-3),
           f"expected about {np.round(reference, 4).tolist()}; check that entry d uses the "
           "images of digit d and averages over images and pixels.")
    worst, best = int(reference.argmax()), int(reference.argmin())
    return (f"digit {worst} is the hardest (MSE {reference[worst]:.4f}) and digit {best} the "
            f"easiest ({reference[best]:.4f}) for a 2-number code.")


@exercise("Denoising at several noise levels",
          hints="for each sd: noisy = models.add_noise(x, sd, seed=0); denoised = "
               "denoiser.predict(noisy, verbose=0); record the MSE of both against x.")
def check_noise_levels(noise_table, clean, denoiser):
    """Dict sd -> (MSE of noisy input, MSE of denoised output) for sd in 0.25, 0.5, 0.75."""
    from course_lib.models import add_noise

    expect(isinstance(noise_table, dict),
           f"noise_table should be a dict {{sd: (noisy_mse, denoised_mse)}}, got a "
           f"{type(noise_table).__name__}.")
    levels = sorted(float(k) for k in noise_table)
    expect(np.allclose(levels, [0.25, 0.5, 0.75]),
           f"use the noise levels 0.25, 0.5 and 0.75 as keys, got {levels}.")
    clean = np.asarray(clean)
    for sd, pair in sorted(noise_table.items()):
        pair = _as_vector(pair, f"noise_table[{sd}]", length=2)
        noisy = add_noise(clean, float(sd), seed=0)
        denoised = np.asarray(denoiser.predict(noisy, verbose=0))
        noisy_mse = float(((noisy - clean) ** 2).mean())
        denoised_mse = float(((denoised - clean) ** 2).mean())
        expect(np.isclose(pair[0], noisy_mse, rtol=0.05),
               f"at sd {sd}: the noisy input's MSE should be about {noisy_mse:.4f}, got "
               f"{pair[0]:.4f}.")
        expect(np.isclose(pair[1], denoised_mse, rtol=0.05),
               f"at sd {sd}: the denoised output's MSE should be about {denoised_mse:.4f}, "
               f"got {pair[1]:.4f}.")
    gains = {sd: pair[0] / max(pair[1], 1e-12) for sd, pair in noise_table.items()}
    return ("the denoised error is " +
            ", ".join(f"{gain:.0f}x lower at sd {sd}" for sd, gain in sorted(gains.items()))
            + ": noise of levels it was not trained on (0.25, 0.75) is removed too.")


@exercise("A bigger code",
          hints="models.build_autoencoder(784, latent_dim=8, hidden=(256,)); compile with "
               "loss='binary_crossentropy'; fit(x, x, ...); then the pixel MSE on x_test.")
def check_code_size(code8_encoder, code8_mse, mse_2d):
    """An encoder with an 8-number code and its test MSE, which should beat the 2-D code."""
    import keras

    expect(isinstance(code8_encoder, keras.Model),
           f"code8_encoder should be the encoder (a Keras model), got a "
           f"{type(code8_encoder).__name__}.")
    width = code8_encoder.outputs[0].shape[-1]
    expect(width == 8, f"the encoder's code has {width} numbers; build it with latent_dim=8.")
    mse = _number(code8_mse, "code8_mse")
    expect(0 < mse < 0.2, f"an MSE of {mse:.4g} per pixel is implausible for images in [0, 1]: "
           "average the squared error over pixels and test images.")
    expect(mse < mse_2d, f"the 8-number code's MSE ({mse:.4f}) should be below the 2-number "
           f"code's ({mse_2d:.4f}); train for one epoch on all of x_train.")
    return (f"test MSE {mse:.4f} with 8 numbers vs {mse_2d:.4f} with 2: four times the code "
            "leaves far more room for detail.")
