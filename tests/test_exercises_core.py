"""The exercise-check core: feedback for right, wrong, missing, stale and broken answers."""

import json
import types

import pytest

from course_lib import exercises
from course_lib.exercises import (
    CHECK_FAILED,
    CORRECT,
    NOT_ANSWERED,
    NOT_YET,
    Feedback,
    call_student,
    exercise,
    expect,
    is_placeholder,
)


@exercise("square", hints=("think of a product", "multiply x by itself"))
def check_square(fn):
    result = call_student(fn, 3, name="square(3)", seconds=2)
    expect(result == 9, f"square(3) should be 9, got {result!r}")
    return "square(3) == 9."


@exercise("pair", answers=2)
def check_pair(a, b, context=None):
    expect(a + b == 3, "a + b should be 3")
    return "a + b == 3"


@exercise("buggy")
def check_buggy(answer):
    return 1 / 0


def test_right_answer_passes_without_hints():
    feedback = check_square(lambda x: x * x)
    assert feedback.status == CORRECT and feedback.passed is True and bool(feedback)
    assert "square(3) == 9" in repr(feedback) and feedback.hints == ()


def test_wrong_answer_explains_and_offers_hints_in_steps():
    feedback = check_square(lambda x: x + x)
    assert feedback.status == NOT_YET and feedback.passed is False
    assert "should be 9, got 6" in feedback.message
    assert "think of a product" not in repr(feedback)  # hints only on request
    assert feedback.hint(1) == "Hint 1 of 2: think of a product"
    page = feedback._repr_html_()
    assert page.count("<details") == 1 and "Hint 2 of 2 opens after your next attempt" in page


def test_hints_open_one_step_per_attempt(monkeypatch):
    monkeypatch.setattr(exercises, "_attempts", {})
    first = check_square(lambda x: x + x)
    assert first.opened == 1 and "opens after 1 more attempt" in first.hint(2)
    assert "multiply" not in first.hint(2) and "1 of 2 hint(s) open" in repr(first)
    second = check_square(lambda x: x - x)
    assert second.opened == 2 and second.hint(2).endswith("multiply x by itself")
    assert second.hint(9) == second.hint(2) and second._repr_html_().count("<details") == 2
    assert check_square(lambda x: x * x).hints == ()  # right: no hints, nothing to open


def test_missing_answer_is_not_answered_and_gives_no_hint():
    for answer in (None, _stub):
        feedback = check_square(answer)
        assert feedback.status == NOT_ANSWERED and feedback.passed is None and not feedback
        assert feedback.hints == () and "<details" not in feedback._repr_html_()


def _stub(x):
    # YOUR CODE HERE
    return None


def test_placeholder_detection():
    assert is_placeholder(None) and is_placeholder(_stub)
    assert not is_placeholder(lambda x: x) and not is_placeholder(0) and not is_placeholder("")

    def documented(x):
        """Docstring only."""

    assert is_placeholder(documented)


def test_partly_answered_names_the_missing_answer():
    feedback = check_pair(1, None)
    assert feedback.status == NOT_YET and "`b`" in feedback.message
    assert check_pair(None, None).status == NOT_ANSWERED
    assert check_pair(1, 2).status == CORRECT
    assert check_pair(a=1, b=2, context="x").status == CORRECT


def test_wrong_type_and_crashing_answer_do_not_raise():
    assert "should be a function" in check_square(42).message
    with pytest.raises(exercises.Incorrect) as err:
        exercises.call_student([0.0, 1.0], name="kl_divergence(mean, log_var)")
    assert str(err.value) == "kl_divergence should be a function (def ...), but it is a list."
    with pytest.raises(exercises.Incorrect, match="it is an int"):
        exercises.call_student(3)

    def broken(x):
        raise ZeroDivisionError("oops")

    feedback = check_square(broken)
    assert feedback.status == NOT_YET and "raised ZeroDivisionError: oops" in feedback.message


def test_a_bug_in_the_check_is_reported_as_such():
    feedback = check_buggy(1)
    assert feedback.status == CHECK_FAILED and feedback.passed is False
    assert "bug in the course" in feedback.message and feedback.hints == ()


def test_student_code_that_never_returns_is_stopped():
    def forever(x):
        while True:
            try:
                pass
            except Exception:  # the time limit must get through this
                pass

    feedback = check_square(forever)
    assert feedback.status == NOT_YET and "did not finish within 2 s" in feedback.message


def test_feedback_is_plain_text():
    def colourful(x):
        raise ValueError("\x1b[31mred\x1b[0m\n  and\n  long " + "x" * 500)

    message = check_square(colourful).message
    assert "\x1b" not in message and "\n" not in message and len(message) < 400


def test_check_after_a_failed_cell_says_so(monkeypatch):
    monkeypatch.setitem(exercises._previous_cell, "error", "NameError: name 'x' is not defined")
    feedback = check_square(lambda x: x * x)
    assert feedback.status == NOT_YET and "NameError" in feedback.message
    monkeypatch.setitem(exercises._previous_cell, "error", None)
    result = types.SimpleNamespace(error_before_exec=None, error_in_exec=KeyError("k"))
    exercises._remember_cell(result)
    assert exercises._previous_cell["error"] == "KeyError: 'k'"
    exercises._remember_cell(types.SimpleNamespace(error_before_exec=None, error_in_exec=None))
    assert exercises._previous_cell["error"] is None


def test_verdicts_are_recorded_when_asked(tmp_path, monkeypatch):
    path = tmp_path / "checks.jsonl"
    monkeypatch.setenv(exercises.CHECKS_ENV, str(path))
    check_square(lambda x: x * x)
    check_square(None)
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [line["status"] for line in lines] == [CORRECT, NOT_ANSWERED]
    assert lines[0]["check"].endswith("test_exercises_core.check_square")


def test_html_escapes_student_text():
    page = Feedback("t", NOT_YET, "<script>", hints=("a < b",))._repr_html_()
    assert "<script>" not in page and "&lt;script&gt;" in page and "Not yet" in page


@pytest.mark.parametrize("status", [CORRECT, NOT_YET, NOT_ANSWERED, CHECK_FAILED])
def test_every_status_renders(status):
    assert status in Feedback("t", status, "m")._repr_html_()
