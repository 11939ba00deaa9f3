"""The course's rule for calling a difference between methods (course_lib.comparison)."""

import json

import numpy as np
import pytest

from course_lib import comparison


def test_a_gap_larger_than_twice_its_spread_counts():
    a, b = [0.60, 0.62, 0.61, 0.63, 0.60], [0.55, 0.56, 0.55, 0.57, 0.56]
    result = comparison.verdict(a, b, names=("VAE", "PCA"))
    assert result["verdict"] == "VAE ahead" and result["n"] == 5
    assert result["mean"] == pytest.approx(0.054)
    # lower is better (a loss): the same numbers put PCA ahead
    assert comparison.verdict(a, b, higher_is_better=False, names=("VAE", "PCA"))["verdict"] \
        == "PCA ahead"


def test_a_gap_inside_the_seed_spread_is_no_difference():
    a, b = [0.60, 0.52, 0.58, 0.49, 0.61], [0.55, 0.56, 0.55, 0.57, 0.56]
    assert comparison.verdict(a, b)["verdict"] == comparison.NO_DIFFERENCE
    assert comparison.verdict(b, b)["verdict"] == comparison.NO_DIFFERENCE


def test_the_pairing_is_by_seed():
    # the same two lists, B consistently 0.01 below A in every seed: a real if small gap,
    # although each method's own spread across seeds is ten times larger
    a = np.array([0.5, 0.6, 0.7, 0.4, 0.55])
    b = a - 0.01 + np.array([0.001, -0.001, 0.0, 0.001, -0.001])
    assert comparison.verdict(a, b, names=("A", "B"))["verdict"] == "A ahead"


def test_bad_input_is_refused_in_a_sentence():
    with pytest.raises(ValueError, match="per-seed"):
        comparison.verdict([0.1, 0.2], [0.1])
    with pytest.raises(ValueError, match="per-seed"):
        comparison.verdict([0.1], [0.2])


def test_stored_tables_are_read_as_mean_and_sd(tmp_path):
    seeds = {str(s): {"latent": {"PCA": {"asw": 0.1 + s / 100}, "VAE": {"asw": 0.2}}}
             for s in range(5)}
    store = tmp_path / "seeds.json"
    store.write_text(json.dumps({"kang": {"run": {}, "seeds": seeds}}))
    table = comparison.seed_table("kang", "latent", store=store)
    assert table.loc["PCA", ("asw", "mean")] == pytest.approx(0.12)
    assert table.loc["VAE", ("asw", "sd")] == pytest.approx(0.0)
    assert table.attrs["n"] == 5
    assert comparison.compare("kang", "latent", "VAE", "PCA", "asw",
                              store=store)["verdict"] == "VAE ahead"
    with pytest.raises(KeyError, match="make bench-seeds PART=scgen"):
        comparison.load("scgen", store=store)


def test_verdict_table_reads_one_line_per_pair(tmp_path):
    seeds = {str(s): {"mcv": {"PCA": {"loss": 0.010 + s / 1e4}, "VAE": {"loss": 0.012}}}
             for s in range(5)}
    store = tmp_path / "seeds.json"
    store.write_text(json.dumps({"kang": {"run": {}, "seeds": seeds}}))
    table = comparison.verdict_table("kang", "mcv", [("VAE", "PCA")], ("loss",), store=store)
    assert table.loc["VAE − PCA", "loss"].endswith(": PCA ahead")
    assert table.index.name == "A − B over 5 seeds"


def test_errors_and_distances_are_lower_is_better():
    for score in ("loss", "mae_top", "median_abs_error", "mmd", "rf_auc"):
        assert comparison.lower_is_better(score)
    for score in ("asw", "nmi", "ari", "r2_top", "ilisi"):
        assert not comparison.lower_is_better(score)
