"""Make notebooks presentable live with RISE (jupyterlab-rise), from a fresh kernel, offline.

For every NN_*.ipynb in the folders (or the notebooks) named, idempotently:
- notebook metadata ``rise``: the course's settings (local "white" theme: "simple" loads
  Google Fonts; no vertical centring, so output of a live run grows downwards and stays
  visible; slide numbers as current/total);
- no vertical sub-slides: RISE passes no ``navigationMode`` to reveal.js, and its default
  navigation makes ArrowRight and a presenter's clicker jump over vertical slides;
- the set-up cell (the first code cell) on the title slide with its input hidden, so the
  first Shift+Enter of a presentation runs it; figure cells tagged ``remove_input`` (hidden
  in the rendered decks) get their input hidden in RISE as well;
- ``kernelspec`` and ``language_info`` exactly as this environment's kernel writes them,
  so opening and running a notebook leaves its committed metadata unchanged.
RISE reads its style sheet from ``rise.css`` next to the notebook, so each folder named
gets a relative link to slides/rise.css if it has none (a folder built elsewhere, such as
student/, needs a copy).

Usage: python scripts/rise_metadata.py [--check] PATH...   (a folder or a notebook)
``--check`` changes nothing and exits 1 if a notebook needs an update.
"""

import argparse
import os
import sys
from pathlib import Path

import nbformat

RISE_SETTINGS = {
    "theme": "white",
    "transition": "none",
    "slideNumber": "c/t",
    "center": False,
    "scroll": True,
}
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
HIDDEN_INPUT_TAG = "remove_input"


def kernel_language_info():
    """The language_info this environment's IPython kernel reports (and JupyterLab stores)."""
    from ipykernel.ipkernel import IPythonKernel

    return dict(IPythonKernel.language_info)


def setup_cell_index(notebook):
    """Index of the set-up cell: the first code cell."""
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code":
            return index
    return None


def slide_type(cell):
    return cell.metadata.get("slideshow", {}).get("slide_type", "-")


def set_slide_type(cell, kind):
    cell.metadata.setdefault("slideshow", {})["slide_type"] = kind


def hide_input(cell):
    cell.metadata.setdefault("jupyter", {})["source_hidden"] = True


def apply(notebook, language_info=None):
    """Apply the course's RISE settings to a notebook in place."""
    notebook.metadata["rise"] = dict(RISE_SETTINGS)
    notebook.metadata["kernelspec"] = dict(KERNELSPEC)
    notebook.metadata["language_info"] = language_info or kernel_language_info()
    cells = notebook.cells
    set_slide_type(cells[0], "slide")
    setup = setup_cell_index(notebook)
    if setup is not None:
        # Only markdown comes before the first code cell: move it up to the title slide.
        cells.insert(1, cells.pop(setup))
        set_slide_type(cells[1], "-")
        hide_input(cells[1])
    for cell in cells:
        if slide_type(cell) == "subslide":
            set_slide_type(cell, "slide")
        if HIDDEN_INPUT_TAG in cell.metadata.get("tags", []):
            hide_input(cell)
    return notebook


STYLE_SHEET = Path(__file__).resolve().parent.parent / "slides" / "rise.css"


def link_style_sheet(folder):
    """Give a folder RISE's style sheet as a relative link to slides/rise.css."""
    target = Path(folder) / "rise.css"
    if not target.exists():
        target.symlink_to(Path(os.path.relpath(STYLE_SHEET, Path(folder).resolve())))
        print(f"linked: {target} -> slides/rise.css")


def notebooks_in(paths):
    """The notebooks named, and the NN_*.ipynb of the folders named."""
    for path in map(Path, paths):
        yield from sorted(path.glob("[0-9][0-9]_*.ipynb")) if path.is_dir() else [path]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--check", action="store_true", help="report, do not write")
    args = parser.parse_args(argv)
    language_info, stale = kernel_language_info(), []
    if not args.check:
        for folder in {Path(p) if Path(p).is_dir() else Path(p).parent for p in args.paths}:
            link_style_sheet(folder)
    for path in notebooks_in(args.paths):
        before = nbformat.read(path, as_version=4)
        after = apply(nbformat.from_dict(before), language_info)
        if after != before:
            stale.append(path)
            if not args.check:
                nbformat.write(after, path)
    for path in stale:
        print(f"{'needs' if args.check else 'updated'}: {path}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
