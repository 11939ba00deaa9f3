"""Recording key results for the benchmark."""

import json

import pytest

from course_lib import results


def test_record_merges_into_the_file_named_by_the_environment(tmp_path, monkeypatch):
    target = tmp_path / "out" / "results.json"
    monkeypatch.setenv(results.RESULTS_ENV, str(target))
    target.parent.mkdir()
    target.write_text(json.dumps({"earlier": 1.0}))
    assert results.record("accuracy", 0.98) == 0.98
    assert json.loads(target.read_text()) == {"earlier": 1.0, "accuracy": 0.98}
    assert results.recorded()["accuracy"] == 0.98


def test_record_without_environment_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.delenv(results.RESULTS_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    results.record("loss", 1)
    assert list(tmp_path.iterdir()) == []


def test_record_refuses_non_numbers():
    with pytest.raises(ValueError, match="finite"):
        results.record("bad", float("nan"))
