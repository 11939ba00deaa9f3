"""The check of notebook 07's benchmarking lesson: is a difference between two methods real?

The student gets two methods' scores over the same seeds and writes the per-seed gaps and
the verdict of the course's rule (``course_lib.comparison.verdict``, the reference). The
check recomputes both from the two score lists it is given and names the usual mistakes:
the gaps the wrong way round, unpaired differences, the population standard deviation.
"""

import numbers

import numpy as np

from course_lib.exercises import exercise, expect


def _gaps(answer, n):
    """The answer as ``n`` finite numbers, or a plain sentence."""
    expect(not isinstance(answer, (str, bytes, dict, bool)) and not callable(answer),
           f"gaps should be a NumPy array with one number per seed, got a "
           f"{type(answer).__name__}.")
    try:
        gaps = np.asarray(answer, dtype="float64").ravel()
    except (TypeError, ValueError):
        expect(False, f"gaps should be a NumPy array of numbers, got a {type(answer).__name__} "
                      "that NumPy cannot turn into numbers.")
    expect(gaps.size != 1, "gaps is a single number; keep one difference per seed (the mean "
                           "comes after).")
    expect(gaps.size == n, f"gaps has {gaps.size} numbers, but there are {n} seeds: one "
                           "difference per seed.")
    expect(np.isfinite(gaps).all(), "gaps contains NaN or infinite values.")
    return gaps


@exercise("Is the difference real?",
          hints=("Seed by seed: the two methods were run with the same seeds, so subtract the "
                 "second method's score from the first one's for each seed.",
                 "Then compare the mean of those differences with their spread: the course's "
                 "rule asks whether its size exceeds twice their standard deviation (a sample "
                 "standard deviation, ddof=1)."),
          answers=2)
def check_seed_verdict(gaps, real_difference, scores_a, scores_b):
    """gaps: scores_a - scores_b seed by seed; real_difference: the course's rule on them."""
    from course_lib.comparison import NO_DIFFERENCE, verdict

    a, b = np.asarray(scores_a, dtype="float64"), np.asarray(scores_b, dtype="float64")
    answer = _gaps(gaps, len(a))
    expected = a - b
    if not np.allclose(answer, expected, atol=1e-9):
        expect(not np.allclose(answer, -expected, atol=1e-9),
               "gaps is the second method minus the first; the task asks for the first "
               "(scores_a) minus the second (scores_b).")
        expect(not np.allclose(answer, np.sort(a) - np.sort(b), atol=1e-9),
               "gaps pairs the scores after sorting them; pair them by seed, in the order "
               "they are stored.")
        expect(not np.allclose(answer, np.abs(expected), atol=1e-9),
               "gaps holds the sizes of the differences; keep their signs, or a method that "
               "is ahead in some seeds and behind in others looks consistently ahead.")
        expect(False, "gaps does not match the per-seed differences of the two score lists.")
    number = isinstance(real_difference, numbers.Number) and not isinstance(
        real_difference, (bool, np.bool_))
    expect(isinstance(real_difference, (bool, np.bool_)),
           f"real_difference should be True or False, got a {type(real_difference).__name__}"
           f"{' (a number: turn your comparison into a truth value)' if number else ''}.")
    rule = verdict(a, b)
    real = rule["verdict"] != NO_DIFFERENCE
    if bool(real_difference) != real:
        population = abs(expected.mean()) > 2 * expected.std()
        expect(bool(real_difference) != population or population == real,
               "real_difference uses the population standard deviation (NumPy's default, "
               "ddof=0); the rule uses the sample standard deviation, ddof=1.")
        expect(False, "real_difference does not follow the course's rule from your gaps: "
                      "compare the size of their mean with twice their standard deviation.")
    return (f"the mean gap is {rule['mean']:+.4f} with a seed-to-seed sd of {rule['sd']:.4f} "
            f"over {rule['n']} seeds: {'a real difference' if real else NO_DIFFERENCE}.")
