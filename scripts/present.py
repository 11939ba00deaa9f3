"""Presentation copies of the decks and notebooks, and a JupyterLab to present them live with RISE.

`make present` runs this. It writes, into the git-ignored folder present/ (rebuilt from the
committed sources every time, so it is also the reset after a class):
- a copy of every deck (slides/NN_*.ipynb) and course notebook (notebooks/NN_*.ipynb), made
  RISE-ready by scripts/rise_metadata.py; nothing is written back to slides/ or notebooks/,
  so presenting leaves the course unchanged whatever RISE autosaves;
- in each deck copy, the figures of its hidden-input cells from the rendered deck's execution
  (slides/_build/executed/, written by `make slides`): a figure slide shows its figure on
  arrival, before any Shift+Enter;
- the set-up cell first on the title slide, so the first Shift+Enter runs it;
- in the copies, every code cell after the first of a slide starts a fragment (with the
  markdown just above it): ArrowRight reveals it and RISE selects its code, so one
  Shift+Enter runs one visible cell and the slide stays on screen with its output;
- rise.css and <notebook>.css beside the copies (RISE always asks for both; without the
  second, the server answers 404 as text/html and the console shows an error);
- present/.lab/: JupyterLab user settings for this lab only (autosave off; in a slideshow
  Shift+Enter runs the cell and stays instead of jumping to the next slide, so the class
  sees every result, and no empty cell is appended after the last one), and an empty
  workspace folder, so no tabs or kernels of an earlier session come back.

Usage: python scripts/present.py [--out DIR] [--lab] [NAME ...]
NAME: deck or notebook file names (default: all). --lab then starts JupyterLab on DIR.
"""

import argparse
import copy
import json
import os
import shutil
import sys
from pathlib import Path

import nbformat
import rise_metadata

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [ROOT / "slides", ROOT / "notebooks"]
EXECUTED_DECKS = ROOT / "slides" / "_build" / "executed"
STYLE_SHEET = ROOT / "slides" / "rise.css"
SLIDESHOW = ".lm-Widget.reveal .jp-Notebook:focus"

# JupyterLab user settings for the presenting lab only (JUPYTERLAB_SETTINGS_DIR).
LAB_SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/shortcuts-extension/shortcuts.jupyterlab-settings": {"shortcuts": [
        # RISE's Shift+Enter runs the cell and selects the next one at once, and RISE then
        # shows the next cell's slide: the class never saw the output. Run and stay instead.
        {"command": "RISE:smart-exec", "keys": ["Shift Enter"], "selector": SLIDESHOW,
         "disabled": True},
        {"command": "notebook:run-cell", "keys": ["Shift Enter"], "selector": SLIDESHOW},
    ]},
    "jupyterlab-rise/plugin.jupyterlab-settings": {
        "auto_select": "code", "start_slideshow_at": "beginning"},
}


def slide_type(cell):
    return cell.metadata.get("slideshow", {}).get("slide_type", "-")


def one_code_cell_per_step(notebook):
    """Every code cell after the first of a slide (or fragment) starts a fragment, together
    with the markdown cells right above it that belong to the same step."""
    step_has_code = False
    for index, cell in enumerate(notebook.cells):
        kind = slide_type(cell)
        if kind in ("slide", "subslide", "fragment"):
            step_has_code = False
        if cell.cell_type != "code" or kind in ("skip", "notes"):
            continue
        if step_has_code:
            start = index
            while start > 0 and notebook.cells[start - 1].cell_type == "markdown" \
                    and slide_type(notebook.cells[start - 1]) == "-":
                start -= 1
            rise_metadata.set_slide_type(notebook.cells[start], "fragment")
        step_has_code = True
    return notebook


