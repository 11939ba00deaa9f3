"""scGen out-of-sample prediction for every Kang cell type (the table of notebook 07).

Holds out the stimulated cells of each type in turn, trains the course's single-cell VAE on
the rest (``latent.predict_perturbation``, the notebook's settings) and scores the prediction
and both baselines with r^2 and the MAE of the gene means. Writes ``benchmarks/scgen.json``
(which notebook 07 shows) and ``benchmarks/SCGEN.md``. About 2-3 minutes per type on 2 CPU
cores.

Usage: ``make bench-scgen`` (or ``python benchmarks/scgen_table.py``).
"""

import json
import platform
import time
from datetime import date
from pathlib import Path

import course_lib

course_lib.setup_notebook(seed=0)

import keras  # noqa: E402
import numpy as np  # noqa: E402

from course_lib import data, latent, memory  # noqa: E402
from course_lib import preprocessing as pp  # noqa: E402
from course_lib.exercises.perturbation import SCGEN_PAPER  # noqa: E402

HERE = Path(__file__).parent
METHODS = [("vae", "VAE"), ("vae_paper", "VAE, scGen's vector"), ("pca", "PCA + scGen's vector"),
           ("gene_space", "gene space"), ("control", "control")]


def columns(result):
    """One row of the table: both scores of every method, the resampled reference, the paper."""
    row = {}
    for key, label in METHODS:
        row[f"{label} r² all"] = result.r2[f"{key}_all"]
        row[f"{label} r² top"] = result.r2[f"{key}_top"]
    for key, label in METHODS:
        row[f"{label} MAE top"] = result.mae[f"{key}_top"]
    row["resampled r² top"] = result.r2["resampled_top"]
    row["resampled MAE top"] = result.mae["resampled_top"]
    paper = SCGEN_PAPER.get(result.held_out, (np.nan, np.nan))
    row["paper r² all"], row["paper r² top"] = paper
    return row


def markdown_table(rows):
    """{type: row} as a Markdown table, with the mean over the types as the last row."""
    names = list(next(iter(rows.values())))
    mean = {name: float(np.mean([row[name] for row in rows.values()])) for name in names}
    lines = ["| held out | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    for held_out, row in {**rows, "mean": mean}.items():
        lines.append(f"| {held_out} | " + " | ".join(f"{row[n]:.3f}" for n in names) + " |")
    return "\n".join(lines)


def main():
    """Run every held-out type and write the JSON and the Markdown table."""
    raw = data.load_kang_scgen()
    types = raw.obs["cell_type"].astype(str).to_numpy()
    stimulated = (raw.obs["condition"] == "stimulated").to_numpy()
    library = np.asarray(raw.X.sum(axis=1)).ravel()
    rows, seconds = {}, {}
    for held_out in sorted(set(types)):
        start = time.perf_counter()
        # the median depth of the training cells: the held-out cells choose nothing
        depth = float(np.median(library[~((types == held_out) & stimulated)]))
        kang = pp.log_normalize(raw, target_sum=depth)
        x = pp.dense_matrix(kang)
        result = latent.predict_perturbation(kang, "cell_type", "condition", held_out, x=x,
                                             epochs=60, batch_size=128, seed=0, progress=False)
        rows[held_out] = columns(result)
        seconds[held_out] = round(time.perf_counter() - start)
        memory.retire_model(result.vae)
        print(f"{held_out}: r² {result.r2['vae_all']:.3f} / {result.r2['vae_top']:.3f}, "
              f"MAE top {result.mae['vae_top']:.3f} ({seconds[held_out]} s)", flush=True)
    run = {"date": date.today().isoformat(), "machine": platform.platform(),
           "keras": keras.__version__, "backend": keras.backend.backend(),
           "settings": "60 epochs, seed 0, scaled to the training cells' median depth, "
                       "top 100 DEGs",
           "seconds": seconds}
    (HERE / "scgen.json").write_text(json.dumps({"run": run, "types": rows}, indent=1) + "\n")
    (HERE / "SCGEN.md").write_text(
        "# scGen prediction for every held-out Kang cell type\n\n"
        "Written by `benchmarks/scgen_table.py` on "
        f"{run['date']} ({run['backend']}, {run['machine']}): the course's single-cell VAE, "
        "60 epochs, seed 0, Kang scGen validation split scaled to the training cells' median "
        "library size. "
        "Scores of the mean expression, predicted vs real stimulated cells: r² (squared "
        "Pearson correlation, scGen's score) on all 6,998 genes and on the top-100 DEGs, and "
        "the mean absolute error (MAE, log units) on the top DEGs. The paper's values are "
        "from Lotfollahi et al. 2019.\n\n" + markdown_table(rows) + "\n")
    print(f"wrote {HERE / 'scgen.json'} and {HERE / 'SCGEN.md'}")


if __name__ == "__main__":
    main()
