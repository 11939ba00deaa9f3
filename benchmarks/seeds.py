"""Every single-cell comparison the course concludes from, over five seeds.

Each part repeats what a notebook runs once, with seeds 0-4, and stores every seed's numbers
in ``benchmarks/seeds.json`` (one section per part, with the command, date, machine and
backend that made it); ``benchmarks/SEEDS.md`` shows mean, sd and n of each. A notebook shows
its live run beside the stored table, and ``course_lib.seeds`` says which differences are
beyond the seed spread.

A seed sets everything random in a run: the split of the molecules, the validation cells,
the weights, the batches, KMeans and the subsamples of the scores.

Parts (``make bench-seeds PART=...``). Measured per seed on a shared 2-core machine: kang
10-12 min, cellbench 4-6 min, scgen 4-5 min; only kang exceeds 45 minutes for five seeds.

* ``kang`` (notebook 06): latent scores (ASW, NMI, ARI) of PCA, scanpy's scaled PCA and the
  two VAEs; denoising by molecular cross-validation; the masking test with its baselines;
  the count VAE's dispersion.
* ``cellbench`` (notebook 06): scIB scores of PCA, scaled PCA and the two VAEs, before and
  after the MNN shift, and of ComBat followed by scaled PCA.
* ``scgen`` (notebook 07): the CD4 T prediction with the course's and the paper's stimulation
  vector, the paper's PCA baseline, gene-space arithmetic and a resampling reference; B cells
  generated from the posteriors of half of the real ones, judged against the other half.

Usage: ``python benchmarks/seeds.py kang [--seeds 0 1 2 3 4]``.
"""

import argparse
import json
import platform
import sys
import time
from datetime import date
from pathlib import Path

import course_lib

course_lib.setup_notebook(seed=0)

import keras  # noqa: E402
import numpy as np  # noqa: E402

from course_lib import baselines, data, latent, memory, metrics  # noqa: E402
from course_lib import preprocessing as pp  # noqa: E402

HERE = Path(__file__).parent
STORE = HERE / "seeds.json"
# The ranks a PCA baseline may choose from: four candidates, as the count VAE's training had
# four candidate settings (notebook 06, section 3).
PCA_RANKS = (8, 16, 32, 64)


def kang_models(x, counts, seed):
    """The two VAEs of notebook 06, trained as there with one seed."""
    gaussian = latent.ScVaeTraining(x, epochs=60, batch_size=128, seed=seed, progress=False)
    gaussian.fit()
    count = latent.ScVaeTraining(x, y=counts, epochs=40, batch_size=64, peak_lr=2e-3, seed=seed,
                                 progress=False, **latent.SC_COUNT_VAE)
    count.fit()
    return gaussian, count


def kang_seed(raw, seed):
    """Notebook 06's Kang comparisons with one seed: {table: {method: {score: value}}}."""
    fitted, held = pp.split_molecules(raw, fraction=0.5, seed=seed)
    depth = float(np.median(np.asarray(fitted.X.sum(axis=1)).ravel()))
    kang = pp.log_normalize(fitted, target_sum=depth)
    x, counts = pp.dense_matrix(kang), kang.layers["counts"]
    held_x = pp.log_normalize(held, target_sum=depth).X
    cell_type = kang.obs["cell_type"].astype(str).to_numpy()
    gaussian, count = kang_models(x, counts, seed)
    train, val = gaussian.train_idx, gaussian.val_idx
    rank_log, _ = baselines.choose_pca_rank(x, held_x, train, val, PCA_RANKS, seed=seed)
    rank_scaled, _ = baselines.choose_pca_rank(x, held_x, train, val, PCA_RANKS, scale=True,
                                               seed=seed)
    pcas = {"PCA, 32 PCs": baselines.GenePCA(32, seed=seed),
            "scaled PCA, 32 PCs": baselines.GenePCA(32, scale=True, seed=seed),
            "PCA, rank by validation MCV": baselines.GenePCA(rank_log, seed=seed),
            "scaled PCA, rank by validation MCV": baselines.GenePCA(rank_scaled, scale=True,
                                                                    seed=seed)}
    for pca in pcas.values():
        pca.fit(x[train])  # the cells the VAEs were fitted on
    spaces = {name: pca.transform(x) for name, pca in pcas.items()}
    spaces["Gaussian VAE"] = gaussian.vae.encode(x)
    spaces["count VAE"] = count.vae.encode(x)
    scores = {name: metrics.latent_quality(z, cell_type, seed=seed) for name, z in spaces.items()}

    def count_log(model, rows):  # the count VAE's expected shares as log-expression at depth
        return np.log1p(depth * model.reconstruct(rows))

    x_train, held_train = x[train], held_x[train]
    mcv = {"no denoising": metrics.mcv_loss(x_train, held_train)}
    for name in ("PCA, rank by validation MCV", "scaled PCA, rank by validation MCV"):
        mcv[name] = metrics.mcv_loss(pcas[name].reconstruct(x_train), held_train)
    mcv["Gaussian VAE"] = metrics.mcv_loss(gaussian.vae.reconstruct(x_train), held_train)
    mcv["count VAE"] = metrics.mcv_loss(count_log(count.vae, x_train), held_train)

    x_val = x[val]
    masked, mask = metrics.mask_nonzero(x_val, fraction=0.1, seed=seed)
    predictions = {
        "gene mean": np.broadcast_to(x_train.mean(0), x_val.shape),
        "non-zero gene mean": np.broadcast_to(baselines.nonzero_mean(x_train), x_val.shape),
        "PCA, rank by validation MCV": pcas["PCA, rank by validation MCV"].reconstruct(masked),
        "Gaussian VAE": gaussian.vae.reconstruct(masked),
        "count VAE": count_log(count.vae, masked)}
    masking = {name: metrics.masked_error(x_val, values, mask)
               for name, values in predictions.items()}

    theta = keras.ops.convert_to_numpy(count.vae.dispersion)
    dispersion = {"theta": {"median": float(np.median(theta)),
                            "q10": float(np.quantile(theta, 0.1)),
                            "q90": float(np.quantile(theta, 0.9))}}
    memory.retire_model(gaussian.vae, count.vae)
    return {"latent": scores, "mcv": {k: {"loss": v} for k, v in mcv.items()},
            "masking": masking, "dispersion": dispersion,
            "choices": {"pca_rank": {"log": rank_log, "scaled": rank_scaled}}}


