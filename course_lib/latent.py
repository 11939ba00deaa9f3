"""Latent arithmetic with a single-cell VAE: batch shifts, perturbation vectors, interpolation.

Also holds the course's single-cell VAE recipe (``build_sc_vae``/``train_sc_vae``) and the
scGen-style out-of-sample prediction (``predict_perturbation``) built on them.
"""

from dataclasses import dataclass, field

import keras
import numpy as np

# The original course's recipe (see the anchors): 256-128-64 elu encoder with dropout 0.2,
# latent 32, mirrored decoder with relu output, squared error, beta 0.1, prior sd 0.8.
SC_VAE = dict(latent_dim=32, hidden=(256, 128, 64), activation="elu", dropout=0.2,
              output_activation="relu", beta=0.1, prior_sd=0.8, likelihood="gaussian")
# The same model with a count likelihood (DCA, scVI): it still reads log-expression, but
# reconstructs the counts, its decoder gives each gene's share of the cell's molecules.
SC_COUNT_VAE = {**SC_VAE, "output_activation": "softmax", "likelihood": "negative_binomial"}


# ---------------------------------------------------------------- the model recipe
def build_sc_vae(n_genes, steps_per_epoch, epochs, peak_lr=1e-3, warmup_epochs=5, seed=0,
                 **overrides):
    """The course's single-cell VAE, compiled with Adam(amsgrad) on a warm-up schedule."""
    from course_lib.metrics import cell_correlation_metric
    from course_lib.models import build_vae
    from course_lib.training import warmup_cosine

    vae = build_vae(n_genes, seed=seed, name="sc_vae", **{**SC_VAE, **overrides})
    schedule = warmup_cosine(steps_per_epoch, epochs, peak_lr, warmup_epochs)
    vae.compile(optimizer=keras.optimizers.Adam(learning_rate=schedule, amsgrad=True),
                metrics=[cell_correlation_metric()])
    return vae


class CellBatches(keras.utils.PyDataset):
    """Batches of rows of ``x[index]``, reshuffled every epoch when ``seed`` is given.

    Handing Keras slices of the NumPy array uses far less memory than letting it copy the
    whole matrix into a tf.data pipeline (about 150 MB instead of 350 MB for Kang).
    """

    def __init__(self, x, index, batch_size, seed=None, y=None):
        super().__init__()
        self.x, self.y, self.batch_size = x, y, batch_size
        self.order = np.array(index)
        self.rng = None if seed is None else np.random.default_rng(seed)
        self.skip = 0  # reshuffles to ignore (see ScVaeTraining.fit)
        self.on_epoch_end()

    def __len__(self):
        return int(np.ceil(len(self.order) / self.batch_size))

    def __getitem__(self, i):
        rows = np.sort(self.order[i * self.batch_size:(i + 1) * self.batch_size])
        if self.y is None:
            return self.x[rows]
        y = self.y[rows]  # a sparse count matrix stays sparse until its batch is taken
        return self.x[rows], (y.toarray() if hasattr(y, "toarray") else y).astype(
            "float32", copy=False)

    def on_epoch_end(self):
        """Reshuffle the cells (when seeded)."""
        if self.skip:
            self.skip -= 1
        elif self.rng is not None:
            self.rng.shuffle(self.order)


