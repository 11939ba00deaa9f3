"""Realism tests for generated samples, usable for images and cells alike.

* Classifier two-sample test: a random forest learns to tell real from generated samples;
  its cross-validated ROC AUC is 0.5 when it cannot, 1.0 when they are separable.
* Maximum mean discrepancy (MMD): a kernel distance between the two samples, 0 when
  they come from the same distribution.
* Mode coverage (digits): which classes a trained classifier sees among generated images.

Compare generated samples with *held-out* real ones (never used to train the generator)
and put every number next to a real-vs-real control computed the same way.
"""

from dataclasses import dataclass

import numpy as np


# ---------------------------------------------------------------- classifier two-sample test
def classifier_two_sample_test(real, generated, n_estimators=100, n_components=None, folds=5,
                               seed=0, return_scores=False):
    """Cross-validated ROC AUC of a random forest telling ``real`` rows from ``generated`` rows.

    0.5 means the forest cannot tell the samples apart, 1.0 that it separates them
    perfectly. Use samples of equal size. ``n_components`` first projects the pooled
    samples on their leading principal components (unsupervised, so nothing leaks).
    With ``return_scores=True`` also returns the labels (1 = real) and forest scores.
    """
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    from course_lib.preprocessing import pca_coords

    real, generated = np.asarray(real, dtype="float32"), np.asarray(generated, dtype="float32")
    x = np.vstack([real.reshape(len(real), -1), generated.reshape(len(generated), -1)])
    labels = np.r_[np.ones(len(real), int), np.zeros(len(generated), int)]
    if n_components:
        x = pca_coords(x, n_components, seed)
    # Every tree's seed is drawn from random_state up front, so the AUC does not depend on
    # how many threads grow the trees.
    forest = RandomForestClassifier(n_estimators=n_estimators, min_samples_leaf=2,
                                    random_state=seed, n_jobs=-1)
    splits = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    scores = cross_val_predict(forest, x, labels, cv=splits, method="predict_proba")[:, 1]
    auc = float(roc_auc_score(labels, scores))
    return (auc, labels, scores) if return_scores else auc


def split_halves(x, seed=0):
    """Two random, disjoint halves of the rows of ``x`` (for a real-vs-real control)."""
    x = np.asarray(x)
    order = np.random.default_rng(seed).permutation(len(x))
    half = len(x) // 2
    return x[order[:half]], x[order[half:2 * half]]


# ---------------------------------------------------------------- maximum mean discrepancy
def _squared_distances(a, b):
    d = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * a @ b.T
    return np.maximum(d, 0.0)


def median_bandwidth(x, max_samples=1000, seed=0):
    """Median pairwise Euclidean distance among the rows of x (the usual kernel width)."""
    x = np.asarray(x, dtype="float64").reshape(len(x), -1)
    if len(x) > max_samples:
        x = x[np.random.default_rng(seed).choice(len(x), max_samples, replace=False)]
    d = _squared_distances(x, x)[np.triu_indices(len(x), k=1)]
    return float(np.sqrt(np.median(d)))


def mmd(x, y, bandwidth=None, max_samples=2000, seed=0):
    """Squared MMD between samples x and y, Gaussian kernel, unbiased estimate.

    About 0 when x and y come from the same distribution (it can be slightly negative),
    larger the more they differ. ``bandwidth`` is the kernel width; by default the median
    pairwise distance within ``x``, so pass the real sample first and compare several
    generated samples against the same real one with one kernel. At most ``max_samples``
    rows of each sample are used.
    """
    rng = np.random.default_rng(seed)
    x = np.asarray(x, dtype="float64").reshape(len(x), -1)
    y = np.asarray(y, dtype="float64").reshape(len(y), -1)
    if len(x) > max_samples:
        x = x[rng.choice(len(x), max_samples, replace=False)]
    if len(y) > max_samples:
        y = y[rng.choice(len(y), max_samples, replace=False)]
    bandwidth = bandwidth or median_bandwidth(x, seed=seed)
    gamma = 1.0 / (2.0 * bandwidth ** 2)
    kxx = np.exp(-gamma * _squared_distances(x, x))
    kyy = np.exp(-gamma * _squared_distances(y, y))
    kxy = np.exp(-gamma * _squared_distances(x, y))
    n, m = len(x), len(y)
    within_x = (kxx.sum() - np.trace(kxx)) / (n * (n - 1))
    within_y = (kyy.sum() - np.trace(kyy)) / (m * (m - 1))
    return float(within_x + within_y - 2.0 * kxy.mean())


# ---------------------------------------------------------------- mode coverage (digits)
def train_digit_classifier(x, y, hidden=(256,), epochs=3, batch_size=128, seed=0):
    """The notebook-02 style MLP (``build_mlp``) trained on flat digits, to label generated ones."""
    import keras

    from course_lib.models import build_mlp

    keras.utils.set_random_seed(seed)
    model = build_mlp(input_dim=x.shape[1], hidden=hidden, n_classes=int(np.max(y)) + 1,
                      name="digit_classifier")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0)
    return model


@dataclass
class ModeCoverage:
    """Class histogram of generated samples and two summaries of how many modes appear."""

    counts: np.ndarray  # samples assigned to each class
    covered: int  # classes holding at least ``min_share`` of the samples
    effective: float  # exp(entropy of the class shares): 10 for uniform digits, 1 for one

    @property
    def shares(self):
        """Fraction of samples per class."""
        return self.counts / max(self.counts.sum(), 1)

    def __str__(self):
        return (f"{self.covered} of {len(self.counts)} classes covered, effective number "
                f"{self.effective:.1f}, shares " + " ".join(f"{s:.2f}" for s in self.shares))


def mode_coverage(samples, classifier, n_classes=10, min_share=0.02, batch_size=1024):
    """Which classes a trained classifier assigns to generated samples (mode collapse check).

    A class counts as covered if it holds at least ``min_share`` of the samples (the
    uniform share for 10 digits is 0.10).
    """
    probs = classifier.predict(np.asarray(samples, dtype="float32"), batch_size=batch_size,
                               verbose=0)
    counts = np.bincount(np.argmax(probs, axis=1), minlength=n_classes)
    shares = counts / max(counts.sum(), 1)
    nonzero = shares[shares > 0]
    return ModeCoverage(counts=counts, covered=int((shares >= min_share).sum()),
                        effective=float(np.exp(-(nonzero * np.log(nonzero)).sum())))


# ---------------------------------------------------------------- gene-wise comparison
def gene_moments(real, generated, gene_names, genes=None):
    """Table of per-gene means and variances in real and generated cells.

    ``genes`` selects and orders rows (e.g. marker genes); default: all genes.
    """
    import pandas as pd

    real, generated = np.asarray(real), np.asarray(generated)
    names = list(gene_names)
    index = [names.index(g) for g in genes] if genes is not None else list(range(len(names)))
    return pd.DataFrame({
        "mean real": real[:, index].mean(0), "mean generated": generated[:, index].mean(0),
        "var real": real[:, index].var(0), "var generated": generated[:, index].var(0),
        "zeros real": (real[:, index] == 0).mean(0),
        "zeros generated": (generated[:, index] == 0).mean(0),
    }, index=pd.Index([names[i] for i in index], name="gene"))
