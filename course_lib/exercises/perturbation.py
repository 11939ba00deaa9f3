"""Checks for notebook 07: scGen's prediction in four steps, and another held-out cell type.

Each check recomputes the step from the student's own objects, with the library
(``latent.perturbation_vector``, ``VAE.decode``, ``metrics.r2_mean``) as the reference,
and names the usual mistakes: an unbalanced or leaking vector, a shift in gene space, a
score on the wrong quantity.
"""

import functools
import numbers

import numpy as np

from course_lib.exercises import answers, exercise, expect

SCGEN_PAPER = {"CD4T": (0.971, 0.988), "CD8T": (0.972, 0.985), "B": (0.962, 0.965),
               "NK": (0.963, 0.972), "Dendritic": (0.950, 0.929), "CD14+Mono": (0.916, 0.853),
               "FCGR3A+Mono": (0.907, 0.861)}


# expression and codes from float32 models against float64 sums; most genes are near 0
_close = functools.partial(answers.close, rtol=1e-3, relative_to="largest")


@exercise("scGen step 1: the stimulation vector",
          hints=("Work type by type: for one cell type, take the mean code of its stimulated "
                 "cells and the mean code of its control cells.",
                 "Use only the cell types that have stimulated cells among the training cells "
                 "(the held-out type has none there), and give each type the same weight: "
                 "average the per-type differences, do not pool the cells."))
def check_stimulation_vector(delta, z, cell_type, condition, held_out,
                             control="control", stimulated="stimulated"):
    """delta: balanced stimulated-minus-control latent mean over the types other than held_out."""
    from course_lib.latent import balanced_mean, perturbation_vector

    z = np.asarray(z, dtype="float64")
    cell_type, condition = np.asarray(cell_type).astype(str), np.asarray(condition).astype(str)
    answer = answers.array(delta, "delta", 1, " (one value per latent dimension)")
    expect(answer.size != z.shape[0], f"delta has {answer.size} numbers, one per cell; it is "
           "one vector for all cells, with one number per latent dimension.")
    expect(answer.size == z.shape[1],
           f"delta has {answer.size} numbers, but the codes have {z.shape[1]} latent dimensions"
           + (": this looks like a vector over genes. The shift is made in latent space, so "
              "compute it from z_kang." if answer.size > z.shape[1] else "."))
    train = ~((cell_type == held_out) & (condition == stimulated))
    expected = perturbation_vector(z, condition, cell_type, control, stimulated, rows=train)
    if _close(answer, expected):
        return (f"a vector of length {np.linalg.norm(expected):.2f}, balanced over the "
                f"{len(set(cell_type[train & (condition == stimulated)]))} other cell types; "
                "the held-out cells played no part in it.")
    stim, ctrl = condition == stimulated, condition == control
    pooled = "this is a difference of plain means over all cells: frequent cell types weigh " \
             "more, and the control mean may hold types with no stimulated cells. Average " \
             "per cell type first, then over the types."
    mistakes = [  # (what the answer would be, what went wrong)
        (-expected, "the sign is flipped: delta is added to control cells to make them "
                    "stimulated, so it is stimulated minus control."),
        (perturbation_vector(z, condition, cell_type, control, stimulated),
         "the held-out stimulated CD4 T cells went into delta: the prediction would have seen "
         "the cells it is scored on. Leave out the held-out type."),
        (z[train & stim].mean(0) - z[train & ctrl].mean(0), pooled),
        (z[stim].mean(0) - z[ctrl].mean(0), pooled),
        (z[train & stim].mean(0) - z[ctrl & (cell_type != held_out)].mean(0), pooled),
        (balanced_mean(z, cell_type, train & stim) - balanced_mean(z, cell_type, ctrl),
         "the control CD4 T cells went into the control mean, but the training data hold no "
         "stimulated CD4 T cells to pair them with. Use only types seen in both conditions."),
    ]
    for wrong, message in mistakes:
        expect(not _close(answer, wrong), message)
    expect(False, "delta differs from the balanced stimulation vector of the training cells "
                  "(each type's stimulated mean minus its control mean, averaged over the "
                  "types other than the held-out one).")


@exercise("scGen steps 2 and 3: shift and decode",
          hints=("Start from the codes of the control CD4 T cells only (is_control), not from "
                 "their expression.",
                 "Add delta to each of those codes, then turn the shifted codes back into "
                 "expression with the decoder: vae_kang.decode(codes)."))
