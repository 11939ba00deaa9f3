"""Checks for notebook 04 (variational autoencoders): KL term, reparameterisation, active units."""

import numbers

import numpy as np

from course_lib.exercises import exercise, expect


def _call(function, *args):
    """Call a student's function and return its result as a float64 array."""
    expect(callable(function), f"expected a function, got a {type(function).__name__}.")
    result = function(*args)
    expect(result is not None, "your function returns None: finish it with a return statement.")
    try:
        import keras

        result = keras.ops.convert_to_numpy(result)
    except Exception:
        pass
    return np.asarray(result, dtype="float64")


def _unanswered(function, n_args):
    """True when ``function`` is the student scaffold's stub (it returns None)."""
    if not callable(function):
        return False
    try:
        zeros = np.zeros((2, 3), dtype="float32")
        return function(*[zeros] * n_args) is None
    except Exception:
        return False


def check_kl_divergence(kl_divergence):
    """kl_divergence(mean, log_var): per-sample KL(N(mean, exp(log_var)) || N(0, I))."""
    return _check_kl_divergence(None if _unanswered(kl_divergence, 2) else kl_divergence)


def check_reparameterise(reparameterise):
    """reparameterise(mean, log_var, eps) -> mean + exp(log_var / 2) * eps."""
    return _check_reparameterise(None if _unanswered(reparameterise, 3) else reparameterise)


@exercise("The KL term by hand",
          hints="per dimension 0.5 * (exp(log_var) + mean**2 - 1 - log_var); sum over the "
               "last axis, one value per sample.")
def _check_kl_divergence(kl_divergence):
    from course_lib.models import kl_to_prior

    rng = np.random.default_rng(1)
    mean = rng.normal(size=(6, 3)).astype("float32")
    log_var = rng.normal(scale=0.7, size=(6, 3)).astype("float32")
    answer = _call(kl_divergence, mean, log_var)
    reference = np.asarray(kl_to_prior(mean, log_var), dtype="float64")
    expect(answer.shape != (6, 3), "one value per sample please: sum over the latent "
           "dimensions (axis=-1).")
    expect(answer.size != 1, "one value per sample please: sum over axis=-1 only, not over the "
           "whole batch.")
    expect(answer.shape == (6,), f"expected shape (6,), got {answer.shape}.")
    zero = _call(kl_divergence, np.zeros((2, 3), "float32"), np.zeros((2, 3), "float32"))
    expect(np.allclose(zero, 0, atol=1e-5),
           f"a posterior equal to the prior (mean 0, log_var 0) must give KL 0, not {zero[0]:.3g}.")
    expect(not np.allclose(answer, 2 * reference, rtol=1e-4),
           "twice the right value: keep the factor 0.5.")
    expect(np.allclose(answer, reference, rtol=1e-4, atol=1e-5),
           f"for the test batch expected {np.round(reference, 3).tolist()}, got "
           f"{np.round(answer, 3).tolist()}.")
    return "the closed-form KL matches the one the VAE uses in training."


@exercise("The reparameterisation trick",
          hints="z = mean + exp(0.5 * log_var) * eps: exp(0.5 * log_var) is the standard deviation.")
def _check_reparameterise(reparameterise):
    rng = np.random.default_rng(2)
    mean = rng.normal(size=(5, 2)).astype("float32")
    log_var = rng.normal(size=(5, 2)).astype("float32")
    eps = rng.normal(size=(5, 2)).astype("float32")
    answer = _call(reparameterise, mean, log_var, eps)
    expect(answer.shape == (5, 2), f"z should have the shape of mean, {mean.shape}; got "
           f"{answer.shape}.")
    expect(not np.allclose(answer, mean + np.exp(log_var) * eps, rtol=1e-4),
           "you scaled eps by the variance exp(log_var); scale by the standard deviation "
           "exp(0.5 * log_var).")
    expect(not np.allclose(answer, mean + log_var * eps, rtol=1e-4),
           "log_var is a logarithm: turn it into a standard deviation with exp(0.5 * log_var).")
    expect(np.allclose(answer, mean + np.exp(0.5 * log_var) * eps, rtol=1e-4, atol=1e-6),
           "z should be mean + standard deviation * eps.")
    return ("z is a deterministic function of (mean, log_var) plus outside noise eps, so "
            "gradients flow to the encoder.")


@exercise("How many latent dimensions are used?",
          hints="kl = 0.5 * (exp(log_var) + mean**2 - 1 - log_var), averaged over images "
               "(axis=0); count the dimensions with a value above 0.01.")
def check_active_dims(active_dims, z_mean, z_log_var):
    """Number of latent dimensions whose KL, averaged over images, exceeds 0.01 nats."""
    expect(isinstance(active_dims, numbers.Integral) or
           (isinstance(active_dims, numbers.Real) and float(active_dims).is_integer()),
           f"active_dims should be a whole number, got {active_dims!r}.")
    z_mean, z_log_var = np.asarray(z_mean, "float64"), np.asarray(z_log_var, "float64")
    per_dim = (0.5 * (np.exp(z_log_var) + z_mean ** 2 - 1 - z_log_var)).mean(axis=0)
    reference = int((per_dim > 0.01).sum())
    total = per_dim.size
    expect(not (int(active_dims) == total and reference < total),
           f"{total} is every dimension: count only those with an average KL above 0.01.")
    expect(int(active_dims) == reference,
           f"expected {reference}: average the per-dimension KL over the test images, then "
           "count the values above 0.01.")
    unused = total - reference
    rest = ("none is switched off" if unused == 0 else
            f"{unused} {'stays' if unused == 1 else 'stay'} at the prior (posterior collapse), "
            "which the KL term makes cheap")
    return f"{reference} of {total} dimensions carry information; {rest}."