class _ResumableEarlyStopping(keras.callbacks.EarlyStopping):
    """Early stopping whose patience and best weights carry over from one ``fit`` to the next.

    Keras resets both at the start of every ``fit`` and restores the best weights at its end;
    a run split over several ``fit`` calls must do that only once, at the very end.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.started, self.final = False, False

    def on_train_begin(self, logs=None):
        if not self.started:
            super().on_train_begin(logs)
            self.started = True

    def on_train_end(self, logs=None):
        if self.final or self.stopped_epoch > 0:
            super().on_train_end(logs)


class ScVaeTraining:
    """One training run of the single-cell VAE, which may be split over several calls.

    ``ScVaeTraining(x, cells, epochs=60)`` builds the recipe's model and splits the cells;
    ``fit(n)`` trains the next ``n`` epochs (all that remain by default). The learning-rate
    schedule, the shuffling, early stopping and the history run on across the calls exactly
    as in one ``fit`` of all epochs, so a notebook can look at the curves half-way.
    ``y`` (e.g. counts, for ``**SC_COUNT_VAE``; dense or scipy-sparse) is reconstructed
    instead of ``x``.
    Once the run is finished the optimizer's state is freed (``memory.retire_optimizer``):
    the model encodes and decodes, but trains no further.
    """

    def __init__(self, x, cells=None, epochs=60, batch_size=128, val_fraction=0.1, patience=10,
                 seed=0, progress=True, y=None, **build_kwargs):
        from course_lib.preprocessing import train_val_split

        self.x = np.asarray(x, dtype="float32")
        self.y = y if y is None or hasattr(y, "toarray") else np.asarray(y, dtype="float32")
        cells = np.arange(len(self.x)) if cells is None else np.asarray(cells)
        if cells.dtype == bool:
            cells = np.flatnonzero(cells)
        keras.utils.set_random_seed(seed)
        train_pos, val_pos = train_val_split(len(cells), val_fraction, seed=seed)
        self.train_idx, self.val_idx = cells[train_pos], cells[val_pos]
        self.epochs, self.done, self.progress = epochs, 0, progress
        steps = int(np.ceil(len(self.train_idx) / batch_size))
        self.vae = build_sc_vae(self.x.shape[1], steps, epochs, seed=seed, **build_kwargs)
        self.batches = CellBatches(self.x, self.train_idx, batch_size, seed=seed, y=self.y)
        self.val_batches = CellBatches(self.x, self.val_idx, batch_size, y=self.y)
        self.stopping = _ResumableEarlyStopping(monitor="val_loss", patience=patience,
                                                restore_best_weights=True)
        self.history = keras.callbacks.History()  # one history for all the calls

    @property
    def finished(self):
        """True once every epoch ran or early stopping ended the run."""
        return self.done >= self.epochs or self.stopping.stopped_epoch > 0

    def fit(self, epochs=None):
        """Train ``epochs`` more epochs (default: the rest); return the run's History."""
        from course_lib.memory import retire_optimizer
        from course_lib.training import ProgressLine

        if self.finished:
            return self.history
        until = self.epochs if epochs is None else min(self.done + epochs, self.epochs)
        self.stopping.final = until == self.epochs
        callbacks = [self.stopping, self.history] + ([ProgressLine()] if self.progress else [])
        # Keras reshuffles once more per fit than there are epochs; a later part skips that
        # extra reshuffle, so that every epoch sees the cells in the order one fit would use.
        self.batches.skip = int(self.done > 0)
        self.vae.fit(self.batches, epochs=until, initial_epoch=self.done,
                     validation_data=self.val_batches, verbose=0, callbacks=callbacks)
        self.done = until
        if self.finished:  # restore_best_weights has run; free what training needed
            retire_optimizer(self.vae)
        return self.history


def train_sc_vae(x, cells=None, epochs=60, batch_size=128, val_fraction=0.1, patience=10,
                 seed=0, progress=True, **build_kwargs):
    """Build and fit the single-cell VAE on the rows ``cells`` (default: all) of ``x``.

    A seeded ``val_fraction`` of those cells is kept for early stopping on the validation
    loss (best weights restored); no other row of ``x`` is ever seen. Returns
    ``(vae, history, (train_idx, val_idx))`` with row indices into ``x``.
    ``ScVaeTraining`` runs the same training in parts.
    """
    run = ScVaeTraining(x, cells, epochs, batch_size, val_fraction, patience, seed, progress,
                        **build_kwargs)
    history = run.fit()
    return run.vae, history, (run.train_idx, run.val_idx)


