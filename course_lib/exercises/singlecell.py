"""Checks for notebook 06 (the single-cell VAE): batch vector, latent size, perturbation."""

import numbers

import numpy as np

from course_lib.exercises import exercise, expect


def _vector(answer, size):
    """The student's answer as a 1-D float array of the expected length."""
    try:
        vector = np.asarray(answer, dtype="float64").ravel()
    except (TypeError, ValueError):
        expect(False, f"expected an array of {size} numbers, got a {type(answer).__name__}.")
    expect(vector.size == size, f"expected {size} numbers (one per latent dimension), got "
           f"{vector.size}.")
    return vector


@exercise("A batch vector by hand",
          hints="per cell line shared by both batches, mean of the reference minus mean of the "
               "Drop-seq cells; then average these differences over the cell lines.")
def check_batch_vector(vector, z, batches, cell_lines, reference, batch="sc_dropseq"):
    """vector: what moves ``batch`` onto ``reference``, balanced over their shared cell lines."""
    from course_lib.latent import batch_shift

    z = np.asarray(z, dtype="float64")
    batches, cell_lines = np.asarray(batches).astype(str), np.asarray(cell_lines).astype(str)
    answer = _vector(vector, z.shape[1])
    expected = batch_shift(z, batches, reference, labels=cell_lines)[1][batch]
    scale = np.linalg.norm(expected)
    expect(not np.allclose(answer, -expected, atol=1e-3 * scale),
           "the sign is flipped: the vector is added to the Drop-seq cells, so it points from "
           "them to the reference (reference minus Drop-seq).")
    here, ref = batches == batch, batches == reference
    naive = z[ref].mean(0) - z[here].mean(0)
    expect(not np.allclose(answer, naive, atol=1e-3 * scale),
           "this is the plain difference of the batch means; the reference also holds A549 and "
           "H838 cells, which Drop-seq lacks. Use only the shared cell lines, each weighted "
           "equally.")
    shared = sorted(set(cell_lines[here]) & set(cell_lines[ref]))
    unbalanced = (z[ref & np.isin(cell_lines, shared)].mean(0)
                  - z[here & np.isin(cell_lines, shared)].mean(0))
    if not np.allclose(unbalanced, expected, atol=1e-3 * scale):
        expect(not np.allclose(answer, unbalanced, atol=1e-3 * scale),
               "right cell lines, but each cell is weighted equally: average per cell line "
               "first, then over the cell lines (balanced_mean does this).")
    expect(np.allclose(answer, expected, atol=1e-3 * scale),
           f"the vector differs from the balanced shift (distance "
           f"{np.linalg.norm(answer - expected):.3g}, length of the right vector {scale:.3g}).")
    return (f"a shift of length {scale:.2f} in latent space; adding it to every Drop-seq cell "
            "is exactly what batch_shift does for that batch.")


@exercise("A smaller latent space",
          hints="latent.train_sc_vae(x_cb, epochs=15, latent_dim=4), then "
               "metrics.latent_quality(latent.encode(small_vae, x_cb), cell_lines).")
def check_small_latent(small_vae, small_scores, x, cell_lines, latent_dim=4):
    """small_vae: the CellBench VAE with a smaller latent space; small_scores: its quality."""
    from course_lib.latent import encode
    from course_lib.metrics import latent_quality

    expect(hasattr(small_vae, "encode") and hasattr(small_vae, "latent_dim"),
           f"small_vae should be a trained VAE (from latent.train_sc_vae), got a "
           f"{type(small_vae).__name__}.")
    expect(small_vae.latent_dim == latent_dim,
           f"the latent space has {small_vae.latent_dim} dimensions; the task asks for "
           f"{latent_dim}.")
    expect(isinstance(small_scores, dict) and {"asw", "nmi", "ari"} <= set(small_scores),
           "small_scores should be the dict returned by metrics.latent_quality (asw, nmi, ari).")
    for key in ("asw", "nmi", "ari"):
        expect(isinstance(small_scores[key], numbers.Real),
               f"small_scores[{key!r}] should be a number.")
    z = encode(small_vae, x)
    expect(z.shape == (len(x), latent_dim), f"encode should give {len(x)} x {latent_dim} "
           f"latent means, got {z.shape}.")
    recomputed = latent_quality(z, cell_lines)
    expect(all(abs(recomputed[k] - small_scores[k]) < 0.02 for k in ("asw", "nmi", "ari")),
           f"your scores do not match the model's latent means on the cell lines: expected "
           f"about {', '.join(f'{k} {v:.2f}' for k, v in recomputed.items())}.")
    return (f"with {latent_dim} latent dimensions: ASW {recomputed['asw']:.2f}, "
            f"NMI {recomputed['nmi']:.2f}, ARI {recomputed['ari']:.2f}. Compare with the "
            "32-dimensional model above.")


SCGEN_PAPER = {"CD4T": (0.971, 0.988), "CD8T": (0.972, 0.985), "B": (0.962, 0.965),
               "NK": (0.963, 0.972), "Dendritic": (0.950, 0.929), "CD14+Mono": (0.916, 0.853),
               "FCGR3A+Mono": (0.907, 0.861)}


@exercise("Predict another cell type",
          hints="latent.predict_perturbation(kang, 'cell_type', 'condition', 'B', epochs=15) "
               "trains a new VAE without the stimulated B cells.")
def check_other_cell_type(result, adata, done="CD4T"):
    """result: a PerturbationResult for a held-out type other than the one done in the notebook."""
    expect(hasattr(result, "r2") and hasattr(result, "held_out"),
           f"expected the result of latent.predict_perturbation, got a {type(result).__name__}.")
    types = adata.obs["cell_type"].astype(str).to_numpy()
    condition = adata.obs["condition"].astype(str).to_numpy()
    expect(result.held_out in set(types), f"{result.held_out!r} is not a cell type of the data.")
    expect(result.held_out != done, f"{done} was done above; pick another cell type.")
    held = (types == result.held_out) & (condition == "stimulated")
    train = np.asarray(result.train_cells, dtype=bool)
    expect(train.shape == held.shape, "the result was computed on another AnnData; use kang.")
    expect(not train[held].any(), "the stimulated cells of the held-out type were in the "
           "training data: the prediction would not be out of sample.")
    r2 = result.r2
    for key in ("vae_all", "vae_top", "gene_space_top", "control_all"):
        expect(key in r2 and 0 <= r2[key] <= 1, f"R^2 value {key!r} is missing or not in [0, 1].")
    expect(r2["vae_all"] > r2["control_all"],
           "the VAE prediction is no closer to the real stimulated cells than the control cells "
           "are: did the model train (look at its loss)?")
    paper = SCGEN_PAPER.get(result.held_out)
    reference = (f" (scGen paper, ~8x more cells: {paper[0]:.3f} / {paper[1]:.3f})"
                 if paper else "")
    return (f"{result.held_out}: R^2 all genes {r2['vae_all']:.3f}, top DEGs "
            f"{r2['vae_top']:.3f}{reference}; gene-space baseline top DEGs "
            f"{r2['gene_space_top']:.3f}.")
