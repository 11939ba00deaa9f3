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


# ---------------------------------------------------------------- batch correction (scIB)
# The metrics of the scIB benchmark (Luecken et al. 2022, Nat Methods 19:41), as scib-metrics
# computes them; tests/test_batch_metrics.py checks them against that package. All are scaled
# so that 1 is best. Batch mixing: silhouette_batch, ilisi, graph_connectivity. Biology kept:
# silhouette_label, clisi, isolated_labels, and KMeans NMI/ARI (kmeans_agreement above).

def silhouette_label(x, labels):
    """scIB's label ASW: the silhouette of ``labels`` rescaled from -1..1 to 0..1 as (s+1)/2."""
    return (silhouette(x, labels) + 1) / 2


def silhouette_batch(x, batches, labels):
    """scIB's batch ASW (0..1, 1 = batches fully mixed within every label).

    Within one label (cell line), a cell's silhouette on the *batch* labels is 0 when its own
    batch is no closer than the nearest other batch; +1 or -1 both mean structure by batch.
    So each cell scores 1 - |s|, averaged per label, then over labels. A label found in a
    single batch says nothing about mixing and is skipped.
    """
    from sklearn.metrics import silhouette_samples

    x = np.asarray(x)
    batches, labels = np.asarray(batches).astype(str), np.asarray(labels).astype(str)
    per_label = []
    for label in np.unique(labels):
        here = labels == label
        n_batches = len(np.unique(batches[here]))
        if 1 < n_batches < here.sum():  # silhouette needs 2 batches and one with 2+ cells
            per_label.append(np.mean(1 - np.abs(silhouette_samples(x[here], batches[here]))))
    return float(np.mean(per_label))


def isolated_labels(x, batches, labels):
    """scIB's isolated-label score (0..1): are the labels that few batches hold kept apart?

    A label found in the fewest batches (CellBench: the two lines missing from the 3-line
    batches) is the easiest to lose, merged into a neighbour by a correction that pulls
    batches together. Each of its cells scores its silhouette on *all* labels, rescaled to
    (s+1)/2; the score is the mean over those cells, averaged over the isolated labels. This is
    scib-metrics' version (the original scib package can also score an F1 of clusters). When
    every label is in equally many batches, every label counts as isolated.
    """
    from sklearn.metrics import silhouette_samples

    batches, labels = np.asarray(batches).astype(str), np.asarray(labels).astype(str)
    spread = {label: len(np.unique(batches[labels == label])) for label in np.unique(labels)}
    fewest = min(spread.values())
    rescaled = (silhouette_samples(np.asarray(x), labels) + 1) / 2
    return float(np.mean([rescaled[labels == label].mean()
                          for label, n in spread.items() if n == fewest]))


def _knn(x, k):
    """(distances, indices) of each row's ``k`` nearest rows, the row itself included.

    Counting the cell itself is how scanpy and scib-metrics count neighbours, so k=15 here
    is their n_neighbors=15.
    """
    from sklearn.neighbors import NearestNeighbors

    x = np.asarray(x)
    return NearestNeighbors(n_neighbors=k).fit(x).kneighbors(x)


