"""scripts/present.py: presentation copies that leave the course unchanged, show every result
and answer every request RISE makes."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
spec = importlib.util.spec_from_file_location("present", ROOT / "scripts" / "present.py")
present = importlib.util.module_from_spec(spec)
spec.loader.exec_module(present)

DECK = "01_tensorflow_keras_deep_learning.ipynb"
NOTEBOOK = "04_variational_autoencoders.ipynb"


def kinds(notebook):
    return [present.slide_type(c) for c in notebook.cells]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("present")
    sources = {p: p.read_bytes() for p in (ROOT / "slides" / DECK, ROOT / "notebooks" / NOTEBOOK)}
    written = present.build(out, [DECK, NOTEBOOK])
    return out, written, sources


def test_copies_are_written_beside_their_style_sheets_and_the_sources_are_untouched(built):
    out, written, sources = built
    assert sorted(written) == sorted([DECK, NOTEBOOK])
    assert (out / "rise.css").read_text() == (ROOT / "slides" / "rise.css").read_text()
    for name in written:  # RISE requests <notebook>.css: a 404 (text/html) otherwise
        assert (out / name).with_suffix(".css").is_file()
    for path, content in sources.items():
        assert path.read_bytes() == content


def test_the_presenting_lab_does_not_autosave_and_shift_enter_stays_on_the_slide(built):
    out, _, _ = built
    settings = out / ".lab" / "settings"
    docmanager = json.loads((settings / "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings").read_text())
    assert docmanager["autosave"] is False
    shortcuts = json.loads((settings / "@jupyterlab/shortcuts-extension/shortcuts.jupyterlab-settings").read_text())
    by_command = {s["command"]: s for s in shortcuts["shortcuts"]}
    assert by_command["RISE:smart-exec"]["disabled"] is True
    assert by_command["notebook:run-cell"]["keys"] == ["Shift Enter"]
    assert (out / ".lab" / "workspaces").is_dir()
    env = present.lab_environment(out)
    assert env["JUPYTERLAB_SETTINGS_DIR"] == str(settings)


def test_every_code_cell_is_the_first_of_its_step(built):
    out, _, _ = built
    notebook = nbformat.read(out / NOTEBOOK, as_version=4)
    code_in_step = 0
    for cell in notebook.cells:
        if present.slide_type(cell) in ("slide", "fragment"):
            code_in_step = 0
        if cell.cell_type == "code":
            code_in_step += 1
            assert code_in_step == 1, f"two code cells in one step: {cell.source[:60]!r}"
    source = nbformat.read(ROOT / "notebooks" / NOTEBOOK, as_version=4)
    assert kinds(notebook).count("slide") == kinds(source).count("slide")  # same slides
    applied = present.rise_metadata.apply(source).cells
    code = [c.source for c in notebook.cells if c.cell_type == "code"]
    assert code == [c.source for c in applied if c.cell_type == "code"] and len(notebook.cells) == len(applied)
    assert notebook.cells[0].cell_type == "code" and kinds(notebook)[:2] == ["slide", "-"]  # set-up first


def test_deck_copies_keep_their_notes(built):
    out, _, _ = built
    deck = nbformat.read(out / DECK, as_version=4)
    assert kinds(deck).count("notes") == kinds(deck).count("slide")


def test_fragments_take_the_markdown_above_the_code():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("## A", metadata={"slideshow": {"slide_type": "slide"}}),
                nbformat.v4.new_code_cell("a = 1"),
                nbformat.v4.new_markdown_cell("Now b:"),
                nbformat.v4.new_code_cell("b = 2"),
                nbformat.v4.new_code_cell("c = 3")]
    assert kinds(present.one_code_cell_per_step(nb)) == ["slide", "-", "fragment", "-", "fragment"]


def test_figures_come_from_the_executed_deck_only_when_it_matches():
    deck = nbformat.v4.new_notebook()
    figure = nbformat.v4.new_code_cell("plot()", metadata={"tags": ["remove_input"]})
    live = nbformat.v4.new_code_cell("print(1)")
    deck.cells = [figure, live]
    executed = nbformat.from_dict(json.loads(json.dumps(deck)))
    for cell in executed.cells:
        cell.outputs = [nbformat.v4.new_output("stream", text="out")]
    assert present.figure_outputs(deck, executed) == 1
    assert deck.cells[0].outputs and not deck.cells[1].outputs  # live code stays to be run
    executed.cells[1].source = "print(2)"
    assert present.figure_outputs(nbformat.v4.new_notebook(cells=[figure, live]), executed) == 0


def test_present_refuses_to_write_into_the_sources():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "present.py"), "--out",
                             str(ROOT / "notebooks"), "nothing"], capture_output=True, text=True,
                            check=False)
    assert result.returncode != 0 and "never writes" in result.stderr


def test_every_slide_opens_with_a_heading_not_a_bold_lead(built):
    """RISE's ArrowRight jumped over slides that opened with bold text (04's exercises)."""
    out, _, _ = built
    notebook = nbformat.read(out / NOTEBOOK, as_version=4)
    firsts = [c.source for c in notebook.cells if present.slide_type(c) == "slide" and c.cell_type == "markdown"]
    assert not [f[:40] for f in firsts if f.startswith("**")]
    assert "### Exercise 1 · The KL term\n\nWrite" in "".join(firsts)
