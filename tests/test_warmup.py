"""Setup's warm-up (course_lib.warmup)."""


def test_compile_numba_code_fills_the_cache_the_notebooks_read(tmp_path):
    """Setup compiles, into numba's cache, the functions whose first compile cost a notebook
    20-40 s and 300-400 MB: scanpy's normalisation, HVGs and ranking, UMAP's layout."""
    import os
    import subprocess
    import sys

    code = "from course_lib.warmup import compile_numba_code; compile_numba_code()"
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
    cached = {path.name.split("-")[0] for path in tmp_path.rglob("*.nbi")}
    for name in ("_normalization._normalize_csr", "_utils.sparse_mean_var_minor_axis",
                 "_rank_genes_groups.rankdata", "umap_.smooth_knn_dist",
                 "layouts._optimize_layout_euclidean_single_epoch", "distances.euclidean"):
        assert name in cached, f"{name} was not compiled into the cache"
    euclidean = [p for p in tmp_path.rglob("distances.euclidean-*.nbc") if "umap" in str(p)]
    assert len(euclidean) == 2, "UMAP's layout of a graph in pieces (float64) was not compiled"
