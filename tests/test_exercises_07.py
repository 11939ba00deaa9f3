"""Checks of notebook 07's exercises: scGen in four steps and another held-out cell type."""

from types import SimpleNamespace

import anndata as ad
import numpy as np
import pandas as pd
import pytest

from course_lib import latent, metrics, models
from course_lib.exercises import CHECK_FAILED, CORRECT, NOT_ANSWERED, NOT_YET
from course_lib.exercises import perturbation as ex

TYPES = ["CD4T", "B", "NK", "Mono"]


@pytest.fixture(scope="module")
def kang_like():
    """Codes, labels and a small decoder: four types, two conditions, CD4T stimulated held out."""
    rng = np.random.default_rng(0)
    sizes = {"CD4T": 60, "B": 20, "NK": 30, "Mono": 50}
    cell_type = np.concatenate([[t] * (2 * n) for t, n in sizes.items()])
    condition = np.concatenate([["control"] * n + ["stimulated"] * n for n in sizes.values()])
    centre = {t: rng.normal(0, 2, 4) for t in TYPES}
    response = {t: np.array([1.0, 0.5, 0, 0]) + rng.normal(0, 0.3, 4) for t in TYPES}
    z = np.array([centre[t] + (c == "stimulated") * response[t]
                  for t, c in zip(cell_type, condition)]) + rng.normal(0, 0.1, (len(cell_type), 4))
    vae = models.build_vae(12, latent_dim=4, hidden=(8,), activation="elu",
                           output_activation="relu", likelihood="gaussian")
    x = vae.decode(z) + rng.gamma(1.0, 0.1, (len(z), 12)).astype("float32")
    held_out = "CD4T"
    is_held_out = (cell_type == held_out) & (condition == "stimulated")
    is_control = (cell_type == held_out) & (condition == "control")
    return SimpleNamespace(z=z, x=x, vae=vae, cell_type=cell_type, condition=condition,
                           held_out=held_out, is_held_out=is_held_out, is_control=is_control,
                           top=np.arange(12) < 4)


def _delta(d):
    return latent.perturbation_vector(d.z, d.condition, d.cell_type, rows=~d.is_held_out)


def _check_delta(d, answer):
    return ex.check_stimulation_vector(answer, d.z, d.cell_type, d.condition, d.held_out)


def test_stimulation_vector_right_answer_and_none(kang_like):
    d = kang_like
    assert _check_delta(d, _delta(d)).status == CORRECT
    assert _check_delta(d, list(_delta(d))).status == CORRECT  # a list is fine
    assert _check_delta(d, None).status == NOT_ANSWERED


@pytest.mark.parametrize("mistake, words", [
    ("sign", "sign is flipped"),
    ("leak", "held-out stimulated CD4 T cells went into delta"),
    ("pooled", "plain means"),
    ("pooled_all", "plain means"),
    ("held_controls", "control CD4 T cells went into the control mean"),
    ("genes", "vector over genes"),
    ("per_cell", "one per cell"),
    ("short", "latent dimensions"),
    ("other", "differs from the balanced stimulation vector"),
    ("nan", "NaN"),
    ("text", "NumPy array"),
    ("function", "NumPy array"),
    ("matrix", "dimension"),
])
def test_stimulation_vector_mistakes_are_explained(kang_like, mistake, words):
    d = kang_like
    stim, ctrl, train = d.condition == "stimulated", d.condition == "control", ~d.is_held_out
    answers = {
        "sign": -_delta(d),
        "leak": latent.perturbation_vector(d.z, d.condition, d.cell_type),
        "pooled": d.z[train & stim].mean(0) - d.z[train & ctrl].mean(0),
        "pooled_all": d.z[stim].mean(0) - d.z[ctrl].mean(0),
        "held_controls": (latent.balanced_mean(d.z, d.cell_type, train & stim)
                          - latent.balanced_mean(d.z, d.cell_type, ctrl)),
        "genes": latent.perturbation_vector(d.x, d.condition, d.cell_type, rows=train),
        "per_cell": np.zeros(len(d.z)),
        "short": _delta(d)[:2],
        "other": _delta(d) + 0.5,
        "nan": np.full(4, np.nan),
        "text": "stimulated minus control",
        "function": lambda: 0,
        "matrix": np.ones((3, 4)),
    }
    feedback = _check_delta(d, answers[mistake])
    assert feedback.status == NOT_YET, feedback.message
    assert words in feedback.message, feedback.message


