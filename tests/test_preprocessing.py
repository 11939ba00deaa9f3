"""From counts and images to Keras arrays (course_lib.preprocessing)."""

import anndata as ad
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from course_lib import preprocessing as pp


def _counts(n_cells=60, n_genes=50, seed=0):
    rng = np.random.default_rng(seed)
    means = rng.gamma(0.5, 4.0, size=n_genes)
    depth = rng.uniform(0.5, 2.0, size=(n_cells, 1))
    counts = rng.poisson(means * depth).astype(np.int32)
    counts[:, 0] += 1  # no empty cell
    return ad.AnnData(sp.csr_matrix(counts),
                      obs=pd.DataFrame(index=[f"c{i}" for i in range(n_cells)]),
                      var=pd.DataFrame(index=[f"g{i}" for i in range(n_genes)]))


def test_flatten_images_scales_to_unit_interval():
    images = np.array([[[0, 255], [128, 64]]], dtype=np.uint8)
    flat = pp.flatten_images(images)
    assert flat.shape == (1, 4) and flat.dtype == np.float32
    np.testing.assert_allclose(flat, [[0, 1, 128 / 255, 64 / 255]])


def test_flatten_images_as_a_backend_tensor_has_the_same_values():
    import keras

    images = np.array([[[0, 255], [51, 102]]], dtype=np.uint8)
    flat = pp.flatten_images(images, tensor=True)
    assert keras.ops.is_tensor(flat) and keras.backend.standardize_dtype(flat.dtype) == "float32"
    np.testing.assert_allclose(keras.ops.convert_to_numpy(flat), pp.flatten_images(images), atol=1e-7)


def test_log_normalize_is_library_size_then_log1p_and_keeps_counts():
    adata = _counts()
    out = pp.log_normalize(adata, target_sum=1e4)
    x = pp.dense_matrix(out)
    counts = adata.X.toarray()
    expected = np.log1p(counts / counts.sum(1, keepdims=True) * 1e4)
    np.testing.assert_allclose(x, expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.expm1(x).sum(1), 1e4, rtol=1e-4)
    np.testing.assert_array_equal(pp.dense_matrix(out, layer="counts"), counts)
    assert sp.issparse(adata.X) and adata.X.dtype == np.int32  # the input is not modified


def test_log_normalize_keeps_the_most_variable_genes():
    out = pp.log_normalize(_counts(n_genes=80), hvg=20)
    assert out.n_vars == 20 and out.var["highly_variable"].all()


def test_dense_matrix_handles_sparse_and_dense():
    adata = _counts()
    dense = pp.dense_matrix(adata)
    assert isinstance(dense, np.ndarray) and dense.dtype == np.float32
    adata.X = adata.X.toarray()
    np.testing.assert_array_equal(pp.dense_matrix(adata), dense)


def test_train_val_split_is_seeded_disjoint_and_complete():
    train, val = pp.train_val_split(100, val_fraction=0.2, seed=3)
    assert len(val) == 20 and len(train) == 80
    assert set(train).isdisjoint(val) and set(train) | set(val) == set(range(100))
    again = pp.train_val_split(100, val_fraction=0.2, seed=3)
    np.testing.assert_array_equal(again[1], val)
    assert not np.array_equal(pp.train_val_split(100, 0.2, seed=4)[1], val)


def test_pca_coords_shape_and_variance_order():
    x = np.random.default_rng(0).normal(size=(100, 10)) * np.arange(10, 0, -1)
    scores = pp.pca_coords(x, n_components=3)
    assert scores.shape == (100, 3)
    assert np.all(np.diff(scores.var(0)) < 0)


def test_pca_project_scores_reference_and_query_in_one_space():
    x = np.random.default_rng(1).normal(size=(80, 12)) * np.arange(12, 0, -1)
    reference, first, last = pp.pca_project(x, x[:5], x[-2:], n_components=3)
    assert reference.shape == (80, 3) and first.shape == (5, 3) and last.shape == (2, 3)
    np.testing.assert_allclose(first, reference[:5], atol=1e-8)
    np.testing.assert_allclose(last, reference[-2:], atol=1e-8)


def test_kang_scgen_pipeline_gives_keras_ready_arrays(mirror, monkeypatch):
    from course_lib import data

    monkeypatch.setenv("DGN_DATA_MIRROR", str(mirror))
    kang = pp.log_normalize(data.load_kang_scgen())
    x = pp.dense_matrix(kang)
    assert x.shape == (1975, 6998) and x.dtype == np.float32 and x.min() >= 0
    np.testing.assert_allclose(np.expm1(x[:5]).sum(1), 1e4, rtol=1e-3)
    assert set(kang.obs["condition"]) == {"control", "stimulated"}
    assert kang.obs["cell_type"].nunique() == 7
    assert pytest.approx(1e4, rel=1e-3) == float(np.expm1(x[0]).sum())


def test_umap_does_not_pull_tensorflow_into_another_backend():
    import subprocess
    import sys

    code = ("import sys; from course_lib.preprocessing import import_umap; "
            "umap = import_umap(); assert hasattr(umap, 'UMAP'); "
            "assert 'tensorflow' not in sys.modules, 'umap imported TensorFlow'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_cache_numba_functions_keeps_compiled_code_on_disk(tmp_path):
    import os
    import subprocess
    import sys

    (tmp_path / "jitted.py").write_text("import numba\n\n@numba.njit\ndef double(x):\n"
                                        "    return 2 * x\n")
    code = ("import jitted; from course_lib.preprocessing import cache_numba_functions; "
            "cache_numba_functions('jitted'); assert jitted.double(2) == 4")
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "NUMBA_CACHE_DIR": str(tmp_path / "cache")}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
    assert list((tmp_path / "cache").rglob("*.nbi")), "numba wrote no cache index"


def test_split_molecules_gives_two_binomial_halves_that_add_up():
    import anndata
    import scipy.sparse as sp

    from course_lib.preprocessing import split_molecules

    counts = np.random.default_rng(1).poisson(20.0, size=(300, 40)).astype("float32")
    cells = anndata.AnnData(sp.csr_matrix(counts))
    first, second = split_molecules(cells, fraction=0.3, seed=0)
    a, b = first.X.toarray(), second.X.toarray()
    np.testing.assert_array_equal(a + b, counts)
    assert (a >= 0).all() and (b >= 0).all()
    assert abs(a.sum() / counts.sum() - 0.3) < 0.01
    # binomial thinning: the halves of a Poisson are independent Poissons
    assert abs(np.corrcoef(a.ravel(), b.ravel())[0, 1]) < 0.03
    again, _ = split_molecules(cells, fraction=0.3, seed=0)
    np.testing.assert_array_equal(again.X.toarray(), a)
    with pytest.raises(ValueError, match="raw counts"):
        split_molecules(anndata.AnnData(sp.csr_matrix(np.log1p(counts))))
