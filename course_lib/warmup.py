"""Setup's warm-up: compile once, at install time, the numba code the notebooks would compile.

Called by ``make setup`` and Binder's postBuild
(``python -c 'from course_lib.warmup import compile_numba_code; compile_numba_code()'``),
never by a notebook.
"""

import numpy as np

from course_lib.preprocessing import log_normalize, top_de_genes, umap_coords


def compile_numba_code():
    """Compile, into numba's on-disk cache, every numba function the notebooks call.

    Run once by setup (``make setup``, Binder's postBuild). Compiling in a notebook costs a
    student 20-40 s in front of a silent cell, and LLVM holds 300-400 MB while it works: in a
    fresh install a kernel that compiles peaks that much higher than the same kernel run
    again. Small synthetic inputs of the notebooks' types reach the same code paths: scanpy's
    normalisation, highly variable genes and Wilcoxon ranking on float32 counts, and UMAP
    on float32 coordinates (every notebook embeds fewer than 4,096 cells, UMAP's exact
    neighbour search) of cells in separate groups.
    """
    import anndata
    import pandas as pd
    import scipy.sparse as sp

    rng = np.random.default_rng(0)
    counts = sp.csr_matrix(rng.poisson(1.0, size=(200, 50)).astype("float32"))
    cells = anndata.AnnData(counts, obs=pd.DataFrame(
        {"group": np.repeat(["a", "b"], 100)}, index=[f"c{i}" for i in range(200)]))
    cells.var_names = [f"g{i}" for i in range(50)]
    cells = log_normalize(cells, target_sum=None, hvg=20)
    top_de_genes(cells, "group", "b", "a", n=5)
    # five far-apart groups, like CellBench's cell lines: UMAP lays out a graph in more than
    # four pieces from the distances between their centroids, another compiled function
    umap_coords(rng.random((300, 8)) + np.repeat(np.eye(5, 8) * 100, 60, axis=0))
