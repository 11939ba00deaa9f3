"""Checks for notebook 01 (tensors and Keras): orientation, reshaping, softmax."""

import numpy as np

from course_lib.exercises import Incorrect, exercise, expect


def _as_array(value, name):
    """A student's answer as a numeric NumPy array, or a plain-language failure."""
    try:
        import keras

        array = np.asarray(keras.ops.convert_to_numpy(value))
    except Exception:
        raise Incorrect(f"{name} should be an array or a tensor, got a "
                        f"{type(value).__name__}.") from None
    expect(array.dtype.kind in "biuf",
           f"{name} should hold numbers, but it is a {type(value).__name__} "
           f"of dtype {array.dtype}.")
    return array


@exercise("Samples first",
          hints="a genes x cells matrix m becomes cells x genes with m.T (or "
               "keras.ops.transpose(m)); then keep the first 64 rows.")
def check_samples_first(batch, genes_by_cells, n_cells=64):
    """Is ``batch`` the first ``n_cells`` cells of ``genes_by_cells``, one cell per row?"""
    batch = _as_array(batch, "batch")
    reference = np.asarray(genes_by_cells)[:, :n_cells]  # genes x cells
    n_genes = reference.shape[0]
    expect(batch.ndim == 2, f"batch should be a 2-D matrix (cells, genes); it has "
                            f"{batch.ndim} dimension(s), shape {batch.shape}.")
    expect(batch.shape != reference.shape,
           f"batch has shape {batch.shape}: that is still genes x cells, the R/Bioconductor "
           f"orientation. Keras wants the samples (cells) on axis 0: shape "
           f"({n_cells}, {n_genes}).")
    expect(batch.shape == (n_cells, n_genes),
           f"batch should have shape ({n_cells}, {n_genes}): {n_cells} cells x {n_genes} "
           f"genes; it has shape {batch.shape}.")
    if not np.array_equal(batch, reference.T):
        scrambled = reference.reshape(n_cells, n_genes)
        expect(not np.array_equal(batch, scrambled),
               "the shape is right but the numbers are scrambled: reshape keeps the order "
               "of the numbers in memory and only regroups them, it does not swap the axes. "
               "Transpose instead.")
        raise Incorrect("the shape is right, but the rows are not the first "
                        f"{n_cells} cells (columns 0..{n_cells - 1} of genes_by_cells). "
                        "If you used reshape: it regroups the numbers, it does not swap axes.")
    return (f"shape {batch.shape}: {n_cells} cells in rows, {n_genes:,} genes in columns, "
            "ready for a Keras model.")


@exercise("Flatten a batch of images",
          hints="keep axis 0 (the samples) and merge the rest: images.reshape(len(images), -1) "
               "or keras.ops.reshape(images, (n, -1)).")
def check_flatten(flat_batch, images):
    """Is ``flat_batch`` the image batch with one flattened image (pixel row) per sample?"""
    flat = _as_array(flat_batch, "flat_batch")
    images = np.asarray(images)
    n, n_pixels = len(images), int(np.prod(images.shape[1:]))
    expect(flat.ndim == 2, f"flat_batch should be 2-D (samples, pixels); it has "
                           f"{flat.ndim} dimension(s), shape {flat.shape}. Keep the sample "
                           "axis and merge only the others.")
    expect(flat.shape != (n_pixels, n),
           f"flat_batch has shape {flat.shape}: the samples ended up on axis 1. Keras "
           f"expects them on axis 0, shape ({n}, {n_pixels}).")
    expect(flat.shape == (n, n_pixels),
           f"flat_batch should have shape ({n}, {n_pixels}): {n} images of "
           f"{' x '.join(map(str, images.shape[1:]))} = {n_pixels} values; it has {flat.shape}.")
    expect(np.allclose(flat, images.reshape(n, n_pixels)),
           "the shape is right but the pixels are in a different order than a plain "
           "reshape gives (row after row of each image). Did you transpose first?")
    return (f"{n} images of shape {images.shape[1:]} became {n} rows of {n_pixels} "
            "pixels, the input an MLP (Dense layers) expects.")


_LOGITS = np.array([[1.0, 2.0, 3.0],
                    [1000.0, 1001.0, 1002.0],  # overflows exp() unless the max is subtracted
                    [-5.0, 0.0, 5.0],
                    [0.0, 0.0, 0.0]], dtype="float32")


def _reference_softmax(z):
    z = np.asarray(z, dtype="float64")
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@exercise("Softmax",
          hints="exp(z - max(z)) / sum(exp(z - max(z))), with max and sum over the last "
               "axis (axis=-1, keepdims=True); keras.ops has exp, max and sum.")
def _check_softmax(softmax_fn):
    expect(callable(softmax_fn), f"my_softmax should be a function, got a "
                                 f"{type(softmax_fn).__name__}.")
    import keras

    out = _as_array(softmax_fn(keras.ops.convert_to_tensor(_LOGITS)), "my_softmax(logits)")
    expect(out.shape == _LOGITS.shape,
           f"for a (4, 3) batch of logits the output should also be (4, 3): one probability "
           f"per class for each sample; got shape {out.shape}. Sum over axis=-1 with "
           "keepdims=True so the division broadcasts row by row.")
    finite = np.isfinite(out).all(axis=-1)
    expect(finite.all() or not finite[[0, 2, 3]].all(),
           "the row with logits [1000, 1001, 1002] gives inf/nan: exp(1000) overflows. "
           "Subtracting the row's maximum first changes nothing mathematically "
           "(it cancels in the ratio) and keeps exp() in range.")
    expect(finite.all(), "the output contains inf or nan values.")
    sums = out.sum(axis=-1)
    expect(np.allclose(sums, 1.0, atol=1e-4),
           f"each row (sample) should sum to 1, but the row sums are {np.round(sums, 3)}. "
           "Normalise over the classes, axis=-1" +
           (" (your columns sum to 1: you used axis=0)."
            if np.allclose(out.sum(axis=0), 1.0, atol=1e-4) else "."))
    expect(np.allclose(out, _reference_softmax(_LOGITS), atol=1e-5),
           "the rows sum to 1 but the values are not the softmax: compare your output for "
           f"[1, 2, 3] {np.round(out[0], 3)} with the expected "
           f"{np.round(_reference_softmax(_LOGITS)[0], 3)}.")
    single_vector = ("it works on a batch but not on a single vector of 3 logits: use "
                     "axis=-1 (the last axis) rather than axis=1.")
    try:
        vector = softmax_fn(keras.ops.convert_to_tensor(_LOGITS[0]))
    except Exception:
        raise Incorrect(single_vector) from None
    vector = _as_array(vector, "my_softmax of a single vector")
    expect(vector.shape == (3,) and np.allclose(vector, _reference_softmax(_LOGITS[0]),
                                                atol=1e-5), single_vector)
    return ("probabilities that sum to 1 per sample, stable for large logits, and equal to "
            "keras.ops.softmax.")


def check_softmax(my_softmax):
    """Check a softmax function; a scaffold function that still returns None is 'not answered'."""
    if callable(my_softmax):
        try:
            if my_softmax(np.zeros((1, 3), dtype="float32")) is None:
                my_softmax = None
        except Exception:
            pass  # the real check reports the error
    return _check_softmax(my_softmax)