# ---------------------------------------------------------------- latent arithmetic
def balanced_mean(z, labels=None, rows=None):
    """Mean of ``z`` giving every label group equal weight (the plain mean if labels is None).

    This is the expectation of scGen's balanced sampling, without its randomness: a
    frequent cell type does not dominate the mean vector. ``rows`` (a boolean mask)
    restricts it to some rows without copying ``z``; sums are accumulated in float64.
    """
    z = np.asarray(z)
    rows = np.ones(len(z), bool) if rows is None else np.asarray(rows, dtype=bool)
    if labels is None:
        return z[rows].mean(0, dtype=np.float64)
    labels = np.asarray(labels).astype(str)
    return np.mean([z[rows & (labels == g)].mean(0, dtype=np.float64)
                    for g in np.unique(labels[rows])], axis=0)


def perturbation_vector(z, condition, cell_type, control="control", stimulated="stimulated",
                        rows=None, shared_types_only=True):
    """scGen's delta: balanced mean of stimulated minus control cells, in z's space.

    With ``shared_types_only`` (the course's variant, taught in notebook 07) only cell types
    seen in both conditions count, so the held-out type's control cells, which have no
    stimulated partner, do not pull the control mean towards them. With
    ``shared_types_only=False`` every type of each condition counts, as in scGen's own code
    (theislab/scgen ``predict``: all training control cells balanced by type against all
    training stimulated cells); this is the expectation of its random balanced sampling.
    ``rows`` (a boolean mask) limits the computation to those cells, e.g. the training cells.
    """
    z = np.asarray(z)
    condition = np.asarray(condition).astype(str)
    cell_type = np.asarray(cell_type).astype(str)
    rows = np.ones(len(z), bool) if rows is None else np.asarray(rows, dtype=bool)
    both = (set(cell_type[rows & (condition == control)])
            & set(cell_type[rows & (condition == stimulated)]))
    if not both:
        raise ValueError("no cell type is present in both conditions")
    use = rows & np.isin(cell_type, sorted(both)) if shared_types_only else rows
    return (balanced_mean(z, cell_type, use & (condition == stimulated))
            - balanced_mean(z, cell_type, use & (condition == control)))


def batch_shift(z, batches, reference, labels=None):
    """Move every batch's mean latent vector onto the reference batch's mean.

    With ``labels`` (e.g. cell lines), each batch's mean and the reference's are taken
    over the labels the two share, every label weighted equally, so a batch holding other
    proportions of cell types is not moved by its composition. Returns the shifted array
    and a dict {batch: shift vector}.
    """
    z = np.asarray(z, dtype=np.float64)
    batches = np.asarray(batches).astype(str)
    reference = str(reference)
    if reference not in set(batches):
        raise ValueError(f"reference batch {reference!r} not among the batches")
    labels = None if labels is None else np.asarray(labels).astype(str)
    shifted, shifts = z.copy(), {}
    ref = batches == reference
    for batch in np.unique(batches):
        here = batches == batch
        if labels is None:
            shift = z[ref].mean(0) - z[here].mean(0)
        else:
            shared = sorted(set(labels[here]) & set(labels[ref]))
            if not shared:
                raise ValueError(f"batch {batch!r} shares no label with the reference")
            a, b = ref & np.isin(labels, shared), here & np.isin(labels, shared)
            shift = balanced_mean(z[a], labels[a]) - balanced_mean(z[b], labels[b])
        shifted[here] += shift
        shifts[batch] = shift
    return shifted, shifts


