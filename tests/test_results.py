"""Recording key results for the benchmark."""

import json
import multiprocessing
import re
import warnings
from pathlib import Path

import pytest

from course_lib import results

ROOT = Path(__file__).resolve().parent.parent
BENCHMARK = ROOT / "benchmarks" / "results.json"
NOTEBOOKS = ROOT / "notebooks"


def test_record_merges_into_the_file_named_by_the_environment(tmp_path, monkeypatch):
    target = tmp_path / "out" / "results.json"
    monkeypatch.setenv(results.RESULTS_ENV, str(target))
    target.parent.mkdir()
    target.write_text(json.dumps({"earlier": 1.0}))
    assert results.record("accuracy", 0.98) is None  # a cell ending with it shows nothing
    assert json.loads(target.read_text()) == {"earlier": 1.0, "accuracy": 0.98}
    assert results.recorded()["accuracy"] == 0.98


def test_concurrent_writers_lose_no_result(tmp_path, monkeypatch):
    """Two processes recording into one file at once: every key arrives."""
    target = tmp_path / "results.json"
    monkeypatch.setenv(results.RESULTS_ENV, str(target))  # the workers inherit it
    names = [(f"result_{i:03d}", i) for i in range(200)]
    with multiprocessing.get_context("spawn").Pool(2) as pool:  # spawn: no forked TF threads
        pool.starmap(results.record, names, chunksize=1)
    assert json.loads(target.read_text()) == {name: float(i) for name, i in names}
    # The writes were atomic: no temporary file is left, only the file and its lock.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json", "results.json.lock"]


@pytest.mark.parametrize("content", ['{"accuracy": 0.98, "lo', "[1, 2]", "\udcff"],
                         ids=["cut off", "not an object", "not text"])
def test_corrupt_file_is_moved_aside_with_one_warning(tmp_path, monkeypatch, content):
    target = tmp_path / "results.json"
    monkeypatch.setenv(results.RESULTS_ENV, str(target))
    target.write_bytes(content.encode("utf-8", "surrogateescape"))
    with pytest.warns(RuntimeWarning) as warned:
        results.record("loss", 1.5)
    assert [str(w.message) for w in warned] == [
        f"{target} was not a readable results file; it was moved to {target}.corrupt and a "
        f"new one started."]
    assert (tmp_path / "results.json.corrupt").read_bytes() == content.encode("utf-8",
                                                                              "surrogateescape")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the new file is fine: no second warning
        results.record("accuracy", 0.98)
    assert json.loads(target.read_text()) == {"loss": 1.5, "accuracy": 0.98}


def test_record_without_environment_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.delenv(results.RESULTS_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    results.record("loss", 1)
    assert list(tmp_path.iterdir()) == []


def test_record_refuses_non_numbers():
    with pytest.raises(ValueError, match="finite"):
        results.record("bad", float("nan"))


def test_target_checks_a_range_and_a_gain_over_a_baseline():
    accuracy = results.Target("accuracy", at_least=0.98)
    gain = results.Target("r2", baseline="r2_baseline", at_least=0.08, at_most=1)
    assert accuracy.met({"accuracy": 0.981}) and not accuracy.met({"accuracy": 0.97})
    assert gain.value({"r2": 0.95, "r2_baseline": 0.86}) == pytest.approx(0.09)
    assert not gain.met({"r2": 0.95, "r2_baseline": 0.9})
    assert str(gain) == "r2 - r2_baseline >= 0.08 and <= 1"


def test_target_is_missed_when_a_result_was_not_recorded():
    gain = results.Target("r2", baseline="r2_baseline", at_least=0.08)
    assert gain.value({"r2": 0.95}) is None and not gain.met({"r2": 0.95})


def test_every_target_names_a_result_a_notebook_records():
    """Names the last benchmark recorded, or that a notebook passes to record(), literally or
    as an f-string in a loop (a target added since the last `make bench`)."""
    benchmark = json.loads(BENCHMARK.read_text())
    recorded_names = {name for entry in benchmark["notebooks"].values()
                      for name in entry["results"]}
    templates = []  # record(f"{key}_{name}", ...) in a loop: any name of that shape
    for notebook in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"):
        text = notebook.read_text()
        recorded_names |= set(re.findall(r'record\(\\"(\w+)\\"', text))
        templates += [re.compile(re.sub(r"\\\{\w+\\\}", r"\\w+", re.escape(t)) + "$")
                      for t in re.findall(r'record\(f\\"([\w{}]+)\\"', text)]
    for target in results.TARGETS:
        for name in {target.name, target.baseline or target.name}:
            assert name in recorded_names or any(t.match(name) for t in templates), str(target)