def check_prediction(predicted, delta, vae, z, x, is_control, is_held_out):
    """predicted: decode(z[is_control] + delta), one predicted cell per control cell."""
    z, x = np.asarray(z, dtype="float64"), np.asarray(x)
    is_control, is_held_out = np.asarray(is_control, bool), np.asarray(is_held_out, bool)
    answer = answers.array(predicted, "predicted", 2, " (cells x genes)")
    n, n_genes, latent_dim = int(is_control.sum()), x.shape[1], z.shape[1]
    expect(answer.shape[1] != latent_dim or n_genes == latent_dim,
           f"predicted has {latent_dim} columns, one per latent dimension: these are shifted "
           "codes. Decode them to get expression.")
    expect(answer.shape[0] != len(z), f"predicted has a row for every one of the {len(z)} "
           "cells; shift and decode only the control CD4 T cells.")
    expect(answer.shape[0] != is_held_out.sum() or n == is_held_out.sum(),
           "predicted has as many rows as there are held-out stimulated cells: the "
           "prediction starts from the control CD4 T cells (is_control), never from the "
           "cells it is scored on.")
    expect(answer.shape == (n, n_genes), f"predicted should have one row per control CD4 T "
           f"cell and one column per gene; got shape {answer.shape}.")
    try:  # the student's own delta, so that a wrong step 1 is not blamed again here
        shift = np.asarray(delta, dtype="float64").ravel()
    except (TypeError, ValueError):
        shift = None
    expect(shift is not None and shift.shape == (latent_dim,), "delta (step 1) should be "
           f"a vector of {latent_dim} numbers; fix step 1 first.")
    codes = z[is_control]
    expected = vae.decode(codes + shift)
    if _close(answer, expected):
        return (f"{n} predicted cells. Each control cell was moved by the same vector in "
                "latent space, but the decoder turns that into a different change of "
                "expression for each cell.")
    unshifted = vae.decode(codes)
    mistakes = [  # (what the answer would be, what went wrong)
        (unshifted, "these are the control cells decoded without the shift: add delta to "
                    "their codes before decoding."),
        (vae.decode(codes - shift), "the codes were moved by -delta: add delta to go from "
                                    "control to stimulated."),
        (x[is_control], "these are the control cells' expression itself: "
                        "encode-shift-decode should change them."),
    ]
    for wrong, message in mistakes:
        expect(not _close(answer, wrong), message)
    for start, what in ((unshifted, "the decoded control cells"),
                        (x[is_control], "the control cells' expression")):
        expect(not _same_change(answer, start), f"predicted is {what} plus the same change "
               "for every cell: that is arithmetic in gene space. Add delta to the latent "
               "codes, then decode.")
    expect(False, "predicted differs from decoding the control CD4 T cells' codes shifted "
                  "by delta.")


def _same_change(answer, start):
    """True when answer - start is one vector over genes for every cell (values clipped at 0
    aside): a shift made in gene space."""
    change = answer - start
    kept = answer > 1e-6
    counts = kept.sum(0)
    if counts.max() < 2:
        return False
    mean = np.where(kept, change, 0).sum(0) / np.maximum(counts, 1)
    deviation = np.abs(np.where(kept, change - mean, 0)).max()
    return np.abs(mean).max() > 1e-6 and deviation <= 1e-3 * np.abs(change).max()


@exercise("scGen step 4: the score",
          hints=("First reduce each set of cells to one mean per gene: the mean over the cells.",
                 "Then correlate the two vectors of gene means with Pearson's r "
                 "(np.corrcoef) and square it; for r2_top use only the genes in top."),
          answers=2)