def mnn_batch_shift(z, batches, reference, k=20):
    """``batch_shift`` without labels: each batch moves by the mean difference of its mutual
    nearest neighbour pairs with the reference (MNN, Haghverdi et al. 2018).

    Cells i (in the batch) and j (in the reference) pair up when each is among the other's
    ``k`` nearest cells of the other batch. Such pairs mostly join cells of the same kind, and
    cells of a kind the other batch lacks rarely find a partner, so the shift is not pulled
    by the batch's composition. A pair joins the facing edges of two clouds of cells, so the
    shift tends to fall a little short of the full distance. Same return values as
    ``batch_shift``.
    """
    from sklearn.neighbors import NearestNeighbors

    z = np.asarray(z, dtype=np.float64)
    batches = np.asarray(batches).astype(str)
    reference = str(reference)
    if reference not in set(batches):
        raise ValueError(f"reference batch {reference!r} not among the batches")
    shifted, shifts = z.copy(), {}
    z_ref = z[batches == reference]
    for batch in np.unique(batches):
        here = batches == batch
        if batch == reference:
            shifts[batch] = np.zeros(z.shape[1])
            continue
        z_here = z[here]
        partners = NearestNeighbors(n_neighbors=min(k, len(z_ref))).fit(z_ref).kneighbors(
            z_here, return_distance=False)  # reference cells near each cell of the batch
        back = NearestNeighbors(n_neighbors=min(k, len(z_here))).fit(z_here).kneighbors(
            z_ref, return_distance=False)  # batch cells near each reference cell
        # candidate pairs (i, j): each batch cell with each of its partners; mutual when i is
        # also among the nearest batch cells of j
        i = np.repeat(np.arange(len(z_here)), partners.shape[1])
        j = partners.ravel()
        mutual = (back[j] == i[:, None]).any(1)
        if not mutual.any():
            raise ValueError(f"batch {batch!r} has no mutual nearest neighbours in the reference")
        shift = (z_ref[j[mutual]] - z_here[i[mutual]]).mean(0)
        shifted[here] += shift
        shifts[batch] = shift
    return shifted, shifts


def interpolate(z_start, z_end, n_steps=20):
    """Points on the straight line from z_start to z_end (both included): (n_steps, d)."""
    t = np.linspace(0.0, 1.0, n_steps)[:, None]
    return (1 - t) * np.asarray(z_start, dtype=np.float64) + t * np.asarray(z_end, dtype=np.float64)


def project_on_path(z, z_start, z_end):
    """Position of each point of ``z`` along the line z_start -> z_end (0 at start, 1 at end)."""
    direction = np.asarray(z_end, dtype=np.float64) - np.asarray(z_start, dtype=np.float64)
    return (np.asarray(z, dtype=np.float64) - z_start) @ direction / (direction @ direction)


def polyline(waypoints, n_steps=30):
    """``n_steps`` points evenly spaced by length along the broken line through ``waypoints``."""
    waypoints = np.asarray(waypoints, dtype=np.float64)
    lengths = np.linalg.norm(np.diff(waypoints, axis=0), axis=1)
    cumulative = np.concatenate([[0.0], np.cumsum(lengths)])
    targets = np.linspace(0.0, cumulative[-1], n_steps)
    segment = np.clip(np.searchsorted(cumulative, targets, side="right") - 1, 0, len(lengths) - 1)
    t = (targets - cumulative[segment]) / np.where(lengths[segment] > 0, lengths[segment], 1.0)
    return waypoints[segment] + t[:, None] * (waypoints[segment + 1] - waypoints[segment])


def path_pseudotime(path, z, pseudotime, k=10):
    """Mean pseudotime of the ``k`` cells nearest to each path point (cells without one skipped)."""
    from sklearn.neighbors import NearestNeighbors

    pseudotime = np.asarray(pseudotime, dtype=np.float64)
    known = ~np.isnan(pseudotime)
    _, idx = NearestNeighbors(n_neighbors=k).fit(np.asarray(z)[known]).kneighbors(path)
    return pseudotime[known][idx].mean(1)


