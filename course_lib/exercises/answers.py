"""Reading a student's answer as numbers, or saying in one sentence why it cannot be read.

Every check reads the numbers, arrays and Keras models a student wrote with these functions,
so the same slip (None, text, a list where one number belongs, NaN, an unbuilt model) gets
the same sentence in every notebook. ``name`` is how the sentence calls the answer
(``"r2_all"``, ``"logs['d_loss']"``); ``meaning`` says what the one number is, e.g.
``" (the mean over the batch)"``.
"""

import math
import numbers

import numpy as np

from course_lib.exercises import Incorrect, expect


def _one_float(value, name, meaning, kind="one number"):
    """``value`` as one float (perhaps inf or nan), from a number, a one-element array or a
    scalar tensor; a list, text or None is a sentence about ``kind``."""
    expect(value is not None, f"{name} is still None.")
    wrong_type = f"{name} should be {kind}{meaning}, got a {type(value).__name__}."
    expect(not isinstance(value, (str, bytes, bool, dict, list, tuple, set))
           and not callable(value), wrong_type)
    try:
        array = np.asarray(value, dtype="float64")
    except OverflowError:  # a Python int beyond float64
        return math.inf
    except (TypeError, ValueError):
        raise Incorrect(wrong_type) from None
    expect(array.size == 1, f"{name} should be {kind}{meaning}, got {array.size} numbers "
           f"(shape {array.shape}).")
    return float(array.reshape(-1)[0])


def close(answer, reference, rtol=1e-3, atol=0.0, relative_to="entry"):
    """Whether ``answer`` equals ``reference`` up to float32 noise, as checks must judge: they
    recompute in float64 what the student's float32 model computed, so exact equality would
    fail a right answer. The shapes must agree (one reference number stands for every entry);
    each entry may differ by ``atol + rtol * |reference|``, where ``|reference|`` is that
    entry's size or, with ``relative_to="largest"``, the largest entry's (for values such as
    gene expression, where most entries are near 0 and a relative error means little)."""
    a, b = np.asarray(answer, dtype="float64"), np.asarray(reference, dtype="float64")
    if b.ndim and a.shape != b.shape:
        return False
    size = np.abs(b) if relative_to == "entry" else np.abs(b).max(initial=0.0)
    return bool(np.all(np.abs(a - b) <= atol + rtol * size))


def number(value, name, meaning=""):
    """One finite float."""
    value = _one_float(value, name, meaning)
    expect(math.isfinite(value), f"{name} is {'too large' if math.isinf(value) else value}: it "
           f"should be a finite number{meaning}.")
    return value


def whole_number(value, name, meaning=""):
    """One int: a count the student typed or computed (5.0 is fine, 5.5 is not)."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)  # exact, however large
    value = _one_float(value, name, meaning, kind="a whole number")
    expect(math.isfinite(value) and value == int(value),
           f"{name} should be a whole number{meaning}, got {value:g}.")
    return int(value)


def number_list(values, name, length):
    """A float array of ``length`` finite numbers from a list, tuple or array."""
    expect(values is not None, f"{name} is still None.")
    expect(not isinstance(values, (str, bytes, dict, numbers.Number)) and hasattr(values, "__len__"),
           f"{name} should be a list of {length} numbers, got a {type(values).__name__}.")
    expect(len(values) == length, f"{name} should have {length} entries, it has {len(values)}.")
    return np.array([number(v, f"{name}[{i}]") for i, v in enumerate(values)])


def array(value, name, ndim=None, meaning="", finite=True):
    """A float64 NumPy array from an array, a nested list or a backend tensor.

    With ``ndim=1`` a row or a column is taken as the vector it holds. ``meaning`` says what
    the axes are, e.g. ``" (cells x genes)"``.
    """
    expect(value is not None, f"{name} is still None.")
    wrong = f"{name} should be a NumPy array of numbers{meaning}, got a {type(value).__name__}"
    expect(not isinstance(value, (str, bytes, dict)) and not callable(value), wrong + ".")
    try:
        import keras

        raw = np.asarray(keras.ops.convert_to_numpy(value) if keras.ops.is_tensor(value)
                         else value)
    except Exception:
        raise Incorrect(wrong + " that NumPy cannot turn into numbers.") from None
    expect(raw.dtype.kind in "biuf", f"{name} should hold numbers only, but this "
           f"{type(value).__name__} holds {'text' if raw.dtype.kind in 'US' else 'other objects'}"
           f" (dtype {raw.dtype}).")
    result = raw.astype("float64")
    if ndim == 1 and result.ndim == 2 and 1 in result.shape:
        result = result.ravel()
    expect(ndim is None or result.ndim == ndim, f"{name} should have {ndim} "
           f"dimension{'s' * (ndim != 1)}{meaning}, got shape {result.shape}.")
    expect(not finite or np.isfinite(result).all(), f"{name} contains NaN or infinite values.")
    return result


def model(value, name, input_dim=None):
    """A built Keras model with an input layer (of ``input_dim`` features, when given)."""
    import keras

    expect(isinstance(value, keras.Model),
           f"{name} should be a Keras model (a keras.Model), got a {type(value).__name__}.")
    start = f"keras.Input(shape=({input_dim},))" if input_dim else "keras.Input(...)"
    expect(value.built, f"{name} is not built yet, so it has no weights: give it a {start} as "
           "its first layer.")
    try:
        width = value.inputs[0].shape[-1]
    except (AttributeError, IndexError, TypeError, ValueError):
        raise Incorrect(f"{name} has no input layer: start it with {start}.") from None
    expect(input_dim is None or width == input_dim,
           f"{name} takes inputs of {width} numbers; it should take {input_dim}.")
    return value
