"""The notebooks' key results against the course's targets (``course_lib.results.TARGETS``)."""

import json
import os
from pathlib import Path

import pytest

from course_lib.results import RESULTS_ENV, TARGETS


@pytest.fixture(scope="module")
def notebook_results():
    """What the source notebooks recorded in this run of `make notebooks`."""
    path = Path(os.environ[RESULTS_ENV])
    if not path.is_file():
        pytest.fail(f"{path} does not exist: run the notebooks first (`make notebooks`).")
    return json.loads(path.read_text())


@pytest.mark.parametrize("target", TARGETS, ids=str)
def test_notebook_result_meets_its_target(target, notebook_results):
    value = target.value(notebook_results)
    assert value is not None, f"{target.name} was not recorded: did its notebook run to the end?"
    assert target.met(notebook_results), f"missed {target}: got {value:.4g} ({target.why})"