def run_kang(seeds):
    """All seeds of the Kang part: {seed: kang_seed(...)}."""
    raw = data.load_kang_scgen()
    return {seed: kang_seed(raw, seed) for seed in seeds}


def kang_for_prediction(raw, held_out="CD4T"):
    """Notebook 07's Kang data, scaled to the median depth of the *training* cells."""
    types = raw.obs["cell_type"].astype(str).to_numpy()
    condition = raw.obs["condition"].astype(str).to_numpy()
    is_held_out = (types == held_out) & (condition == "stimulated")
    library = np.asarray(raw.X.sum(axis=1)).ravel()
    depth = float(np.median(library[~is_held_out]))  # the held-out cells choose nothing
    return pp.log_normalize(raw, target_sum=depth)


def generation_scores(real_held_out, generated, seed):
    """RF two-sample AUC (50 PCs) and MMD of generated cells against held-out real cells."""
    from course_lib import evaluation

    n = min(len(real_held_out), len(generated))
    real_held_out, generated = real_held_out[:n], generated[:n]
    return {"rf_auc": evaluation.classifier_two_sample_test(real_held_out, generated,
                                                            n_components=50, seed=seed),
            "mmd": evaluation.mmd(real_held_out, generated, seed=seed)}


def scgen_seed(raw, seed):
    """Notebook 07 with one seed: the CD4 T prediction and B cells generated by its VAE."""
    kang = kang_for_prediction(raw)
    x = pp.dense_matrix(kang)
    result = latent.predict_perturbation(kang, "cell_type", "condition", "CD4T", x=x,
                                         epochs=60, batch_size=128, seed=seed, progress=False)
    cd4t = {method: {"r2_all": result.r2[f"{method}_all"], "r2_top": result.r2[f"{method}_top"],
                     "mae_all": result.mae[f"{method}_all"],
                     "mae_top": result.mae[f"{method}_top"]}
            for method in latent.METHODS}

    # B cells: half seed the posteriors, the other half (never encoded) is what we compare with
    # (the count VAE's samples are notebook 06's, one live run: training a second model per
    # seed would double this part's time)
    cell_type = kang.obs["cell_type"].astype(str).to_numpy()
    b_cells = np.flatnonzero(cell_type == "B")
    order = np.random.default_rng(seed).permutation(b_cells)
    source, target = np.sort(order[: len(order) // 2]), np.sort(order[len(order) // 2:])
    n = len(source)
    generated = {
        "real B cells (the other half)": x[source],
        "Gaussian VAE, decoded means": latent.sample_near(result.vae, x[source], n, seed),
        "Gaussian VAE, samples of p(x|z)": latent.sample_near(
            result.vae, x[source], n, seed, from_likelihood=True)}
    generation = {name: generation_scores(x[target], cells, seed)
                  for name, cells in generated.items()}
    memory.retire_model(result.vae)
    return {"cd4t": cd4t, "generation": generation}


def run_scgen(seeds):
    """All seeds of the scGen part: {seed: scgen_seed(...)}."""
    raw = data.load_kang_scgen()
    return {seed: scgen_seed(raw, seed) for seed in seeds}


def cellbench_seed(cellbench, seed, reference="sc_celseq2_5cl_p1"):
    """Notebook 06's CellBench comparison with one seed: scIB scores of every representation."""
    import scanpy as sc

    x = pp.dense_matrix(cellbench)
    batches = cellbench.obs["batch"].astype(str).to_numpy()
    lines = cellbench.obs["cell_line"].astype(str).to_numpy()
    gaussian = latent.ScVaeTraining(x, epochs=60, batch_size=128, seed=seed, progress=False)
    gaussian.fit()
    count = latent.ScVaeTraining(x, y=cellbench.layers["counts"], epochs=40, batch_size=64,
                                 peak_lr=2e-3, seed=seed, progress=False, **latent.SC_COUNT_VAE)
    count.fit()
    spaces = {"PCA, 32 PCs": baselines.GenePCA(32, seed=seed).fit(x).transform(x),
              "scaled PCA, 32 PCs": baselines.GenePCA(32, scale=True, seed=seed).fit(x)
              .transform(x),
              "Gaussian VAE": gaussian.vae.encode(x), "count VAE": count.vae.encode(x)}
    memory.retire_model(gaussian.vae, count.vae)
    scores = {}
    for name, z in spaces.items():
        scores[f"{name}, uncorrected"] = metrics.scib_scores(z, batches, lines, seed=seed)
        shifted = latent.mnn_batch_shift(z, batches, reference, k=20)[0]
        scores[f"{name}, MNN shift"] = metrics.scib_scores(shifted, batches, lines, seed=seed)
    combat = sc.pp.combat(cellbench, key="batch", inplace=False)  # the field's linear method
    z = baselines.GenePCA(32, scale=True, seed=seed).fit(combat).transform(combat)
    scores["ComBat, then scaled PCA"] = metrics.scib_scores(z, batches, lines, seed=seed)
    return {"scib": scores}


def run_cellbench(seeds):
    """All seeds of the CellBench part: {seed: cellbench_seed(...)}."""
    cellbench = pp.log_normalize(data.load_cellbench(singlets_only=True), hvg=2000)
    return {seed: cellbench_seed(cellbench, seed) for seed in seeds}


PARTS = {"cellbench": (run_cellbench, "notebook 06, CellBench: scIB scores before and after "
                                      "batch correction"),
         "kang": (run_kang, "notebook 06, Kang: latent scores, MCV, masking, dispersion"),
         "scgen": (run_scgen, "notebook 07, Kang: CD4 T prediction, generated B cells")}


def summary(runs):
    """{table: {method: {score: (mean, sd, n)}}} over the seeds of one part."""
    first = next(iter(runs.values()))
    out = {}
    for table, methods in first.items():
        if table == "choices":
            continue
        out[table] = {}
        for method, scores in methods.items():
            out[table][method] = {}
            for score in scores:
                values = np.array([run[table][method][score] for run in runs.values()], float)
                out[table][method][score] = (float(values.mean()), float(values.std(ddof=1)),
                                             len(values))
    return out


def markdown(store):
    """SEEDS.md: every part's tables as mean ± sd (n)."""
    lines = ["# Seed tables", "",
             "Written by `benchmarks/seeds.py` (`make bench-seeds PART=...`): mean ± sd over "
             "the seeds (n), each seed a full rerun. Raw per-seed numbers in `seeds.json`.", ""]
    for part, entry in store.items():
        run = entry["run"]
        lines += [f"## {part}: {run['what']}", "",
                  f"`{run['command']}` on {run['date']} ({run['backend']}, {run['machine']}, "
                  f"{run['seconds']} s).", ""]
        for table, methods in summary(entry["seeds"]).items():
            scores = list(next(iter(methods.values())))
            lines += [f"### {table}", "", "| method | " + " | ".join(scores) + " |",
                      "|---" * (len(scores) + 1) + "|"]
            for method, values in methods.items():
                cells = [f"{m:.4g} ± {s:.2g} ({n})" for m, s, n in values.values()]
                lines.append(f"| {method} | " + " | ".join(cells) + " |")
            lines.append("")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("part", choices=sorted(PARTS))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    args = parser.parse_args(argv)
    function, what = PARTS[args.part]
    command = "python benchmarks/seeds.py " + " ".join(sys.argv[1:] if argv is None else argv)
    start = time.perf_counter()
    runs = {}
    for seed in args.seeds:
        seed_start = time.perf_counter()
        runs[str(seed)] = function([seed])[seed]
        print(f"{args.part} seed {seed}: {time.perf_counter() - seed_start:.0f} s", flush=True)
        # every finished seed is stored at once: a long run stopped half-way keeps its seeds
        save(args.part, runs, what, command, time.perf_counter() - start)
    print(f"wrote {STORE.name} and SEEDS.md ({args.part}: {len(runs)} seeds)")


def save(part, runs, what, command, seconds):
    """Store one part's seeds in seeds.json (re-read first: other parts may have finished)."""
    store = json.loads(STORE.read_text()) if STORE.exists() else {}
    store[part] = {
        "run": {"what": what, "command": command, "date": date.today().isoformat(),
                "machine": platform.platform(), "keras": keras.__version__,
                "backend": keras.backend.backend(), "seconds": round(seconds)},
        "seeds": runs}
    STORE.write_text(json.dumps(store, indent=1) + "\n")
    (HERE / "SEEDS.md").write_text(markdown(store))


if __name__ == "__main__":
    main()
