"""Checks for notebook 01 (tensors and Keras): orientation, reshaping, softmax."""

import numpy as np

from course_lib.exercises import Incorrect, answers, call_student, exercise, expect


@exercise("Samples first",
          hints=("Which axis of genes_by_cells holds the cells, and which axis should hold "
                 "them in batch?",
                 "Swapping two axes is a transpose; reshape only regroups the numbers in their "
                 "memory order.",
                 "You can pick the 64 cells before or after swapping the axes; mind which axis "
                 "you slice in each case."))
def check_samples_first(batch, genes_by_cells, n_cells=64):
    """Is ``batch`` the first ``n_cells`` cells of ``genes_by_cells``, one cell per row?"""
    batch = answers.array(batch, "batch")
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
               "of the numbers in memory and only regroups them, it does not swap the axes.")
        raise Incorrect("the shape is right, but the rows are not the first "
                        f"{n_cells} cells (columns 0..{n_cells - 1} of genes_by_cells).")
    return (f"shape {batch.shape}: {n_cells} cells in rows, {n_genes:,} genes in columns, "
            "ready for a Keras model.")


@exercise("Flatten a batch of images",
          hints=("Axis 0 (the images) stays as it is; the other axes merge into one.",
                 "reshape takes the new shape as a tuple; a -1 in it stands for 'whatever "
                 "length is left over'."))
def check_flatten(flat_batch, images):
    """Is ``flat_batch`` the image batch with one flattened image (pixel row) per sample?"""
    flat = answers.array(flat_batch, "flat_batch")
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


# Rows on very different scales: a max or a sum taken over the whole batch instead of over
# each row's classes gives wrong (or nan) rows, although every row alone comes out right.
_LOGITS = np.array([[1.0, 2.0, 3.0],
                    [1000.0, 1001.0, 1002.0],  # overflows exp() unless the max is subtracted
                    [-5.0, 0.0, 5.0],
                    [0.0, 0.0, 0.0]], dtype="float32")
_COUPLED = ("each row on its own comes out right, but not the rows of a batch together: a max "
            "or a sum in your function runs over the whole batch instead of over each row's "
            "classes. Reduce over the last axis only, keeping that axis so that each row is "
            "divided by its own sum.")


def _reference_softmax(z):
    z = np.asarray(z, dtype="float64")
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@exercise("Softmax",
          hints=("Three steps: make each logit positive with exp, then divide by the total of "
                 "its row. The trap is the first step.",
                 "Subtracting a row's maximum before exp changes nothing in the ratio and keeps "
                 "exp() from overflowing; keras.ops has exp, max and sum.",
                 "Every max and sum must run over the classes only: the last axis, keeping "
                 "it (keepdims) so that the division lines up row by row."))
def check_softmax(my_softmax):
    """Check a softmax function: batch and vector input, large logits, per-row reductions."""
    import keras

    def run(logits, name):
        tensor = keras.ops.convert_to_tensor(logits)
        result = call_student(my_softmax, tensor, name=name)
        expect(result is not None, f"{name} is None: did the function forget to return its "
               "result?")
        return answers.array(result, name, finite=False)

    out = run(_LOGITS, "my_softmax(a batch of logits)")
    expect(out.shape == _LOGITS.shape,
           f"for a (4, 3) batch of logits the output should also be (4, 3): one probability "
           f"per class for each sample; got shape {out.shape}.")
    rows_alone = [run(row[None, :], "my_softmax(one row)") for row in _LOGITS]
    alone_right = all(r.shape == (1, 3) and np.allclose(r[0], ref, atol=1e-5)
                      for r, ref in zip(rows_alone, _reference_softmax(_LOGITS)))
    if not np.isfinite(out).all():
        expect(np.isfinite(rows_alone[1]).all(),
               "the row with logits [1000, 1001, 1002] gives inf or nan: exp(1000) overflows "
               "float32. Shift the logits first so that exp() stays in range; the shift "
               "cancels in the ratio.")
        expect(not alone_right, _COUPLED)
        raise Incorrect("the output contains inf or nan values, even for small logits.")
    sums = out.sum(axis=-1)
    if not np.allclose(sums, 1.0, atol=1e-4):
        expect(not np.allclose(out.sum(axis=0), 1.0, atol=1e-4),
               "your columns sum to 1, not your rows: you normalised over axis 0 (the "
               "samples). Each sample's probabilities over the classes must sum to 1.")
        expect(not np.isclose(out.sum(), 1.0, atol=1e-4),
               "the whole batch sums to 1, not each row: the sum runs over every element. "
               "Each sample's probabilities over the classes must sum to 1.")
        raise Incorrect(f"each row (sample) should sum to 1, but the row sums are "
                        f"{np.round(sums, 3).tolist()}.")
    if not np.allclose(out, _reference_softmax(_LOGITS), atol=1e-5):
        expect(not alone_right, _COUPLED)
        raise Incorrect("the rows sum to 1 but the values are not the softmax: each value "
                        "should be exp(z_i) divided by the sum of exp(z_j) of its row. For "
                        f"the logits [1, 2, 3] you return {np.round(out[0], 3).tolist()}.")
    single_vector = ("it works on a batch but not on a single vector of 3 logits: reduce over "
                     "the last axis (axis=-1), which is the class axis for both.")
    try:
        vector = run(_LOGITS[0], "my_softmax(a single vector)")
    except Incorrect:
        raise Incorrect(single_vector) from None
    expect(vector.shape == (3,) and np.allclose(vector, _reference_softmax(_LOGITS[0]),
                                                atol=1e-5), single_vector)
    return ("probabilities that sum to 1 per sample, stable for large logits, and equal to "
            "keras.ops.softmax.")
