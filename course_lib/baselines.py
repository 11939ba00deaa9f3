"""The field's linear baselines for the single-cell models, chosen by the same rules.

A deep model's score means little on its own: notebook 06 puts every VAE next to what a
scanpy user would run instead, and chooses the baselines' settings the way the models' were
chosen, on training and validation cells only:

* ``GenePCA``: PCA of log-expression, optionally on genes scaled to unit variance as
  ``sc.pp.scale`` does (the scanpy default before ``sc.pp.pca``); it also reconstructs, so
  the same object is a denoiser;
* ``choose_pca_rank``: the rank whose reconstruction of the *validation* cells is closest to
  their held-out molecules (molecular cross-validation), never looking at a label or at the
  molecules a score is reported on;
* ``nonzero_mean``: each gene's mean over its non-zero training values, the imputation
  baseline that a test hiding only non-zero entries calls for.
"""

import numpy as np


class GenePCA:
    """PCA of cells x genes, on scaled genes if ``scale`` (z-scores clipped at ``max_value``).

    ``fit`` learns the gene means, the gene standard deviations (if scaling) and the
    components from the rows it is given only; ``transform`` and ``reconstruct`` then apply
    them to any rows, so validation cells are projected, not fitted.
    """

    def __init__(self, n_components=32, scale=False, max_value=10.0, seed=0):
        self.n_components, self.scale, self.max_value, self.seed = (n_components, scale,
                                                                    max_value, seed)

    def _standardise(self, x):
        z = (np.asarray(x, dtype=np.float32) - self.mean_) / self.sd_
        # sc.pp.scale clips at +-max_value after centring: one very rare gene must not
        # dominate the components
        return np.clip(z, -self.max_value, self.max_value, out=z) if self.scale else z

    def fit(self, x):
        """Learn means, scales and components from the rows of ``x``; returns self."""
        from sklearn.decomposition import PCA

        x = np.asarray(x, dtype=np.float32)
        self.mean_ = x.mean(axis=0)
        if self.scale:
            sd = x.std(axis=0, ddof=1)  # sc.pp.scale's unbiased variance
            self.sd_ = np.where(sd > 0, sd, 1.0).astype(np.float32)  # constant genes stay 0
        else:
            self.sd_ = np.ones(x.shape[1], dtype=np.float32)
        self.pca_ = PCA(self.n_components, random_state=self.seed).fit(self._standardise(x))
        return self

    def transform(self, x, rank=None):
        """Principal-component scores of the rows of ``x`` (the first ``rank`` of them)."""
        scores = self.pca_.transform(self._standardise(x)).astype(np.float32)
        return scores[:, :rank]

    def reconstruct(self, x, rank=None):
        """The rows of ``x`` rebuilt from ``rank`` components, back on the log scale."""
        rank = rank or self.n_components
        scores = self.transform(x, rank)
        z = scores @ self.pca_.components_[:rank] + self.pca_.mean_
        return z * self.sd_ + self.mean_


def choose_pca_rank(x, held_out, train_idx, val_idx, ranks=(4, 8, 16, 32), scale=False, seed=0):
    """The PCA rank that denoises the validation cells best: ``(rank, {rank: MCV loss})``.

    PCA is fitted on the training rows of ``x`` (one half of each cell's molecules), the
    validation rows are projected and rebuilt at each rank, and each reconstruction is scored
    against the validation cells' other half (``metrics.mcv_loss``). Labels are never read,
    and the training cells' held-out molecules, on which a denoiser is then scored, are never
    used: the choice is as blind as early stopping on a VAE's validation loss.
    """
    from course_lib.metrics import mcv_loss

    model = GenePCA(max(ranks), scale=scale, seed=seed).fit(np.asarray(x)[train_idx])
    x_val, held_val = np.asarray(x)[val_idx], held_out[val_idx]
    losses = {k: mcv_loss(model.reconstruct(x_val, k), held_val) for k in sorted(ranks)}
    return min(losses, key=losses.get), losses


def nonzero_mean(x):
    """Each gene's mean over the cells where it is non-zero (0 for a gene never seen)."""
    x = np.asarray(x)
    counts = (x > 0).sum(axis=0)
    return np.where(counts > 0, x.sum(axis=0) / np.maximum(counts, 1), 0.0).astype(np.float32)
