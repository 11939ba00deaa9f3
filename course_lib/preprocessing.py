"""From raw data to arrays a Keras model can eat: images and single-cell counts."""

import functools

import numpy as np


def flatten_images(images, tensor=False):
    """uint8 images (n, h, w) -> float32 rows (n, h*w) scaled to [0, 1].

    ``tensor=True`` returns a backend tensor, converted from the small uint8 array. That saves
    memory for a large training set: ``fit`` and ``predict`` then use the tensor as it is
    instead of copying a float NumPy array on every call.
    """
    if not tensor:
        return images.reshape(len(images), -1).astype("float32") / 255.0
    from keras import ops

    return ops.cast(ops.convert_to_tensor(images.reshape(len(images), -1)), "float32") / 255.0


def log_normalize(adata, target_sum=1e4, hvg=None):
    """Library-size normalise, log1p, and optionally keep the ``hvg`` most variable genes.

    ``target_sum=None`` scales every cell to the median library size instead of a fixed
    total. Works on a copy; raw counts stay in ``layers["counts"]``. Uses scanpy's
    ``normalize_total``/``log1p`` and the Seurat-flavour ``highly_variable_genes``.
    Freed memory (e.g. from parsing the input) is returned to the OS afterwards.
    """
    import scanpy as sc

    from course_lib.memory import release_memory

    adata = adata.copy()
    adata.layers["counts"] = adata.X.copy()
    sc.pp.normalize_total(adata, target_sum=target_sum)
    sc.pp.log1p(adata)
    if hvg:
        sc.pp.highly_variable_genes(adata, n_top_genes=hvg, flavor="seurat")
        adata = adata[:, adata.var["highly_variable"]].copy()
    release_memory()
    return adata


def dense_matrix(adata, layer=None):
    """Cells x genes float32 array of ``X`` (or a layer), for Keras."""
    import scipy.sparse as sp

    matrix = adata.layers[layer] if layer else adata.X
    if sp.issparse(matrix):  # toarray already made a new array: cast it without a second copy
        return matrix.toarray().astype("float32", copy=False)
    return np.array(matrix, dtype="float32")  # always a copy, never a view of adata.X


def split_molecules(adata, fraction=0.5, seed=0):
    """Split every cell's molecules at random into two count matrices (Batson et al. 2019).

    Each UMI goes to the first half with probability ``fraction``: the first half is
    ``Binomial(counts, fraction)``, the second the rest. The halves are independent samples
    of the same cells, so a model fitted on one can be scored on the other (molecular
    cross-validation). Returns two AnnData objects with the obs and var of ``adata``.
    """
    import anndata
    import scipy.sparse as sp

    counts = sp.csr_matrix(adata.X)
    if counts.nnz and (counts.data.min() < 0 or not np.all(np.mod(counts.data, 1) == 0)):
        raise ValueError("split_molecules needs raw counts (non-negative integers) in adata.X")
    rng = np.random.default_rng(seed)
    first = counts.copy()
    first.data = rng.binomial(counts.data.astype(np.int64), fraction).astype(counts.dtype)
    second = counts - first
    for matrix in (first, second):
        matrix.eliminate_zeros()
    # new objects from obs and var only: a copy of adata would copy its counts too, and keep
    # layers that no longer match either half
    return tuple(anndata.AnnData(matrix, obs=adata.obs.copy(), var=adata.var.copy())
                 for matrix in (first, second))


def train_val_split(n, val_fraction=0.1, seed=0):
    """Seeded random split of ``range(n)`` into train and validation index arrays."""
    order = np.random.default_rng(seed).permutation(n)
    n_val = int(round(n * val_fraction))
    return np.sort(order[n_val:]), np.sort(order[:n_val])


def pca_coords(x, n_components=32, seed=0):
    """Principal-component scores of the rows of ``x`` (centred, not scaled), float32."""
    from sklearn.decomposition import PCA

    return PCA(n_components, random_state=seed).fit_transform(np.asarray(x)).astype("float32")


def pca_project(x_reference, *queries, n_components=2, seed=0):
    """PCA fitted on ``x_reference``: scores of the reference rows, then of each query array.

    Queries are projected one by one, so they need not be stacked into one large copy.
    """
    from sklearn.decomposition import PCA

    pca = PCA(n_components, random_state=seed)
    reference_scores = pca.fit_transform(np.asarray(x_reference))  # one centred copy, not two
    return (reference_scores, *(pca.transform(np.asarray(query)) for query in queries))


def import_umap():
    """The umap module, without letting it import TensorFlow into a kernel that has none.

    umap imports its ParametricUMAP, and with it TensorFlow (~550 MB), whenever TensorFlow
    is installed; a kernel on the JAX backend has no use for it.
    """
    import sys

    if "tensorflow" not in sys.modules:
        sys.modules.setdefault("umap.parametric_umap", None)  # None means "cannot be imported"
    import umap

    cache_numba_functions("umap")
    return umap


@functools.cache  # once per package and process: umap_coords imports umap on every call
def cache_numba_functions(package):
    """Let numba keep the compiled code of ``package``'s jitted functions on disk.

    umap does not ask for numba's cache, so every new kernel spent 15-20 s compiling the
    same functions again; with the cache only the first kernel on a machine pays for it.
    """
    import sys

    from numba.core.registry import CPUDispatcher

    for name, module in list(sys.modules.items()):
        if module is not None and (name == package or name.startswith(package + ".")):
            for function in vars(module).values():
                if isinstance(function, CPUDispatcher):
                    function.enable_caching()


def umap_coords(x, n_neighbors=15, min_dist=0.3, seed=0):
    """2-D UMAP of the rows of ``x``; seeded, hence single-threaded and reproducible.

    The first call on a new machine compiles UMAP's numba code (about 20 s), once; setup
    does that ahead of time (``warmup.compile_numba_code``).
    """
    import warnings

    umap = import_umap()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "n_jobs overridden by random_state" and numba notes
        reducer = umap.UMAP(n_neighbors=n_neighbors, min_dist=min_dist, random_state=seed)
        return reducer.fit_transform(np.asarray(x, dtype="float32"))


def top_de_genes(adata, group_key, group, reference, n=100):
    """Top ``n`` genes up in ``group`` vs ``reference`` by scanpy's Wilcoxon score (as scGen)."""
    import warnings

    import scanpy as sc

    sub = adata[adata.obs[group_key].astype(str).isin([group, reference])].copy()
    sub.obs[group_key] = sub.obs[group_key].astype(str).astype("category")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sc.tl.rank_genes_groups(sub, group_key, groups=[group], reference=reference,
                                                method="wilcoxon", n_genes=n)
    return [str(g) for g in sub.uns["rank_genes_groups"]["names"][group]]