def check_r2(r2_all, r2_top, predicted, real, top):
    """r2_all, r2_top: squared Pearson correlation of gene means, all genes / top DEGs."""
    from course_lib.metrics import r2_mean

    values = {"r2_all": answers.number(r2_all, "r2_all", " (an r^2, between 0 and 1)"),
              "r2_top": answers.number(r2_top, "r2_top", " (an r^2, between 0 and 1)")}
    expect(predicted is not None, "predicted (steps 2 and 3) is still None: finish those "
           "steps first, then score them here.")
    real = np.asarray(real, dtype="float64")
    pred = answers.array(predicted, "predicted", 2, " (cells x genes)")
    expect(pred.shape[1] == real.shape[1], "predicted (steps 2 and 3) should have one column "
           "per gene; fix those steps first.")
    top = np.asarray(top, bool)
    genes = {"r2_all": None, "r2_top": top}
    means_p, means_r = pred.mean(0), real.mean(0)
    for name, value in values.items():
        expected = r2_mean(pred, real, genes[name])
        if abs(value - expected) < 5e-4:
            continue
        subset = slice(None) if genes[name] is None else genes[name]
        r = np.corrcoef(means_p[subset], means_r[subset])[0, 1]
        expect(abs(value - r) > 5e-4 or abs(r - r * r) < 5e-4,
               f"{name} is Pearson's r; the score is its square, r^2.")
        residual = np.sum((means_r[subset] - means_p[subset]) ** 2)
        determination = 1 - residual / np.sum((means_r[subset] - means_r[subset].mean()) ** 2)
        expect(abs(value - determination) > 5e-4, f"{name} is the coefficient of "
               "determination (sklearn's r2_score), which also punishes an offset between the "
               "two; scGen's r^2 is the squared Pearson correlation of the gene means.")
        other = "r2_top" if name == "r2_all" else "r2_all"
        expect(abs(value - r2_mean(pred, real, genes[other])) > 5e-4,
               f"{name} is the score on {'the top DEGs' if other == 'r2_top' else 'all genes'}; "
               "are r2_all and r2_top swapped?")
        expect(genes[name] is None or abs(value - r2_mean(pred, real, ~top)) > 5e-4,
               f"{name} uses the genes outside top; use the genes where top is True.")
        m = min(len(pred), len(real))
        cells = np.corrcoef(pred[:m][:, subset].ravel(), real[:m][:, subset].ravel())[0, 1] ** 2
        expect(abs(value - cells) > 5e-4, f"{name} correlates the values of single cells; "
               "predicted and real cells are not paired, so compare the mean over the cells "
               "of each gene.")
        expect(False, f"{name} does not match the squared Pearson correlation of the gene "
                      f"means of predicted and real{' on the top DEGs' * (name == 'r2_top')}.")
    return (f"r^2 {values['r2_all']:.3f} on all genes and {values['r2_top']:.3f} on the top "
            "DEGs, recomputed from your predicted cells.")


@exercise("Predict another cell type",
          hints=("latent.predict_perturbation takes the AnnData, the names of the two label "
                 "columns and the cell type to hold out.",
                 "Without a vae it trains a new one; epochs=15 is passed on to the training."))
def check_other_cell_type(result, adata, done="CD4T"):
    """result: a PerturbationResult for a held-out type other than the one done in the notebook."""
    expect(hasattr(result, "r2") and hasattr(result, "held_out") and hasattr(result, "train_cells"),
           f"expected the result of latent.predict_perturbation, got a {type(result).__name__}.")
    types = adata.obs["cell_type"].astype(str).to_numpy()
    condition = adata.obs["condition"].astype(str).to_numpy()
    expect(isinstance(result.held_out, str) and result.held_out in set(types),
           f"{result.held_out!r} is not a cell type of the data.")
    expect(result.held_out != done, f"{done} was done above; pick another cell type.")
    held = (types == result.held_out) & (condition == "stimulated")
    try:
        train = np.asarray(result.train_cells, dtype=bool)
    except (TypeError, ValueError):
        train = None
    expect(train is not None and train.shape == held.shape,
           "the result was computed on another AnnData; use kang.")
    expect(not train[held].any(), "the stimulated cells of the held-out type were in the "
           "training data: the prediction would not be out of sample.")
    r2 = result.r2 if isinstance(result.r2, dict) else {}
    for key in ("vae_all", "vae_top", "gene_space_top", "control_all"):
        expect(isinstance(r2.get(key), numbers.Real) and 0 <= r2[key] <= 1,
               f"r^2 value {key!r} is missing or not in [0, 1].")
    expect(r2["vae_all"] > r2["control_all"],
           "the VAE prediction is no closer to the real stimulated cells than the control cells "
           "are: did the model train (look at its loss)?")
    paper = SCGEN_PAPER.get(result.held_out)
    reference = (f" (scGen paper, ~8x more cells: {paper[0]:.3f} / {paper[1]:.3f})"
                 if paper else "")
    return (f"{result.held_out}: r^2 all genes {r2['vae_all']:.3f}, top DEGs "
            f"{r2['vae_top']:.3f}{reference}; gene-space baseline top DEGs "
            f"{r2['gene_space_top']:.3f}.")