def sample_near(vae, x, n, seed=0, from_likelihood=False, library_sizes=None, depth=None):
    """New cells from the posteriors q(z|x) of ``n`` randomly chosen cells of ``x``.

    Each new cell draws z from the posterior of one chosen cell and decodes it. By default it
    returns the decoded *means*, which carry none of the noise of real cells. With
    ``from_likelihood=True`` it draws from p(x|z) as well, as a generative model should:

    * a Gaussian VAE: the decoded mean plus normal noise of variance beta/2, the variance
      that the beta-weighted squared error implies (squared error + beta KL is, divided by
      beta, the ELBO of a Gaussian with that variance), clipped at 0;
    * a negative-binomial VAE: counts ~ NB(library size x share, theta) with the chosen
      cells' ``library_sizes``, returned as log-expression at ``depth``
      (log(1 + depth x counts / library size)), comparable with real log-normalised cells.
    """
    rng = np.random.default_rng(seed)
    z_mean, z_log_var = vae.encode_distribution(x)
    pick = rng.integers(0, len(z_mean), size=n)
    z = z_mean[pick] + np.exp(0.5 * z_log_var[pick]) * rng.standard_normal(z_mean[pick].shape)
    decoded = vae.decode(z)
    if not from_likelihood:
        return decoded
    if vae.likelihood == "gaussian":
        noise = rng.normal(0.0, np.sqrt(vae.beta / 2), size=decoded.shape).astype("float32")
        return np.clip(decoded + noise, 0, None)
    if vae.likelihood != "negative_binomial" or library_sizes is None or depth is None:
        raise ValueError("sampling counts needs a negative-binomial VAE, library_sizes and depth")
    import keras

    theta = keras.ops.convert_to_numpy(vae.dispersion).astype(np.float64)
    library = np.asarray(library_sizes, dtype=np.float64)[pick, None]
    mean = decoded * library
    counts = rng.poisson(rng.gamma(theta, mean / theta))  # NB as a gamma-Poisson mixture
    return np.log1p(depth * counts / np.maximum(counts.sum(1, keepdims=True), 1)).astype("float32")


# The rows of a perturbation table, in order: the model, the paper's version of it, the
# paper's linear baseline, two naive baselines, and real cells resampled as a reference.
METHODS = {
    "vae": "VAE, course's vector (shared types)",
    "vae_paper": "VAE, scGen's vector (all training cells)",
    "pca": "PCA (100 PCs) + scGen's vector",
    "gene_space": "arithmetic in gene space",
    "control": "control cells as prediction",
    "resampled": "real cells resampled (reference)",
}


@dataclass
class PerturbationResult:
    """What predict_perturbation returns: arrays (cells x genes), DEGs, scores, model."""

    held_out: str
    genes: list
    degs: list
    real: np.ndarray  # held-out stimulated cells (never trained on)
    control: np.ndarray  # the held-out type's control cells
    predicted: np.ndarray  # VAE: decode(encode(control) + delta)
    gene_space: np.ndarray  # control + delta computed on expression directly
    r2: dict = field(default_factory=dict)  # r^2 of gene means, e.g. r2["vae_top"]
    mae: dict = field(default_factory=dict)  # mean absolute error of gene means, same keys
    vae: object = None
    history: object = None
    delta: np.ndarray = None
    train_cells: np.ndarray = None  # boolean mask over the input AnnData's cells

    def table(self):
        """Both scores as a small pandas DataFrame (rows: methods; columns: score, gene set)."""
        import pandas as pd

        columns = {("r²", "all genes"): ("r2", "all"), ("r²", "top DEGs"): ("r2", "top"),
                   ("MAE", "all genes"): ("mae", "all"), ("MAE", "top DEGs"): ("mae", "top")}
        rows = {m: {col: getattr(self, score)[f"{m}_{genes}"]
                    for col, (score, genes) in columns.items()}
                for m in METHODS}
        table = pd.DataFrame(rows).T.rename(index=METHODS)
        table.columns = pd.MultiIndex.from_tuples(table.columns)
        return table


def pca_arithmetic(x, condition, cell_type, rows, source, n_components=100, seed=0,
                   control="control", stimulated="stimulated"):
    """The scGen paper's linear baseline: the same vector arithmetic on principal components.

    PCA is fitted on the ``rows`` (training cells) only; scGen's stimulation vector
    (every training type, ``shared_types_only=False``) is taken between their scores, added
    to the scores of the ``source`` cells and mapped back to genes (clipped at 0, as
    log-expression cannot be negative).
    """
    from sklearn.decomposition import PCA

    rows = np.asarray(rows, dtype=bool)
    n_components = min(n_components, *x[rows].shape)  # a small data set has fewer
    pca = PCA(n_components, random_state=seed).fit(x[rows])
    scores = pca.transform(x)
    delta = perturbation_vector(scores, condition, cell_type, control, stimulated, rows=rows,
                                shared_types_only=False)
    return np.clip(pca.inverse_transform(scores[source] + delta), 0, None).astype("float32")


