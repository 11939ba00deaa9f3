"""The benchmark's arithmetic (benchmarks/run.py, calibrate.py, flop_rate.py).

Running the notebooks and the reference work is `make bench`'s job; here only the figures
derived from them: units, the slowest machine seen, the projected budgets, counted FLOPs.
"""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import calibrate
import flop_rate
import run as bench


def _document(epoch_start, epoch_end, notebooks, date="2026-12-07"):
    calibration = {"gemm_gflops": 100.0, "mlp_gflops": 20.0}
    return {"backend": "tensorflow", "date": date, "machine": "test",
            "calibration_start": {**calibration, "mlp_epoch_seconds": epoch_start},
            "calibration_end": {**calibration, "mlp_epoch_seconds": epoch_end},
            "notebooks": notebooks}


def test_mlp_flops_count_every_weight_three_times_two():
    weights = 784 * 512 + 512 * 512 + 512 * 10
    assert calibrate.mlp_flops_per_epoch() == 6 * weights * 60_000


def test_budgets_are_projected_onto_the_slowest_machine_seen(tmp_path, monkeypatch):
    monkeypatch.setattr(bench, "MACHINES", tmp_path / "machines.json")
    slow = _document(4.0, 4.0, {}, date="2026-12-01")
    assert bench.remember_machine(slow)[0]["mlp_epoch_seconds"] == 4.0
    fast = _document(1.9, 2.1, {"06_x": {"seconds": 200.0, "longest_cell_seconds": 40.0,
                                         "units": 100.0, "longest_cell_units": 20.0}})
    assert bench.epoch_seconds(fast) == pytest.approx(2.0)
    bench.remember_machine(fast)
    assert bench.slowest_machine("tensorflow")["date"] == "2026-12-01"
    assert len(json.loads((tmp_path / "machines.json").read_text())) == 2
    text = "\n".join(bench.budget_lines("tensorflow", fast))
    # 100 units at 4 s: 400 s for the notebook, over 5 min; its longest cell 80 s, over 60 s
    assert "| `06_x` | 200 | 100.0 | 400 | 20.0 | 80 |" in text
    assert "slowest notebook 6.7 min (under 5 min: **NO**)" in text
    assert "longest cell 80 s (under 60 s: **NO**)" in text


def test_runs_recorded_before_calibration_have_no_budget_lines(tmp_path, monkeypatch):
    monkeypatch.setattr(bench, "MACHINES", tmp_path / "machines.json")
    old = {"backend": "jax", "notebooks": {"01_x": {"seconds": 10.0}}}
    assert bench.budget_lines("jax", old) == []


def test_dense_flops_count_every_dense_layer_inside_sub_models():
    from course_lib import gan, models

    mlp = models.build_mlp()  # 784 -> 784 -> 10; dropout does no products
    assert flop_rate.dense_flops(mlp) == 2 * (784 * 784 + 784 * 10)
    vae = models.build_vae(20, latent_dim=2, hidden=(8,))
    # encoder 20 -> 8 -> two heads of 2; decoder 2 -> 8 -> 20
    assert flop_rate.dense_flops(vae) == 2 * (20 * 8 + 2 * 8 * 2 + 2 * 8 + 8 * 20)
    pair = gan.GAN(gan.build_generator(4, 6, hidden=(5,)),
                   gan.build_discriminator(6, hidden=(3,)), d_steps=2)
    g, d = 2 * (4 * 5 + 5 * 6), 2 * (6 * 3 + 3 * 1)
    assert flop_rate.gan_step_flops(pair, batch_size=10) == 10 * (2 * (g + 6 * d) + 3 * g + 2 * d)


@pytest.mark.parametrize("case", flop_rate.CASES, ids=lambda c: c.notebook)
def test_each_rate_is_measured_on_its_notebooks_main_training_cell(case):
    """The cases copy sizes from the notebooks: a notebook that changes its main training
    cell must change its case too."""
    notebook = json.loads((flop_rate.NOTEBOOKS / f"{case.notebook}.ipynb").read_text())
    sources = ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]
    assert any(case.cell in source for source in sources), case.cell
    assert str(case.batch_size) in case.cell  # each marker holds the batch size it copies


def test_flop_rate_table_states_the_share_of_the_machines_gemm():
    document = {"backend": "tensorflow", "gemm_gflops": 100.0, "steps": 40, "cases": [
        {"notebook": "01_x", "model": "line", "batch_size": 40, "flop_per_step": 240,
         "ms_per_step": 3.0, "gflops": 0.0, "xla_ms_per_step": 4.0, "xla_gflops": 0.0},
        {"notebook": "02_x", "model": "MLP", "batch_size": 128, "flop_per_step": 480_000_000,
         "ms_per_step": 12.0, "gflops": 40.0, "xla_ms_per_step": 24.0, "xla_gflops": 20.0}]}
    text = "\n".join(flop_rate.markdown_lines(document))
    assert "| `01_x` | line | 40 | 0.00024 | 3.0 | 0.00 | 0 % | 4.0 | 0.00 |" in text
    assert "| `02_x` | MLP | 128 | 480 | 12.0 | 40.00 | 40 % | 24.0 | 20.00 |" in text
    assert "100 GFLOP/s" in text and "(line) shows" in text and "3.0 ms of Keras" in text