def _check_prediction(d, answer, delta=None):
    delta = _delta(d) if delta is None else delta
    return ex.check_prediction(answer, delta, d.vae, d.z, d.x, d.is_control, d.is_held_out)


def test_prediction_right_answer_and_none(kang_like):
    d = kang_like
    right = d.vae.decode(d.z[d.is_control] + _delta(d))
    assert _check_prediction(d, right).status == CORRECT
    # a wrong delta of step 1 is not blamed twice: the shift of the student's own delta counts
    other = _delta(d) * 2
    assert _check_prediction(d, d.vae.decode(d.z[d.is_control] + other), other).passed
    assert _check_prediction(d, None).status == NOT_ANSWERED


@pytest.mark.parametrize("mistake, words", [
    ("codes", "shifted codes"),
    ("all_cells", "every one of the"),
    ("unshifted", "without the shift"),
    ("minus", "-delta"),
    ("gene_space", "arithmetic in gene space"),
    ("after_decoding", "arithmetic in gene space"),
    ("wrong_rows", "one row per control CD4 T cell"),
    ("noise", "differs from decoding"),
    ("nan", "NaN"),
    ("vector", "dimension"),
    ("text", "NumPy array"),
])
def test_prediction_mistakes_are_explained(kang_like, mistake, words):
    d = kang_like
    delta, codes = _delta(d), d.z[d.is_control]
    gene_delta = latent.perturbation_vector(d.x, d.condition, d.cell_type, rows=~d.is_held_out)
    right = d.vae.decode(codes + delta)
    answers = {
        "codes": codes + delta,
        "all_cells": d.vae.decode(d.z + delta),
        "unshifted": d.vae.decode(codes),
        "minus": d.vae.decode(codes - delta),
        "gene_space": np.clip(d.x[d.is_control] + gene_delta, 0, None),
        "after_decoding": d.vae.decode(codes) + gene_delta,
        "wrong_rows": right[:10],
        "noise": right + np.random.default_rng(1).normal(0, 0.5, right.shape),
        "nan": np.full_like(right, np.nan),
        "vector": right[0],
        "text": "predicted",
    }
    feedback = _check_prediction(d, answers[mistake])
    assert feedback.status == NOT_YET, feedback.message
    assert words in feedback.message, feedback.message


def test_prediction_needs_a_valid_delta(kang_like):
    d = kang_like
    right = d.vae.decode(d.z[d.is_control] + _delta(d))
    for delta in (None, "delta", np.ones(7)):
        feedback = ex.check_prediction(right, delta, d.vae, d.z, d.x, d.is_control, d.is_held_out)
        assert feedback.status == NOT_YET and "fix step 1 first" in feedback.message


def _scores(d):
    predicted = d.vae.decode(d.z[d.is_control] + _delta(d))
    real = d.x[d.is_held_out]
    return predicted, real


def test_r2_right_answer_and_none(kang_like):
    d = kang_like
    predicted, real = _scores(d)
    r2_all, r2_top = metrics.r2_mean(predicted, real), metrics.r2_mean(predicted, real, d.top)
    right = ex.check_r2(r2_all, r2_top, predicted, real, d.top)
    assert right.status == CORRECT, right.message
    assert ex.check_r2(np.float32(r2_all), np.array(r2_top), predicted, real, d.top).passed
    assert ex.check_r2(None, None, predicted, real, d.top).status == NOT_ANSWERED
    partly = ex.check_r2(r2_all, None, predicted, real, d.top)
    assert partly.status == NOT_YET and "`r2_top`" in partly.message


