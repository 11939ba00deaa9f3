"""Checks of notebook 06's exercises: right, wrong, missing and broken answers."""

from types import SimpleNamespace

import anndata as ad
import numpy as np
import pandas as pd
import pytest

from course_lib import latent, metrics
from course_lib.exercises import singlecell as ex

RNG = np.random.default_rng(0)


@pytest.fixture(scope="module")
def batch_data():
    lines = np.array(["A"] * 30 + ["B"] * 30 + ["C"] * 20 + ["A"] * 10 + ["B"] * 40)
    batches = np.array(["ref"] * 80 + ["sc_dropseq"] * 50)
    centre = {"A": [0.0, 0, 0], "B": [4.0, 0, 0], "C": [0.0, 4, 0]}
    z = np.array([centre[c] for c in lines]) + RNG.normal(0, 0.1, (130, 3))
    z[batches == "sc_dropseq"] += [0.0, 0.0, 2.0]
    return z, batches, lines


def test_batch_vector_right_answer_passes(batch_data):
    z, batches, lines = batch_data
    right = latent.batch_shift(z, batches, "ref", labels=lines)[1]["sc_dropseq"]
    feedback = ex.check_batch_vector(list(right), z, batches, lines, "ref")
    assert feedback.passed is True, feedback.message


@pytest.mark.parametrize("mistake, words", [
    ("sign", "sign is flipped"),
    ("naive", "plain difference"),
    ("unbalanced", "each cell is weighted equally"),
    ("shape", "expected 3 numbers"),
    ("text", "expected an array"),
])
def test_batch_vector_mistakes_are_explained(batch_data, mistake, words):
    z, batches, lines = batch_data
    right = latent.batch_shift(z, batches, "ref", labels=lines)[1]["sc_dropseq"]
    here, ref = batches == "sc_dropseq", batches == "ref"
    shared = np.isin(lines, ["A", "B"])
    answers = {"sign": -right, "naive": z[ref].mean(0) - z[here].mean(0),
               "unbalanced": z[ref & shared].mean(0) - z[here & shared].mean(0),
               "shape": right[:2], "text": "a vector"}
    feedback = ex.check_batch_vector(answers[mistake], z, batches, lines, "ref")
    assert feedback.passed is False and words in feedback.message


def test_batch_vector_none_is_not_answered(batch_data):
    z, batches, lines = batch_data
    assert ex.check_batch_vector(None, z, batches, lines, "ref").passed is None


@pytest.fixture(scope="module")
def small_model():
    x = np.vstack([RNG.gamma(1.0, 1.0, (40, 20)) + 3 * (np.arange(20) < 10),
                   RNG.gamma(1.0, 1.0, (40, 20)) + 3 * (np.arange(20) >= 10)]).astype("float32")
    labels = np.repeat(["L1", "L2"], 40)
    vae, _, _ = latent.train_sc_vae(x, epochs=2, batch_size=32, latent_dim=4, hidden=(8,),
                                    progress=False)
    return vae, x, labels


def test_small_latent_checks(small_model):
    vae, x, labels = small_model
    scores = metrics.latent_quality(vae.encode(x), labels)
    assert ex.check_small_latent(vae, scores, x, labels).passed is True
    assert ex.check_small_latent(None, scores, x, labels).passed is None
    wrong_size = ex.check_small_latent(vae, scores, x, labels, latent_dim=8)
    assert wrong_size.passed is False and "4 dimensions" in wrong_size.message
    missing = ex.check_small_latent(vae, None, x, labels)
    assert missing.passed is False and "latent_quality" in missing.message
    off = dict(scores, ari=scores["ari"] - 0.5)
    assert ex.check_small_latent(vae, off, x, labels).passed is False
    assert ex.check_small_latent("model", scores, x, labels).passed is False


def _kang_like():
    obs = pd.DataFrame({"cell_type": np.repeat(["CD4T", "B", "NK"], 4),
                        "condition": np.tile(["control", "stimulated"], 6)},
                       index=[f"c{i}" for i in range(12)])
    return ad.AnnData(np.zeros((12, 3), dtype="float32"), obs=obs)


def _result(held_out="B", leak=False, r2=None):
    adata = _kang_like()
    held = ((adata.obs["cell_type"] == held_out) & (adata.obs["condition"] == "stimulated"))
    train = ~held.to_numpy()
    if leak:
        train[:] = True
    r2 = r2 or {"vae_all": 0.95, "vae_top": 0.9, "gene_space_top": 0.85, "control_all": 0.8}
    return SimpleNamespace(held_out=held_out, train_cells=train, r2=r2)


def test_other_cell_type_checks():
    adata = _kang_like()
    good = ex.check_other_cell_type(_result(), adata)
    assert good.passed is True and "0.962" in good.message  # the paper's value for B
    assert ex.check_other_cell_type(None, adata).passed is None
    same = ex.check_other_cell_type(_result("CD4T"), adata)
    assert same.passed is False and "pick another" in same.message
    leak = ex.check_other_cell_type(_result(leak=True), adata)
    assert leak.passed is False and "out of sample" in leak.message
    bad = _result(r2={"vae_all": 0.5, "vae_top": 0.5, "gene_space_top": 0.5, "control_all": 0.8})
    assert ex.check_other_cell_type(bad, adata).passed is False
    assert ex.check_other_cell_type(_result("T cells"), adata).passed is False
    assert ex.check_other_cell_type(42, adata).passed is False
