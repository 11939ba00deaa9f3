"""Every exercise check in the source notebooks (solutions filled in) must say Correct.

A "Not yet" means a solution no longer passes its own check; "Check failed" is a bug in the
checker, which the student would meet as a crash in plain clothes.
"""

from course_lib.exercises import CHECK_FAILED, CORRECT

from checks_file import SOURCE_CHECKS_ENV, describe, verdicts


def test_no_check_crashed_on_a_solution():
    failed = [describe(v) for v in verdicts(SOURCE_CHECKS_ENV) if v["status"] == CHECK_FAILED]
    assert not failed, "checker bugs:\n" + "\n".join(failed)


def test_every_solution_is_correct():
    wrong = [describe(v) for v in verdicts(SOURCE_CHECKS_ENV) if v["status"] != CORRECT]
    assert not wrong, "solutions their checks reject:\n" + "\n".join(wrong)
