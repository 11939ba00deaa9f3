"""The website's build (scripts/build_site.py) and the executed copies it renders."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("build_site", ROOT / "scripts" / "build_site.py")
build_site = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build_site)

PNG = {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"}


def _code(source, tags=(), outputs=()):
    cell = nbformat.v4.new_code_cell(source, outputs=list(outputs))
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def _notebook():
    md = nbformat.v4.new_markdown_cell
    figure = nbformat.v4.new_output("display_data", data=PNG)
    widget = nbformat.v4.new_output("display_data", data={
        "application/vnd.jupyter.widget-view+json": {"model_id": "x"}, "text/plain": "Slider"})
    answer = md("Because $\\beta$ trades one term for the other.")
    answer.metadata["tags"] = ["solution"]
    note = md("Instructors: say this aloud.")
    note.metadata["tags"] = ["instructor"]
    return nbformat.v4.new_notebook(cells=[
        md("# 04 · A title"),
        md("The figure below shows the **latent space**, coloured by $\\mathbf{z}_1$."),
        _code("plot()", outputs=[figure]),
        _code("# Exercise: define f\ndef f(x):\n    return x", tags=["solution"]),
        _code("record('x', 1)", tags=["plumbing"]),
        answer, note,
        _code("slider()", outputs=[widget]),
    ])


def test_page_folds_solutions_and_answers_and_drops_what_students_do_not_read():
    nb = build_site.page(_notebook())
    sources = [c.source for c in nb.cells]
    assert "Instructors: say this aloud." not in sources
    solution = next(c for c in nb.cells if c.source.startswith("# Exercise"))
    assert "hide-input" in solution.metadata["tags"]
    assert solution.metadata["mystnb"]["code_prompt_show"] == "Show solution"
    plumbing = next(c for c in nb.cells if c.source.startswith("record"))
    assert "remove-cell" in plumbing.metadata["tags"]
    answer = next(c for c in nb.cells if "trades one term" in c.source)
    assert answer.source.startswith(":::{admonition} Model answer") and ":class: dropdown" in answer.source
    assert answer.source.rstrip().endswith(":::")
    widget = nb.cells[-1].outputs[0]
    assert "application/vnd.jupyter.widget-view+json" not in widget["data"]
    assert widget["data"]["text/plain"] == "Slider"


def test_figures_get_the_sentence_that_introduces_them_as_alt_text():
    nb = build_site.page(_notebook())
    figure = next(c for c in nb.cells if c.source == "plot()")
    assert figure.metadata["mystnb"]["image"]["alt"] == (
        "The figure below shows the latent space, coloured by z1.")
    described = _notebook()
    described.cells[2].outputs[0]["metadata"] = {"image/png": {"alt": "A figure: loss against epoch."}}
    figure = next(c for c in build_site.page(described).cells if c.source == "plot()")
    assert figure.metadata["mystnb"]["image"]["alt"] == "A figure: loss against epoch."
    assert build_site.alt_text("## The latent manifold\n\nDecoding a grid of codes. "
                               "Each tile is one decoded point:") == "Each tile is one decoded point"
    assert len(build_site.alt_text("word " * 200)) <= 250


def test_binder_link_opens_the_student_notebook():
    url = build_site.binder_url({"url": "https://github.com/o/r", "branch": "main"}, "04_x.ipynb")
    assert url == "https://mybinder.org/v2/gh/o/r/main?urlpath=lab/tree/student/04_x.ipynb"


def test_a_stale_or_missing_executed_copy_stops_the_build(tmp_path, monkeypatch):
    monkeypatch.setattr(build_site, "EXECUTED", tmp_path)
    monkeypatch.setattr(build_site, "PAGES", tmp_path / "pages")
    with pytest.raises(SystemExit, match="No executed copy of 01_"):
        build_site.write_pages({"url": "https://github.com/o/r"})
    for source in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(source, as_version=4)
        nbformat.write(nb, tmp_path / source.name)
    nb.cells[0].source += " (edited)"
    nbformat.write(nb, tmp_path / source.name)
    with pytest.raises(SystemExit, match="executed from an older version"):
        build_site.write_pages({"url": "https://github.com/o/r"})


def test_nbval_run_saves_each_notebook_with_its_outputs(tmp_path):
    # the conftest.py plugin, in a real nbval run on a two-cell notebook
    notebook = tmp_path / "tiny.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("print('hello')"), nbformat.v4.new_markdown_cell("text"),
        nbformat.v4.new_code_cell("6 * 7")]), notebook)
    (tmp_path / "conftest.py").write_text((ROOT / "conftest.py").read_text())
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "--nbval-lax", "--nbval-current-env",
         "-p", "no:cacheprovider", "--rootdir", str(tmp_path), str(notebook)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={**os.environ, "COURSE_EXECUTED": str(tmp_path / "executed"),
             "PYTHONPATH": str(ROOT)})
    assert run.returncode == 0, run.stdout + run.stderr
    saved = nbformat.read(tmp_path / "executed" / "tiny.ipynb", as_version=4)
    nbformat.validate(saved)
    assert saved.cells[0].outputs[0]["text"] == "hello\n"
    assert saved.cells[2].outputs[0]["data"]["text/plain"] == "42"
    assert saved.cells[2].execution_count == 2
