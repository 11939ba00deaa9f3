"""From raw data to arrays a Keras model can eat: images and single-cell counts."""

import numpy as np


def flatten_images(images):
    """uint8 images (n, h, w) -> float32 rows (n, h*w) scaled to [0, 1]."""
    return images.reshape(len(images), -1).astype("float32") / 255.0


def log_normalize(adata, target_sum=1e4, hvg=None):
    """Library-size normalise, log1p, and optionally keep the ``hvg`` most variable genes.

    Works on a copy; raw counts stay in ``layers["counts"]``. Uses scanpy's
    ``normalize_total``/``log1p`` and the Seurat-flavour ``highly_variable_genes``.
    """
    import scanpy as sc

    adata = adata.copy()
    adata.layers["counts"] = adata.X.copy()
    sc.pp.normalize_total(adata, target_sum=target_sum)
    sc.pp.log1p(adata)
    if hvg:
        sc.pp.highly_variable_genes(adata, n_top_genes=hvg, flavor="seurat")
        adata = adata[:, adata.var["highly_variable"]].copy()
    return adata


def dense_matrix(adata, layer=None):
    """Cells x genes float32 array of ``X`` (or a layer), for Keras."""
    import scipy.sparse as sp

    matrix = adata.layers[layer] if layer else adata.X
    matrix = matrix.toarray() if sp.issparse(matrix) else np.asarray(matrix)
    return matrix.astype("float32")


def train_val_split(n, val_fraction=0.1, seed=0):
    """Seeded random split of ``range(n)`` into train and validation index arrays."""
    order = np.random.default_rng(seed).permutation(n)
    n_val = int(round(n * val_fraction))
    return np.sort(order[n_val:]), np.sort(order[:n_val])
