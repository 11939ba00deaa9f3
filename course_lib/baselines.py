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
    them to any rows, so validation cells are projected, not fitted. Both work through
    ``chunk`` rows at a time: a cells x genes matrix is 50 MB for 2,000 cells, and a kernel
    on Binder cannot hold many transient copies of it.
    """

    def __init__(self, n_components=32, scale=False, max_value=10.0, seed=0, chunk=500):
        self.n_components, self.scale, self.max_value, self.seed, self.chunk = (
            n_components, scale, max_value, seed, chunk)

    def _centred(self, x):
        """Rows of ``x`` standardised as in fitting and centred on the PCA's mean (a copy)."""
        z = (np.asarray(x, dtype=np.float32) - self.mean_) / self.sd_
        if self.scale:
            np.clip(z, -self.max_value, self.max_value, out=z)
        z -= self.pca_mean_
        return z

    def fit(self, x):
        """Learn means, scales and components from the rows of ``x``; returns self."""
        from sklearn.decomposition import PCA

        x = np.asarray(x, dtype=np.float32)
        self.mean_ = x.mean(axis=0)
        z = x - self.mean_  # the one copy of x that fitting makes; the rest is done in place
        self.sd_ = np.ones(x.shape[1], dtype=np.float32)
        if self.scale:
            # sc.pp.scale's unbiased variance; einsum sums the squares without a squared copy
            sd = np.sqrt(np.einsum("ij,ij->j", z, z) / (len(z) - 1))
            self.sd_ = np.where(sd > 0, sd, 1.0).astype(np.float32)  # constant genes stay 0
            z /= self.sd_
            # sc.pp.scale clips at +-max_value after centring: one very rare gene must not
            # dominate the components
            np.clip(z, -self.max_value, self.max_value, out=z)
        # copy=False: PCA centres z in place (a no-op unless clipping moved the means)
        pca = PCA(self.n_components, random_state=self.seed, copy=False).fit(z)
        self.components_ = pca.components_.astype(np.float32)
        self.pca_mean_ = pca.mean_.astype(np.float32)
        return self

    def _rows(self, x):
        """``x`` in blocks of ``self.chunk`` rows."""
        for start in range(0, len(x), self.chunk):
            yield x[start:start + self.chunk]

    def transform(self, x, rank=None):
        """Principal-component scores of the rows of ``x`` (the first ``rank`` of them)."""
        components = self.components_[:rank]
        return np.concatenate([self._centred(block) @ components.T for block in self._rows(x)])

    def reconstruct(self, x, rank=None):
        """The rows of ``x`` rebuilt from ``rank`` components, back on the log scale."""
        components = self.components_[:rank or self.n_components]
        out = np.empty((len(x), components.shape[1]), dtype=np.float32)
        start = 0
        for block in self._rows(x):
            rebuilt = out[start:start + len(block)]
            np.matmul(self._centred(block) @ components.T, components, out=rebuilt)
            rebuilt += self.pca_mean_  # undo each step of _centred, in place
            rebuilt *= self.sd_
            rebuilt += self.mean_
            start += len(block)
        return out


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