@pytest.mark.parametrize("mistake, words", [
    ("pearson", "Pearson's r"),
    ("determination", "coefficient of determination"),
    ("swapped", "swapped"),
    ("not_top", "outside top"),
    ("cells", "values of single cells"),
    ("typed", "does not match"),
    ("text", "one number"),
    ("bool", "one number"),
    ("nan", "finite"),
    ("huge", "too large"),
])
def test_r2_mistakes_are_explained(kang_like, mistake, words):
    d = kang_like
    predicted, real = _scores(d)
    r2_all, r2_top = metrics.r2_mean(predicted, real), metrics.r2_mean(predicted, real, d.top)
    p, r = predicted.mean(0)[d.top], real.mean(0)[d.top]
    m = min(len(predicted), len(real))
    answers = {
        "pearson": np.corrcoef(p, r)[0, 1],
        "determination": 1 - np.sum((r - p) ** 2) / np.sum((r - r.mean()) ** 2),
        "swapped": r2_all,
        "not_top": metrics.r2_mean(predicted, real, ~d.top),
        "cells": np.corrcoef(predicted[:m][:, d.top].ravel(), real[:m][:, d.top].ravel())[0, 1] ** 2,
        "typed": 0.95,
        "text": "0.95",
        "bool": True,
        "nan": float("nan"),
        "huge": 10 ** 400,
    }
    feedback = ex.check_r2(r2_all if mistake != "swapped" else r2_top, answers[mistake],
                           predicted, real, d.top)
    assert feedback.status == NOT_YET, feedback.message
    assert words in feedback.message, feedback.message


def test_r2_needs_the_prediction_first(kang_like):
    d = kang_like
    _, real = _scores(d)
    feedback = ex.check_r2(0.9, 0.9, None, real, d.top)
    assert feedback.status == NOT_YET and "finish those steps first" in feedback.message
    wrong = ex.check_r2(0.9, 0.9, np.ones((5, 3)), real, d.top)
    assert wrong.status == NOT_YET and "one column per gene" in wrong.message


def _kang_adata():
    obs = pd.DataFrame({"cell_type": np.repeat(["CD4T", "B", "NK"], 4),
                        "condition": np.tile(["control", "stimulated"], 6)},
                       index=[f"c{i}" for i in range(12)])
    return ad.AnnData(np.zeros((12, 3), dtype="float32"), obs=obs)


def _result(held_out="B", leak=False, r2=None):
    adata = _kang_adata()
    held = ((adata.obs["cell_type"] == held_out) & (adata.obs["condition"] == "stimulated"))
    train = ~held.to_numpy()
    if leak:
        train[:] = True
    r2 = r2 or {"vae_all": 0.95, "vae_top": 0.9, "gene_space_top": 0.85, "control_all": 0.8}
    return SimpleNamespace(held_out=held_out, train_cells=train, r2=r2)


def test_other_cell_type_checks():
    adata = _kang_adata()
    good = ex.check_other_cell_type(_result(), adata)
    assert good.status == CORRECT and "0.962" in good.message  # the paper's value for B
    assert ex.check_other_cell_type(None, adata).status == NOT_ANSWERED
    cases = {
        "pick another": _result("CD4T"),
        "out of sample": _result(leak=True),
        "did the model train": _result(r2={"vae_all": 0.5, "vae_top": 0.5,
                                           "gene_space_top": 0.5, "control_all": 0.8}),
        "not a cell type": _result("T cells"),
        "expected the result": 42,
        "missing or not in [0, 1]": _result(r2={"vae_all": float("nan")}),
        "another AnnData": SimpleNamespace(held_out="B", train_cells=np.ones(5, bool), r2={}),
    }
    for words, answer in cases.items():
        feedback = ex.check_other_cell_type(answer, adata)
        assert feedback.status == NOT_YET and words in feedback.message, feedback.message
        assert feedback.status != CHECK_FAILED
