"""Metrics for latent spaces, batch mixing, denoising and perturbation prediction.

Everything takes plain arrays (cells in rows) and label vectors, so the same function
scores PCA, a VAE's latent means or decoded expression.
"""

import numpy as np


# ---------------------------------------------------------------- latent-space quality
def silhouette(x, labels, sample_size=None, seed=0):
    """Average silhouette width (ASW, -1..1) of ``labels`` in the space ``x`` (Euclidean)."""
    from sklearn.metrics import silhouette_score

    labels = np.asarray(labels).astype(str)
    return float(silhouette_score(np.asarray(x), labels, sample_size=sample_size,
                                  random_state=seed))


def kmeans_agreement(x, labels, n_clusters=None, seed=0):
    """NMI and ARI between ``labels`` and KMeans clusters (K = number of labels by default)."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    labels = np.asarray(labels).astype(str)
    k = n_clusters or len(np.unique(labels))
    clusters = KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(np.asarray(x))
    return {"nmi": float(normalized_mutual_info_score(labels, clusters)),
            "ari": float(adjusted_rand_score(labels, clusters))}


def latent_quality(x, labels, seed=0):
    """ASW, NMI and ARI of a representation against true labels (the scVI benchmark trio)."""
    return {"asw": silhouette(x, labels, seed=seed), **kmeans_agreement(x, labels, seed=seed)}


def batch_entropy(x, batches, k=30):
    """Mean normalised entropy (0..1) of the batch labels among each cell's k nearest neighbours.

    1 means every neighbourhood holds the batches in the proportions of the whole data
    (perfect mixing, when batches are balanced); 0 means neighbours come from one batch.
    """
    from sklearn.neighbors import NearestNeighbors

    batches = np.asarray(batches).astype(str)
    names, codes = np.unique(batches, return_inverse=True)
    if len(names) < 2:
        return 0.0
    _, idx = NearestNeighbors(n_neighbors=k + 1).fit(x).kneighbors(x)
    neighbour_codes = codes[idx[:, 1:]]
    counts = np.stack([(neighbour_codes == c).sum(1) for c in range(len(names))], axis=1)
    p = counts / k
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -np.where(p > 0, p * np.log(p), 0.0).sum(1)
    return float(h.mean() / np.log(len(names)))


def batch_correction_scores(x, batches, labels, k=30):
    """Batch mixing (batch ASW, kNN batch entropy) and label separation (label ASW, KMeans ARI)."""
    return {"batch ASW": silhouette(x, batches),
            "batch entropy": batch_entropy(x, batches, k=k),
            "label ASW": silhouette(x, labels),
            "label ARI": kmeans_agreement(x, labels)["ari"]}


def nearest_labels(x_reference, labels, x_query, k=15):
    """Majority label among each query row's k nearest reference rows (kNN label transfer)."""
    from sklearn.neighbors import KNeighborsClassifier

    labels = np.asarray(labels).astype(str)
    return KNeighborsClassifier(n_neighbors=k).fit(x_reference, labels).predict(x_query)


