"""The exercise-check core: feedback for right, wrong, missing and broken answers."""

from course_lib.exercises import Feedback, exercise, expect


@exercise("square", hint="multiply x by itself")
def check_square(fn):
    expect(callable(fn), f"expected a function, got {type(fn).__name__}")
    expect(fn(3) == 9, f"square(3) should be 9, got {fn(3)!r}")
    return "square(3) == 9."


def test_right_answer_passes():
    feedback = check_square(lambda x: x * x)
    assert feedback.passed is True and bool(feedback)
    assert "square(3) == 9" in repr(feedback)


def test_wrong_answer_explains_and_hints():
    feedback = check_square(lambda x: x + x)
    assert feedback.passed is False
    assert "should be 9, got 6" in feedback.message
    assert "Hint: multiply" in repr(feedback)


def test_missing_answer_is_not_answered():
    feedback = check_square(None)
    assert feedback.passed is None and not feedback
    assert "None" in feedback.message


def test_wrong_type_and_crashing_answer_do_not_raise():
    assert "expected a function" in check_square(42).message

    def broken(x):
        raise ZeroDivisionError("oops")

    feedback = check_square(broken)
    assert feedback.passed is False and "ZeroDivisionError" in feedback.message


def test_html_escapes_student_text():
    html = Feedback("t", False, "<script>", hint="a < b")._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html and "Not yet" in html
