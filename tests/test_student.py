"""Building student notebooks: solutions become runnable scaffolds."""

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from course_lib.student import ANSWER_PLACEHOLDER, PLACEHOLDER, build, scaffold, to_student

SOLUTION = {"tags": ["solution"]}


def test_scaffold_keeps_instructions_and_nulls_every_defined_name():
    source = ("# Build a model with 64 units.\n# Keep dropout at 0.4.\n"
              "import keras\nwidth = 64\nmodel, history = make(width), None\n"
              "def score(m, x=1):\n    return m\n")
    result = scaffold(source)
    assert result.startswith("# Build a model with 64 units.\n# Keep dropout at 0.4.\n" + PLACEHOLDER)
    for line in ("width = None", "model = None", "history = None",
                 "def score(m, x=1):", "return None"):
        assert line in result
    assert "make(width)" not in result and "import keras" not in result
    namespace = {}
    exec(result, namespace)  # the scaffold itself must run
    assert namespace["model"] is None and namespace["score"](1) is None


def _notebook():
    cells = [new_markdown_cell("Task"),
             new_code_cell("answer = 41 + 1", metadata=SOLUTION),
             new_markdown_cell("Because ...", metadata=SOLUTION),
             new_code_cell("print(answer)")]
    cells[3].outputs = [nbformat.v4.new_output("stream", text="42\n")]
    cells[3].execution_count = 3
    return new_notebook(cells=cells)


def test_to_student_replaces_solutions_and_strips_outputs():
    source = _notebook()
    student = to_student(source)
    assert student.cells[1].source == PLACEHOLDER + "\nanswer = None"
    assert student.cells[2].source == ANSWER_PLACEHOLDER
    assert student.cells[3].outputs == [] and student.cells[3].execution_count is None
    assert source.cells[1].source == "answer = 41 + 1"  # the source is untouched


def test_build_writes_numbered_notebooks_only(tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    nbformat.write(_notebook(), src / "01_demo.ipynb")
    nbformat.write(_notebook(), src / "scratch.ipynb")
    written = build(src, out)
    assert [p.name for p in written] == ["01_demo.ipynb"]
    assert "answer = None" in nbformat.read(written[0], as_version=4).cells[1].source


def test_course_notebooks_build_and_hide_every_solution(tmp_path):
    from pathlib import Path

    sources = Path(__file__).resolve().parent.parent / "notebooks"
    for path in build(sources, tmp_path):
        original = nbformat.read(sources / path.name, as_version=4)
        student = nbformat.read(path, as_version=4)
        assert len(original.cells) == len(student.cells)
        for before, after in zip(original.cells, student.cells):
            if "solution" in before.metadata.get("tags", []):
                assert after.source != before.source or not before.source.strip()
            else:
                assert after.source == before.source