def graph_connectivity(x, labels, k=15):
    """Per label, the share of its cells in the largest connected piece of the kNN graph.

    The graph links each cell to its k nearest cells in ``x``; kept are only the edges
    between cells of one label. If batches still separate, a label's cells fall apart into
    one piece per batch. Components are strongly connected (each cell reaches every other
    along the edges' directions), as in scib-metrics; the original scib package symmetrises
    the graph first, which can only give equal or higher values. Averaged over labels.
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    labels = np.asarray(labels).astype(str)
    _, idx = _knn(x, k)
    n = len(idx)
    graph = csr_matrix((np.ones(idx.size), idx.ravel(), np.arange(0, idx.size + 1, k)),
                       shape=(n, n))
    shares = []
    for label in np.unique(labels):
        here = labels == label
        _, piece = connected_components(graph[here][:, here], connection="strong")
        shares.append(np.bincount(piece).max() / here.sum())
    return float(np.mean(shares))


def lisi(x, labels, k=90, perplexity=30, tol=1e-5):
    """Local inverse Simpson index per cell (Korsunsky et al. 2019, Harmony's LISI).

    The effective number of labels among a cell's neighbours: 1 if all share one label,
    n if n labels are equally common. Neighbour j is weighted by exp(-beta * distance_j), with
    beta tuned per cell (as t-SNE tunes its kernels) so that the weights' perplexity,
    e^entropy, is ``perplexity``: an effective neighbourhood of 30 of the ``k`` nearest cells
    in dense and sparse regions alike.
    """
    labels = np.unique(np.asarray(labels).astype(str), return_inverse=True)[1]
    dist, idx = _knn(x, k)
    others = idx != np.arange(len(idx))[:, None]  # the cell itself gets no weight
    # Measured from the nearest other cell: the normalised weights do not change, but exp()
    # cannot underflow to 0 for every neighbour of a cell far from all others.
    nearest = np.where(others, dist, np.inf).min(1, keepdims=True)
    dist = np.where(others, dist - nearest, 0.0)
    beta = np.ones(len(dist))  # per cell: how fast the weight falls with distance
    low, high = np.full(len(dist), -np.inf), np.full(len(dist), np.inf)
    for tries in range(51):  # bisection on beta, at most 50 steps as in scib-metrics
        p = np.exp(-dist * beta[:, None]) * others
        total = p.sum(1)
        entropy = np.log(total) + beta * (dist * p).sum(1) / total
        diff = entropy - np.log(perplexity)
        search = np.abs(diff) >= tol
        if tries == 50 or not search.any():
            break
        sharpen = search & (diff > 0)  # weights too even: too many effective neighbours
        soften = search & (diff <= 0)
        low, high = np.where(sharpen, beta, low), np.where(soften, beta, high)
        beta = np.where(sharpen, np.where(np.isinf(high), 2 * beta, (beta + high) / 2), beta)
        beta = np.where(soften, np.where(np.isinf(low), beta / 2, (beta + low) / 2), beta)
    p /= p.sum(1, keepdims=True)
    n_labels = labels.max() + 1
    share = np.stack([(p * (labels[idx] == c)).sum(1) for c in range(n_labels)], axis=1)
    return 1 / (share ** 2).sum(1)  # Simpson: chance that two weighted neighbours agree


def ilisi(x, batches, k=90, perplexity=30):
    """scIB's iLISI: median LISI of the batches, from 1..n_batches rescaled to 0..1 (1 = mixed)."""
    n_batches = len(np.unique(np.asarray(batches).astype(str)))
    return float((np.median(lisi(x, batches, k, perplexity)) - 1) / (n_batches - 1))


def clisi(x, labels, k=90, perplexity=30):
    """scIB's cLISI: median LISI of the labels, rescaled so 1 = each cell among its own label."""
    n_labels = len(np.unique(np.asarray(labels).astype(str)))
    return float((n_labels - np.median(lisi(x, labels, k, perplexity))) / (n_labels - 1))


def scib_scores(x, batches, labels, seed=0):
    """The scIB metrics of an embedding ``x``, as a dict; every score 0..1, higher = better.

    Batch mixing: silhouette_batch, ilisi, graph_connectivity. Biology kept (``labels``, e.g.
    the cell lines): silhouette_label, clisi, isolated_labels, and NMI/ARI of KMeans with
    K = number of labels.
    """
    return {"silhouette_batch": silhouette_batch(x, batches, labels),
            "ilisi": ilisi(x, batches),
            "graph_connectivity": graph_connectivity(x, labels),
            "silhouette_label": silhouette_label(x, labels),
            "clisi": clisi(x, labels),
            "isolated_labels": isolated_labels(x, batches, labels),
            **kmeans_agreement(x, labels, seed=seed)}


def nearest_labels(x_reference, labels, x_query, k=15):
    """Majority label among each query row's k nearest reference rows (kNN label transfer)."""
    from sklearn.neighbors import KNeighborsClassifier

    labels = np.asarray(labels).astype(str)
    return KNeighborsClassifier(n_neighbors=k).fit(x_reference, labels).predict(x_query)


# ---------------------------------------------------------------- reconstruction and denoising
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


def mcv_loss(denoised, held_out, rows=None, chunk=500):
    """Molecular cross-validation loss (Batson, Royer & Webber 2019).

    Mean squared error over every cell and gene between a denoised version of one half of
    each cell's molecules and the other half (``preprocessing.split_molecules``), both
    log-normalised to the same scale. The held-out half's own sampling noise is independent
    of everything the denoiser saw, so it adds the same constant to every method's loss:
    a lower loss means closer to the cells' true expression. ``rows`` (indices) scores only
    those cells of both matrices, e.g. the training cells, without copying them;
    ``denoised`` is an array, or a function giving its rows at an array of indices, and
    ``held_out`` may be a sparse matrix, so that neither large matrix need exist whole and dense;
    the sum runs over blocks of ``chunk`` cells and is accumulated in float64.
    """
    held_out = held_out if hasattr(held_out, "toarray") else np.asarray(held_out)
    get = denoised if callable(denoised) else np.asarray(denoised).__getitem__
    rows = np.arange(held_out.shape[0]) if rows is None else np.asarray(rows)
    total = 0.0
    for start in range(0, len(rows), chunk):
        block = rows[start:start + chunk]
        truth = held_out[block]
        truth = truth.toarray() if hasattr(truth, "toarray") else truth
        predicted = get(block)
        if predicted.shape != truth.shape:
            raise ValueError(f"denoised rows {predicted.shape} and held-out rows "
                             f"{truth.shape} differ in shape")
        total += np.square(predicted - truth).sum(dtype=np.float64)
    return float(total / (len(rows) * held_out.shape[1]))


def pca_mcv_losses(x, held_out, ranks, seed=0):
    """MCV loss of the PCA reconstruction of ``x`` at each rank: ``{rank: loss}``.

    PCA keeps the ``rank`` strongest directions of variation and discards the rest as
    noise: too few lose biology, too many keep noise, and the held-out half tells which.
    """
    from sklearn.decomposition import PCA

    pca = PCA(max(ranks), random_state=seed)
    scores = pca.fit_transform(x)  # one centred copy of x, not a second one for transform
    return {k: mcv_loss(lambda block, k=k: scores[block, :k] @ pca.components_[:k] + pca.mean_,
                        held_out)
            for k in sorted(ranks)}


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
    """scGen's score r^2: squared Pearson correlation of per-gene mean expression.

    ``predicted`` and ``real`` are cells x genes (any numbers of cells); ``genes`` is an
    optional boolean mask or index array restricting the genes (e.g. the top DEGs). Being a
    correlation, it is blind to scale and offset: a prediction that overshoots every gene by
    the same factor still scores 1. ``mae_mean`` is the scale-sensitive companion.
    """
    p, r = _gene_means(predicted, real, genes)
    return float(np.corrcoef(p, r)[0, 1] ** 2)


def mae_mean(predicted, real, genes=None):
    """Mean absolute error of per-gene mean expression (in the data's units, e.g. log counts).

    Unlike ``r2_mean`` it grows when a prediction is too strong, too weak or offset.
    """
    p, r = _gene_means(predicted, real, genes)
    return float(np.mean(np.abs(p - r)))


def _gene_means(predicted, real, genes):
    p = np.asarray(predicted, dtype=np.float64).mean(0)
    r = np.asarray(real, dtype=np.float64).mean(0)
    return (p, r) if genes is None else (p[genes], r[genes])


def resampled_reference(real, n, score=r2_mean, genes=None, seed=0, repeats=20):
    """A score of real cells against themselves: ``n`` of them drawn with replacement, vs all.

    The mean of ``n`` cells resampled from ``real`` is scored against the mean of all of
    ``real`` (averaged over ``repeats`` draws): what an unbiased sample of real cells of the
    prediction's size reaches. It is a reference, not a ceiling: a model's decoded mean
    carries no sampling noise and can score above it.
    """
    real = np.asarray(real)
    rng = np.random.default_rng(seed)
    return float(np.mean([score(real[rng.integers(0, len(real), n)], real, genes)
                          for _ in range(repeats)]))


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
