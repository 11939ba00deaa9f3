"""course_lib.training: the learning-rate schedules, and ProgressLine, one line per run that
overwrites itself cleanly."""

import keras
import numpy as np
import pytest

from course_lib import training
from course_lib.training import ProgressLine, format_logs


def screen(text):
    """What a terminal or notebook output area shows: a carriage return moves back to the
    start of the line and the characters after it overwrite the ones there."""
    lines = []
    for line in text.split("\n"):
        shown = ""
        for part in line.split("\r"):
            shown = part + shown[len(part):]
        lines.append(shown)
    return "\n".join(lines)


def run(callback, epoch_logs):
    callback.set_params({"epochs": len(epoch_logs)})
    callback.on_train_begin()
    for epoch, logs in enumerate(epoch_logs):
        callback.on_epoch_end(epoch, logs)
    callback.on_train_end()


VAE_LOGS = {"loss": 142.31, "reconstruction_loss": 130.12, "kl_loss": 12.214, "val_loss": 143.05,
            "val_reconstruction_loss": 131.22, "val_kl_loss": 11.981}


def test_a_shorter_line_erases_a_longer_one(capsys):
    run(ProgressLine(), [{"loss": 12.3456789, "val_loss": 10.1234567}, {"loss": 0.5, "val_loss": 0.1756}])
    out = capsys.readouterr().out
    assert out.endswith("\n") and out.count("\n") == 1
    assert screen(out).rstrip() == "epoch 2/2  loss 0.5  val_loss 0.1756  [0s]"


def test_a_vae_line_fits_100_characters_with_all_its_metrics(capsys):
    run(ProgressLine(), [VAE_LOGS] * 10)
    shown = screen(capsys.readouterr().out).rstrip("\n")
    assert len(shown) <= 100
    assert shown.startswith("epoch 10/10  loss 142.3  rec 130.1  kl 12.21  val_loss 143.1")
    assert "val_rec 131.2  val_kl 11.98" in shown


def test_metrics_that_do_not_fit_are_left_out_whole():
    logs = {f"metric_{i}": 0.123456 for i in range(20)}
    text = format_logs(logs, width=40)
    assert len(text) <= 40
    assert text.endswith("0.1235") and text.count("metric_") == 2
    assert len(format_logs(logs)) > 100  # no width: every metric


def test_every_only_prints_selected_epochs_but_ends_with_the_last(capsys):
    run(ProgressLine(every=5), [{"loss": float(i)} for i in range(7)])
    out = capsys.readouterr().out
    assert out.count("\r") == 2  # epoch 5, then the final line
    assert screen(out).strip().startswith("epoch 7/7  loss 6")


def test_recipe_schedule_warms_up_then_decays_to_a_tenth():
    schedule = training.warmup_cosine(steps_per_epoch=2, epochs=25, peak_lr=1e-3, warmup_epochs=5)
    lr = np.array([float(keras.ops.convert_to_numpy(schedule(step))) for step in range(60)])
    assert lr[0] == pytest.approx(1e-5)
    assert np.all(np.diff(lr[:11]) > 0) and lr[10] == pytest.approx(1e-3, rel=1e-4)
    assert np.all(np.diff(lr[10:51]) <= 1e-12)
    assert lr[50] == pytest.approx(1e-4, rel=1e-4) and lr[59] == pytest.approx(1e-4, rel=1e-4)


def test_decaying_adam_reaches_the_final_fraction():
    optimizer = training.decaying_adam(1e-3, 100, final_fraction=0.1)
    schedule = optimizer._learning_rate
    assert float(schedule(0)) == pytest.approx(1e-3)
    assert float(schedule(100)) == pytest.approx(1e-4)
