"""The benchmark's calibration arithmetic (benchmarks/run.py, benchmarks/calibrate.py).

Running the notebooks and the reference work is `make bench`'s job; here only the figures
derived from them: units, the slowest machine seen, the projected budgets.
"""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import calibrate
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
