"""The check of notebook 07's benchmarking lesson (course_lib.exercises.benchmarking)."""

import numpy as np
import pytest

from course_lib.exercises import CORRECT, NOT_ANSWERED, NOT_YET
from course_lib.exercises import benchmarking as ex

# five seeds; A ahead in every seed by about 0.03, a real difference by the course's rule
A = np.array([0.61, 0.63, 0.60, 0.64, 0.62])
B = np.array([0.58, 0.60, 0.58, 0.60, 0.59])
# a gap inside the spread: A ahead in three seeds, behind in two
C = np.array([0.60, 0.66, 0.57, 0.66, 0.60])


def test_the_solution_is_correct_either_way():
    assert ex.check_seed_verdict(A - B, True, A, B).status == CORRECT
    gaps = C - B
    assert ex.check_seed_verdict(gaps, bool(abs(gaps.mean()) > 2 * gaps.std(ddof=1)),
                                 C, B).status == CORRECT
    assert ex.check_seed_verdict(list(A - B), np.bool_(True), A, B).status == CORRECT


def test_nothing_written_is_not_answered():
    assert ex.check_seed_verdict(None, None, A, B).status == NOT_ANSWERED


@pytest.mark.parametrize("gaps, verdict, says", [
    (B - A, True, "second method minus the first"),
    (np.abs(C - B), False, "keep their signs"),
    (np.sort(C) - np.sort(B), False, "by seed"),
    ((A - B).mean(), True, "single number"),
    ((A - B)[:4], True, "5 seeds"),
    ("A - B", True, "str"),
    (A - B, 1.0, "truth value"),
    (A - B, "yes", "True or False"),
    (A - B, False, "twice their standard deviation"),
    (np.array([np.nan] * 5), True, "NaN"),
])
def test_usual_mistakes_are_named(gaps, verdict, says):
    feedback = ex.check_seed_verdict(gaps, verdict, C if "seed" in says or "signs" in says
                                     else A, B)
    assert feedback.status == NOT_YET, feedback.message
    assert says in feedback.message


def test_the_population_sd_is_named_when_it_flips_the_verdict():
    # a gap between 2 population sds and 2 sample sds: ddof=0 says real, ddof=1 does not
    b = np.zeros(5)
    a = np.array([1.0, 1.0, 1.0, 1.0, 0.05])
    gaps = a - b
    assert abs(gaps.mean()) > 2 * gaps.std() and abs(gaps.mean()) <= 2 * gaps.std(ddof=1)
    feedback = ex.check_seed_verdict(gaps, True, a, b)
    assert feedback.status == NOT_YET and "ddof=1" in feedback.message


def test_feedback_never_gives_the_verdict_away_before_it_is_right():
    feedback = ex.check_seed_verdict(A - B, False, A, B)
    assert "no difference" not in feedback.message and "real difference" not in feedback.message
