"""Every check in the student notebooks (scaffolds untouched) must say Not answered, and the
student notebooks must run the same checks as the sources."""

from course_lib.exercises import NOT_ANSWERED

from checks_file import SOURCE_CHECKS_ENV, STUDENT_CHECKS_ENV, describe, verdicts


def test_every_untouched_scaffold_is_not_answered():
    wrong = [describe(v) for v in verdicts(STUDENT_CHECKS_ENV) if v["status"] != NOT_ANSWERED]
    assert not wrong, "checks that grade an empty scaffold:\n" + "\n".join(wrong)


def test_student_notebooks_run_every_check_of_the_sources():
    source = {v["check"] for v in verdicts(SOURCE_CHECKS_ENV)}
    student = {v["check"] for v in verdicts(STUDENT_CHECKS_ENV)}
    assert source == student, (f"only in the sources: {sorted(source - student)}; "
                               f"only in the student notebooks: {sorted(student - source)}")
