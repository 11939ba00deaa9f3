"""The notebooks' self-check quizzes: well formed, escaped, and one per notebook."""

import re
from pathlib import Path

import nbformat
import pytest

from course_lib import quiz

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_every_notebook_shows_its_own_quiz_before_the_takeaways():
    assert sorted(quiz.QUIZZES) == [n.name[:2] for n in NOTEBOOKS]
    for path in NOTEBOOKS:
        cells = nbformat.read(path, as_version=4).cells
        calls = [i for i, c in enumerate(cells) if "quiz.show(" in c.source]
        assert len(calls) == 1, path.name
        assert f'quiz.show("{path.name[:2]}")' in cells[calls[0]].source
        takeaways = [i for i, c in enumerate(cells) if c.cell_type == "markdown"
                     and "Key takeaways" in c.source.splitlines()[0]]
        assert takeaways and calls[0] < takeaways[-1], path.name


@pytest.mark.parametrize("notebook", sorted(quiz.QUIZZES))
def test_questions_have_one_right_answer_and_every_choice_explains(notebook):
    questions = quiz.QUIZZES[notebook]
    assert 3 <= len(questions) <= 5
    for question in questions:
        assert question.text.endswith("?"), question.text
        assert len(question.choices) >= 3
        assert sum(c.correct for c in question.choices) == 1, question.text
        assert len({c.text for c in question.choices}) == len(question.choices)
        for choice in question.choices:
            assert len(choice.why) > 20, choice


def test_render_folds_each_verdict_and_escapes_text():
    question = quiz.Question("Is <b> & 1 < 2?", (quiz.Choice("yes <i>", True, "because & so on."),
                                                  quiz.Choice("no", False, "1 < 2 holds.")))
    html = quiz.render([question])
    assert html.count("<details") == 2 and html.count("<summary>") == 2
    assert "Is &lt;b&gt; &amp; 1 &lt; 2?" in html and "yes &lt;i&gt;" in html
    assert "<script" not in html
    right = re.search(r'course-quiz-right">(.*?)</p>', html).group(1)
    assert "Right." in right and "because &amp; so on." in right
    assert "Not quite." in re.search(r'course-quiz-wrong">(.*?)</p>', html).group(1)


def test_the_right_answer_is_not_always_first():
    places = []
    for questions in quiz.QUIZZES.values():
        for block in quiz.render(questions).split("course-quiz-question")[1:]:
            places.append(re.findall(r"course-quiz-(right|wrong)", block).index("right"))
    assert len(set(places)) >= 3
    assert quiz.render(quiz.QUIZZES["04"]) == quiz.render(quiz.QUIZZES["04"])  # same every run


def test_show_displays_html_and_names_the_quizzes_on_a_wrong_key(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", shown.append)
    quiz.show("01")
    assert "course-quiz" in shown[0].data
    with pytest.raises(KeyError, match="quizzes for 01, 02"):
        quiz.show("1")
