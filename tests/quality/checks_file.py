"""Reading the verdicts the notebooks' exercise checks wrote (one JSON object per line)."""

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
