"""Building student notebooks: solutions become runnable scaffolds that give nothing away."""

from pathlib import Path

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


def test_scaffold_of_functions_has_one_placeholder_per_function():
    source = ("# Define kl(mean, log_var).\ndef kl(mean, log_var):\n    return mean\n")
    result = scaffold(source)
    assert result.count(PLACEHOLDER) == 1
    assert result.startswith("# Define kl(mean, log_var).\n\ndef kl(mean, log_var):\n    "
                             + PLACEHOLDER)


def test_scaffold_shows_only_the_names_the_check_reads():
    source = ("per_dim = 0.5 * (a + b)\nforest = fit(per_dim)\nactive = int((per_dim > 1).sum())\n"
              "class Model:\n    pass\n")
    result = scaffold(source, "ex.check_active(active, Model, per_digit_context)")
    assert "active = None" in result and "Model = None" in result
    assert "per_dim" not in result and "forest" not in result


def _notebook():
    cells = [new_markdown_cell("Task"),
             new_code_cell("answer = 41 + 1\nscratch = 0", metadata=SOLUTION),
             new_code_cell("check(answer)"),
             new_markdown_cell("Because *forty-two*.", metadata=SOLUTION),
             new_code_cell("record('x', 1)", metadata={"tags": ["plumbing"]}),
             new_markdown_cell("Instructor: run this first.", metadata={"tags": ["instructor"]}),
             new_code_cell("print(answer)")]
    cells[-1].outputs = [nbformat.v4.new_output("stream", text="42\n")]
    cells[-1].execution_count = 3
    return new_notebook(cells=cells)


def test_to_student_replaces_solutions_and_strips_outputs():
    source = _notebook()
    student = to_student(source)
    sources = [cell.source for cell in student.cells]
    assert sources[1] == PLACEHOLDER + "\nanswer = None"
    assert sources[3] == ANSWER_PLACEHOLDER
    # the model answer follows, folded
    assert sources[4].startswith("<details>") and "Because *forty-two*." in sources[4]
    assert sources[4].rstrip().endswith("</details>")
    assert student.cells[4].id != student.cells[3].id
    # plumbing runs with its input collapsed; instructor cells are left out
    assert student.cells[5].metadata["jupyter"]["source_hidden"] is True
    assert not any("Instructor" in s for s in sources)
    assert student.cells[-1].outputs == [] and student.cells[-1].execution_count is None
    assert source.cells[1].source == "answer = 41 + 1\nscratch = 0"  # the source is untouched
    nbformat.validate(student)


def test_build_writes_numbered_notebooks_only(tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    nbformat.write(_notebook(), src / "01_demo.ipynb")
    nbformat.write(_notebook(), src / "scratch.ipynb")
    (src / "rise.css").write_text(".reveal { font-size: 24px; }")
    written = build(src, out)
    assert [p.name for p in written] == ["01_demo.ipynb"]
    assert (out / "rise.css").read_text() == ".reveal { font-size: 24px; }"  # RISE's style
    assert "answer = None" in nbformat.read(written[0], as_version=4).cells[1].source


def test_course_notebooks_build_and_hide_every_solution(tmp_path):
    sources = Path(__file__).resolve().parent.parent / "notebooks"
    for path in build(sources, tmp_path):
        original = nbformat.read(sources / path.name, as_version=4)
        student = nbformat.read(path, as_version=4)
        nbformat.validate(student)
        by_id = {cell.id: cell for cell in student.cells}
        for before in original.cells:
            tags = before.metadata.get("tags", [])
            if "instructor" in tags:
                assert before.id not in by_id
                continue
            after = by_id[before.id]
            if "solution" in tags:
                assert after.source != before.source or not before.source.strip()
                if before.cell_type == "code":
                    # the scaffold keeps nothing of the solution's code but comments and names
                    code = [line for line in after.source.splitlines()
                            if line.strip() and not line.lstrip().startswith("#")]
                    assert all(line.endswith("= None") or line.startswith(("def ", "    return None"))
                               for line in code), (path.name, after.source)
                else:
                    assert before.source in by_id[f"{before.id}-model"[:64]].source
            else:
                assert after.source == before.source
