"""Render the lecture decks (slides/NN_*.ipynb) to reveal.js HTML that works offline.

Each deck is executed in a fresh kernel (its figures are drawn by course_lib at build
time) and exported with nbconvert's slides exporter through slides/templates/course_reveal.
reveal.js, MathJax 2, require.js and jQuery come from the npm packages pinned in
slides/package.json and are copied next to the decks, so a deck loads nothing from
the network: serve slides/_build/ (or open the files) anywhere.

Usage: python scripts/build_slides.py [DECK.ipynb ...]   (default: every deck)
"""

import shutil
import sys
import tempfile
import time
from html import escape
from pathlib import Path

import nbformat
from nbconvert import SlidesExporter
from nbconvert.preprocessors import ExecutePreprocessor
from rise_metadata import setup_cell_index
from traitlets.config import Config

ROOT = Path(__file__).resolve().parent.parent
SLIDES = ROOT / "slides"
BUILD = SLIDES / "_build"
NODE = SLIDES / "node_modules"
REMOVE_INPUT_TAG = "remove_input"  # figure cells: show the figure, not the code

# What each deck needs from the npm packages (MathJax 2 is large; only its TeX/CHTML parts).
ASSETS = {
    "reveal.js": ["dist", "plugin/notes", "LICENSE"],
    "mathjax": ["MathJax.js", "config/TeX-AMS_CHTML-full.js", "config/Safe.js", "extensions",
                "jax/input/TeX", "jax/output/CommonHTML", "jax/element",
                "fonts/HTML-CSS/TeX/woff", "LICENSE"],
    "requirejs": ["require.js"],
    "jquery": ["dist/jquery.min.js", "LICENSE.txt"],
}
URLS = {
    "reveal_url_prefix": "lib/reveal.js",
    "mathjax_url": "lib/mathjax/MathJax.js?config=TeX-AMS_CHTML-full,Safe",
    "require_js_url": "lib/requirejs/require.js",
    "jquery_url": "lib/jquery/dist/jquery.min.js",
}


def copy_assets():
    """Copy the pinned JavaScript packages the decks load into _build/lib."""
    if not (NODE / "reveal.js").is_dir():
        sys.exit("slides/node_modules is missing: run `npm ci` in slides/ (make slides does).")
    for package, parts in ASSETS.items():
        for part in parts:
            source, target = NODE / package / part, BUILD / "lib" / package / part
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, target, dirs_exist_ok=True)
            else:
                shutil.copy2(source, target)


def exporter():
    """Slides exporter pointed at the local copies and the course template."""
    config = Config()
    for name, url in URLS.items():
        setattr(config.SlidesExporter, name, url)
    config.SlidesExporter.reveal_number = "c/t"
    config.SlidesExporter.reveal_theme = "white"  # "simple" imports Google Fonts
    config.SlidesExporter.reveal_transition = "none"  # projectors and screenshots: no motion
    config.SlidesExporter.exclude_input_prompt = True
    config.SlidesExporter.exclude_output_prompt = True
    config.SlidesExporter.extra_template_basedirs = [str(SLIDES / "templates")]
    config.SlidesExporter.template_name = "course_reveal"
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_input_tags = {REMOVE_INPUT_TAG}
    return SlidesExporter(config=config)


def execute(notebook, folder, timeout=600):
    """Run a notebook in a fresh kernel that talks over local sockets, not TCP.

    Over TCP, ipykernel warns on every start that the traffic is not encrypted.
    """
    with tempfile.TemporaryDirectory() as sockets:
        config = Config()
        config.KernelManager.transport = "ipc"
        config.KernelManager.ip = str(Path(sockets) / "kernel")
        ExecutePreprocessor(config=config, timeout=timeout, kernel_name="python3").preprocess(
            notebook, {"metadata": {"path": str(folder)}})


def build_deck(path, slides_exporter):
    """Execute one deck and write its HTML; return the output path."""
    notebook = nbformat.read(path, as_version=4)
    execute(notebook, path.parent)
    # The executed deck, for the figures of its presentation copy (scripts/present.py).
    (BUILD / "executed").mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, BUILD / "executed" / path.name)
    # The set-up cell belongs to the title slide only so that RISE runs it live.
    del notebook.cells[setup_cell_index(notebook)]
    html, _ = slides_exporter.from_notebook_node(notebook, resources={"metadata": {
        "name": notebook.metadata.get("title", path.stem)}})
    out = BUILD / f"{path.stem}.slides.html"
    out.write_text(html, encoding="utf-8")
    return out


def deck_title(path):
    """The deck's first heading, for the index page."""
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return path.stem


def write_index(decks):
    """A plain page linking every deck."""
    items = "\n".join(f'<li><a href="{d.stem}.slides.html">{escape(deck_title(d))}</a></li>'
                      for d in decks)
    BUILD.joinpath("index.html").write_text(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<title>Lecture slides</title></head>\n<body style=\"font-family: sans-serif\">\n"
        "<h1>Deep Generative Networks in Single-Cell Transcriptomics: lecture slides</h1>\n"
        f"<ol>\n{items}\n</ol>\n</body></html>\n", encoding="utf-8")


def main(argv=None):
    """Build the named decks, or all of them."""
    args = sys.argv[1:] if argv is None else argv
    decks = [Path(a).resolve() for a in args] or sorted(SLIDES.glob("[0-9][0-9]_*.ipynb"))
    BUILD.mkdir(exist_ok=True)
    copy_assets()
    slides_exporter = exporter()
    for deck in decks:
        start = time.perf_counter()
        out = build_deck(deck, slides_exporter)
        print(f"wrote {out.relative_to(ROOT)} ({time.perf_counter() - start:.0f}s)")
    write_index(sorted(SLIDES.glob("[0-9][0-9]_*.ipynb")))


if __name__ == "__main__":
    main()