# ---------------------------------------------------------------- reconstruction and denoising
def per_cell_correlation(x, y):
    """Pearson correlation of each row of ``x`` with the same row of ``y``."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    xc = x - x.mean(1, keepdims=True)
    yc = y - y.mean(1, keepdims=True)
    denom = np.sqrt((xc ** 2).sum(1) * (yc ** 2).sum(1))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denom > 0, (xc * yc).sum(1) / denom, np.nan)


def mean_cv(expression, chunk=1000, from_log=False, scale=1.0):
    """Per-gene mean and coefficient of variation of non-negative expression (genes with mean > 0).

    With ``from_log=True`` the input is log1p-expression and the statistics are taken on
    ``scale * expm1(expression)``. Computed in float64 over blocks of ``chunk`` genes, so a
    large float32 matrix is never copied whole.
    """
    expression = np.asarray(expression)
    mean, var = [], []
    for start in range(0, expression.shape[1], chunk):
        block = expression[:, start:start + chunk].astype(np.float64)
        if from_log:
            block = scale * np.expm1(block)
        mean.append(block.mean(0))
        var.append(block.var(0))
    mean, var = np.concatenate(mean), np.concatenate(var)
    keep = mean > 0
    return mean[keep], np.sqrt(var[keep]) / mean[keep]


def smooth_trend(x, y, n_bins=30):
    """Running median of ``y`` in quantile bins of ``x``: (bin centres, medians)."""
    x, y = np.asarray(x), np.asarray(y)
    edges = np.unique(np.quantile(x, np.linspace(0, 1, n_bins + 1)))
    which = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, len(edges) - 2)
    centres, medians = [], []
    for b in range(len(edges) - 1):
        inside = which == b
        if inside.sum() >= 5:
            centres.append(np.median(x[inside]))
            medians.append(np.median(y[inside]))
    return np.array(centres), np.array(medians)


def trend_slope(expression, min_mean=None):
    """Least-squares slope of log10 CV on log10 mean across genes (Poisson noise gives -1/2).

    ``expression`` is a cells x genes matrix or a precomputed ``(mean, cv)`` pair.
    """
    mean, cv = expression if isinstance(expression, tuple) else mean_cv(expression)
    keep = cv > 0
    if min_mean is not None:
        keep &= mean >= min_mean
    return float(np.polyfit(np.log10(mean[keep]), np.log10(cv[keep]), 1)[0])


def mask_nonzero(x, fraction=0.1, seed=0):
    """Copy of ``x`` with a random ``fraction`` of its non-zero entries set to 0, and the mask."""
    x = np.asarray(x)
    rng = np.random.default_rng(seed)
    rows, cols = np.nonzero(x)
    pick = rng.choice(len(rows), size=int(round(fraction * len(rows))), replace=False)
    mask = np.zeros(x.shape, dtype=bool)
    mask[rows[pick], cols[pick]] = True
    masked = x.copy()
    masked[mask] = 0
    return masked, mask


def masked_error(truth, prediction, mask):
    """Median absolute error and Pearson r of ``prediction`` vs ``truth`` on the masked entries."""
    truth = np.asarray(truth, dtype=np.float64)[mask]
    prediction = np.asarray(prediction, dtype=np.float64)[mask]
    constant = truth.std() == 0 or prediction.std() == 0
    return {"median_abs_error": float(np.median(np.abs(prediction - truth))),
            "correlation": np.nan if constant else float(np.corrcoef(truth, prediction)[0, 1])}


# ---------------------------------------------------------------- perturbation prediction
def r2_mean(predicted, real, genes=None):
    """scGen's R^2: squared Pearson correlation of per-gene mean expression, predicted vs real.

    ``predicted`` and ``real`` are cells x genes (any numbers of cells); ``genes`` is an
    optional boolean mask or index array restricting the genes (e.g. the top DEGs).
    """
    p = np.asarray(predicted, dtype=np.float64).mean(0)
    r = np.asarray(real, dtype=np.float64).mean(0)
    if genes is not None:
        p, r = p[genes], r[genes]
    return float(np.corrcoef(p, r)[0, 1] ** 2)


def split_half_r2(real, genes=None, seed=0, repeats=10):
    """Noise ceiling for r2_mean: mean R^2 between two random halves of the real cells."""
    real = np.asarray(real)
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(repeats):
        order = rng.permutation(len(real))
        half = len(real) // 2
        values.append(r2_mean(real[order[:half]], real[order[half:2 * half]], genes))
    return float(np.mean(values))


def cell_correlation_metric(name="cell_correlation"):
    """Keras metric: Pearson correlation of each cell's reconstruction with its input, averaged."""
    import keras

    return keras.metrics.PearsonCorrelation(name=name, axis=-1)


# ---------------------------------------------------------------- class separation in a latent space
def knn_accuracy(z_train, y_train, z_test, y_test, k=5):
    """Test accuracy of a k-nearest-neighbour classifier fitted on (z_train, y_train)."""
    from sklearn.neighbors import KNeighborsClassifier

    knn = KNeighborsClassifier(n_neighbors=k).fit(np.asarray(z_train), np.asarray(y_train))
    return float(knn.score(np.asarray(z_test), np.asarray(y_test)))
