"""Reading what the notebook runs wrote for the gate: the exercise checks' verdicts (one JSON
object per line) and the per-notebook records of the nbval plugins in conftest.py."""

import json
import os
from pathlib import Path

import pytest

SOURCE_CHECKS_ENV = "COURSE_SOURCE_CHECKS"    # verdicts of the checks in notebooks/
STUDENT_CHECKS_ENV = "COURSE_STUDENT_CHECKS"  # verdicts of the checks in student/


def verdicts(env):
    """Every verdict in the file named by ``env``; fails the gate if there is none."""
    path = Path(os.environ[env])
    if not path.is_file():
        pytest.fail(f"{path} does not exist: no exercise check ran (run the notebooks first).")
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    if not lines:
        pytest.fail(f"{path} is empty: no exercise check ran.")
    return lines


def describe(verdict):
    return f"{verdict['check']} ({verdict['exercise']}): [{verdict['status']}] {verdict['message']}"


def notebook_record(env):
    """{notebook: entry} from the JSON file named by ``env``; fails the gate if it is missing
    or names no notebook."""
    path = Path(os.environ[env])
    if not path.is_file():
        pytest.fail(f"{path} does not exist: run the notebooks with {env} set (`make notebooks`).")
    record = json.loads(path.read_text())
    if not record:
        pytest.fail(f"{path} names no notebook: nbval ran none.")
    return record