def predict_perturbation(adata, cell_type_key, condition_key, held_out, control="control",
                         stimulated="stimulated", n_degs=100, vae=None, x=None, seed=0,
                         **train_kwargs):
    """scGen out-of-sample prediction for one held-out cell type, with baselines.

    ``adata.X`` must be log-normalised. The stimulated cells of ``held_out`` are removed;
    a VAE is trained on all other cells (unless a ``vae`` trained without them is given).
    The control cells of ``held_out`` are shifted in latent space and decoded, once with the
    course's stimulation vector (types seen in both conditions, notebook 07) and once with
    scGen's (every training cell, ``perturbation_vector(shared_types_only=False)``).
    Baselines: the paper's PCA + arithmetic (``pca_arithmetic``), the course's vector in
    gene space, and the control cells unchanged. Every prediction's per-gene means are scored
    against the real stimulated cells, on all genes and on the top ``n_degs`` DEGs between
    the real control and stimulated cells of that type: r^2 (squared Pearson correlation, as
    in scGen) and the mean absolute error, which r^2 is blind to (scale and offset). As a
    reference, real stimulated cells resampled at the prediction's size are scored the same
    way (``metrics.resampled_reference``); a prediction can score above it, since a decoded
    mean has no sampling noise.
    ``x`` may pass the dense matrix of ``adata.X`` if it already exists (saves a copy).
    """
    from course_lib.metrics import mae_mean, r2_mean, resampled_reference
    from course_lib.preprocessing import dense_matrix, top_de_genes

    types = adata.obs[cell_type_key].astype(str).to_numpy()
    cond = adata.obs[condition_key].astype(str).to_numpy()
    if held_out not in set(types):
        raise ValueError(f"{held_out!r} is not a value of obs[{cell_type_key!r}]")
    is_target = (types == held_out) & (cond == stimulated)
    is_source = (types == held_out) & (cond == control)
    train = ~is_target
    x = dense_matrix(adata) if x is None else np.asarray(x, dtype="float32")
    if x.shape != adata.shape:
        raise ValueError(f"x has shape {x.shape}, adata {adata.shape}")
    history = None
    if vae is None:
        vae, history, _ = train_sc_vae(x, cells=np.flatnonzero(train), seed=seed, **train_kwargs)

    z = vae.encode(x)
    delta = perturbation_vector(z, cond, types, control, stimulated, rows=train)
    paper_delta = perturbation_vector(z, cond, types, control, stimulated, rows=train,
                                      shared_types_only=False)
    predicted = vae.decode(z[is_source] + delta)
    gene_delta = perturbation_vector(x, cond, types, control, stimulated, rows=train)
    gene_space = np.clip(x[is_source] + gene_delta, 0, None).astype("float32")
    predictions = {"vae": predicted, "vae_paper": vae.decode(z[is_source] + paper_delta),
                   "pca": pca_arithmetic(x, cond, types, train, is_source, seed=seed,
                                         control=control, stimulated=stimulated),
                   "gene_space": gene_space, "control": x[is_source]}

    degs = top_de_genes(adata[types == held_out], condition_key, stimulated, control, n_degs)
    top = np.isin(adata.var_names, degs)
    real, source = x[is_target], x[is_source]
    r2, mae = {}, {}
    for genes, mask in (("all", None), ("top", top)):
        for name, pred in predictions.items():
            r2[f"{name}_{genes}"] = r2_mean(pred, real, mask)
            mae[f"{name}_{genes}"] = mae_mean(pred, real, mask)
        r2[f"resampled_{genes}"] = resampled_reference(real, len(source), r2_mean, mask, seed)
        mae[f"resampled_{genes}"] = resampled_reference(real, len(source), mae_mean, mask, seed)
    return PerturbationResult(held_out, list(adata.var_names), degs, real, source, predicted,
                              gene_space, r2, mae, vae, history, delta, train)
