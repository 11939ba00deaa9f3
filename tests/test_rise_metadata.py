"""scripts/rise_metadata.py: decks and notebooks ready to present with RISE from a fresh kernel."""

import importlib.util
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("rise_metadata", ROOT / "scripts" / "rise_metadata.py")
rise_metadata = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rise_metadata)

DECKS = sorted((ROOT / "slides").glob("[0-9][0-9]_*.ipynb"))
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("path", DECKS + NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_committed_notebook_is_ready_for_rise(path):
    notebook = nbformat.read(path, as_version=4)
    wanted = rise_metadata.apply(nbformat.from_dict(notebook))
    assert notebook == wanted, f"run: python scripts/rise_metadata.py {path.relative_to(ROOT)}"
    assert (path.parent / "rise.css").resolve() == ROOT / "slides" / "rise.css", \
        "RISE needs slides/rise.css next to the notebook (a copy or link)"


def toy_notebook():
    nb = nbformat.v4.new_notebook()
    title = nbformat.v4.new_markdown_cell("# Title")
    intro = nbformat.v4.new_markdown_cell("Some prose", metadata={"slideshow": {"slide_type": "slide"}})
    setup = nbformat.v4.new_code_cell("import course_lib", metadata={"slideshow": {"slide_type": "skip"}})
    sub = nbformat.v4.new_markdown_cell("### Part", metadata={"slideshow": {"slide_type": "subslide"}})
    figure = nbformat.v4.new_code_cell("plot()", metadata={"tags": ["remove_input"]})
    nb.cells = [title, intro, setup, sub, figure]
    return nb


def test_apply_puts_the_setup_on_the_title_slide_and_makes_slides_linear():
    nb = rise_metadata.apply(toy_notebook(), language_info={"name": "python"})
    kinds = [rise_metadata.slide_type(c) for c in nb.cells]
    assert [c.source for c in nb.cells[:2]] == ["# Title", "import course_lib"]
    assert kinds == ["slide", "-", "slide", "slide", "-"]  # no "skip", no "subslide"
    assert nb.cells[1].metadata["jupyter"]["source_hidden"]
    assert nb.cells[4].metadata["jupyter"]["source_hidden"]  # remove_input figures: hidden in RISE too
    assert nb.metadata["rise"]["center"] is False and nb.metadata["rise"]["theme"] == "white"


def test_apply_is_idempotent_and_keeps_the_kernels_language_info():
    once = rise_metadata.apply(toy_notebook())
    twice = rise_metadata.apply(nbformat.from_dict(once))
    assert once == twice
    info = once.metadata["language_info"]
    assert info["name"] == "python" and info["version"].startswith("3.11")
    assert {"codemirror_mode", "file_extension", "mimetype", "pygments_lexer"} <= set(info)
