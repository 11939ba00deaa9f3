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


def test_times_read_as_a_reader_plans_with_them():
    assert build_site.minutes(13.9) == "<1 min"
    assert build_site.minutes(66.1) == "~1 min"
    assert build_site.minutes(80.1) == "~1.5 min"
    assert build_site.minutes(213.2) == "~3.5 min"
    run = {"notebooks": {"a": {"seconds": 300.0}, "b": {"seconds": 344.6}}}
    assert build_site.course_minutes(run) == 11


def test_readme_times_are_the_benchmarks():
    """The README's per-notebook times and course total are those of benchmarks/results.json
    (the site's home page and notebook pages are generated from it), so they cannot drift."""
    import re

    run = build_site.benchmark()
    readme = (ROOT / "README.md").read_text()
    rows = dict(re.findall(r"^\| (\d\d) \| `\d\d_\w+` \|.*\| ([^|]+) \|$", readme, flags=re.M))
    expected = {name[:2]: build_site.minutes(entry["seconds"])
                for name, entry in run["notebooks"].items()}
    assert {k: v.strip() for k, v in rows.items()} == expected
    total = re.search(r"all seven in about (\d+)(?: minutes)? on the\s+benchmark", readme)
    assert total and int(total.group(1)) == build_site.course_minutes(run)


def test_notebook_page_links_launch_download_both_notebooks_and_give_the_time():
    cell = build_site.links_cell("04_variational_autoencoders",
                                 {"url": "https://github.com/o/r", "branch": "main"}, 102.1)
    assert "urlpath=lab/tree/student/04_variational_autoencoders.ipynb" in cell.source
    assert "_downloads/student/04_variational_autoencoders.ipynb" in cell.source
    assert "_downloads/solved/04_variational_autoencoders.ipynb" in cell.source
    assert "about 1.5 min on a 2-core CPU" in cell.source


def test_citation_box_comes_from_citation_cff():
    import yaml

    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    box = build_site.citation_markdown()
    assert box.startswith(":::{admonition} Cite this course")
    assert cff["title"] in box and cff["version"] in box and cff["repository-code"] in box
    assert "@software{" in box


def _last_statement_shown_twice(source):
    """A cell whose last statement is an expression ended by `;` shows its value under nbval
    (which executes without storing history, so IPython does not see the semicolon), and a
    figure would then be shown twice: once returned, once by the inline backend."""
    import ast

    tree = ast.parse(source)
    return bool(tree.body) and isinstance(tree.body[-1], ast.Expr) and \
        isinstance(tree.body[-1].value, ast.Call) and source.rstrip().endswith(";") and \
        not ast.unparse(tree.body[-1].value.func).startswith(("record", "print"))


@pytest.mark.parametrize("source", sorted((ROOT / "notebooks").glob("0[1-5]_*.ipynb")),
                         ids=lambda p: p.stem[:2])
def test_no_cell_relies_on_a_semicolon_to_hide_a_figure(source):
    nb = nbformat.read(source, as_version=4)
    shown = [i for i, c in enumerate(nb.cells)
             if c.cell_type == "code" and _last_statement_shown_twice(c.source)]
    assert not shown, f"{source.name}: cells {shown} end in `call();`: assign it (`fig = ...`)"


@pytest.mark.parametrize("source", sorted((ROOT / "notebooks").glob("0[1-5]_*.ipynb")),
                         ids=lambda p: p.stem[:2])
def test_one_heading_style(source):
    """Numbered sections read "## 3 · Title" in every notebook; "Key takeaways" and "Check
    yourself" are sections of their own (h2), never under another."""
    import re

    headings = [line for c in nbformat.read(source, as_version=4).cells
                if c.cell_type == "markdown" for line in c.source.splitlines()
                if line.startswith("#")]
    numbered = [h for h in headings if re.match(r"## \d", h)]
    assert numbered and all(re.match(r"## \d+ · \S", h) for h in numbered), numbered
    for section in ("Key takeaways", "Check yourself"):
        assert f"## {section}" in headings, f"{source.name}: no h2 {section!r}"


def test_schematics_and_image_grids_get_alt_text_a_person_would_write():
    alt = build_site.figure_alt("fig = plotting.plot_vae_schematic()", "A figure.", "## The idea")
    assert alt.startswith("Schematic of a variational autoencoder")
    alt = build_site.figure_alt(
        'fig = plotting.plot_image_rows({"clean": a, "noisy input": b, f"epoch {e}": c})',
        "A figure of 30 panels.", "The denoiser removes the noise.")
    assert alt == ("Rows of images, one row each: clean, noisy input, epoch .... "
                   "The denoiser removes the noise.")
    assert build_site.figure_alt("plotting.plot_history(h)", "A figure: loss against epoch.",
                                 "x") == "A figure: loss against epoch."
    assert build_site.figure_alt("show()", "A figure.", "It shows the loss.") == "It shows the loss."