def setup_first(notebook):
    """The set-up cell becomes the first cell of the title slide: a slideshow opens with the
    first cell selected, so the first Shift+Enter runs the set-up (and stays on the title)."""
    if rise_metadata.setup_cell_index(notebook) == 1:
        title, setup = notebook.cells[0], notebook.cells[1]
        rise_metadata.set_slide_type(setup, "slide")
        rise_metadata.set_slide_type(title, "-")
        notebook.cells[0], notebook.cells[1] = setup, title
    return notebook


def figure_outputs(notebook, executed):
    """Copy the outputs of hidden-input cells from the executed deck (same cells, in order)."""
    hidden = [c for c in notebook.cells if c.cell_type == "code"]
    ran = [c for c in executed.cells if c.cell_type == "code"]
    if [c.source for c in hidden] != [c.source for c in ran]:
        return 0  # the rendered deck is older than the deck: run `make slides`
    copied = 0
    for cell, done in zip(hidden, ran):
        if rise_metadata.HIDDEN_INPUT_TAG in cell.metadata.get("tags", []) and done.outputs:
            cell.outputs = copy.deepcopy(done.outputs)
            copied += 1
    return copied


def presentation_copy(source, language_info=None):
    """The notebook at `source` as it is presented; returns (notebook, figures filled in)."""
    notebook = rise_metadata.apply(nbformat.read(source, as_version=4), language_info)
    setup_first(notebook)
    one_code_cell_per_step(notebook)
    figures = 0
    executed = EXECUTED_DECKS / source.name
    if source.parent == ROOT / "slides" and executed.is_file():
        figures = figure_outputs(notebook, nbformat.read(executed, as_version=4))
    return notebook, figures


def write_lab_settings(folder):
    for name, value in LAB_SETTINGS.items():
        path = folder / "settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value, indent=2) + "\n")
    (folder / "workspaces").mkdir(parents=True, exist_ok=True)


def build(out, names=()):
    """Write the presentation copies into `out`; returns the names written."""
    out.mkdir(parents=True, exist_ok=True)
    language_info = rise_metadata.kernel_language_info()
    shutil.copyfile(STYLE_SHEET, out / "rise.css")
    written = []
    for folder in SOURCES:
        for source in sorted(folder.glob("[0-9][0-9]_*.ipynb")):
            if names and source.name not in names and source.stem not in names:
                continue
            notebook, figures = presentation_copy(source, language_info)
            nbformat.write(notebook, out / source.name)
            # RISE always requests <notebook>.css too; the course's style is all in rise.css.
            (out / f"{source.stem}.css").write_text(
                f"/* RISE loads this after rise.css when presenting {source.name}; "
                "the course's slide style is in rise.css. */\n")
            written.append(source.name)
            print(f"{out.name}/{source.name}" + (f" ({figures} figures)" if figures else ""))
    shutil.rmtree(out / ".lab", ignore_errors=True)  # settings and workspaces start fresh
    write_lab_settings(out / ".lab")
    return written


def lab_environment(out):
    return dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(out / ".lab" / "settings"),
                JUPYTERLAB_WORKSPACES_DIR=str(out / ".lab" / "workspaces"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*")
    parser.add_argument("--out", type=Path, default=ROOT / "present")
    parser.add_argument("--lab", action="store_true", help="then start JupyterLab on it")
    args = parser.parse_args(argv)
    if args.out.resolve() in {p.resolve() for p in SOURCES}:
        sys.exit("present.py writes copies; it never writes into slides/ or notebooks/")
    written = build(args.out, args.names)
    if not written:
        sys.exit(f"no deck or notebook named {args.names}")
    print(f"{len(written)} presentation copies in {args.out} (rebuilt from the sources)")
    if args.lab:
        jupyter = Path(sys.executable).with_name("jupyter")
        command = [str(jupyter), "lab", f"--notebook-dir={args.out}",
                   f"--LabApp.default_url=/lab/tree/{written[0]}?reset"]
        os.execve(command[0], command, lab_environment(args.out))


if __name__ == "__main__":
    main()
