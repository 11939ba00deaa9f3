"""Build the course website (Jupyter Book 1) from the notebooks as this run executed them.

The source notebooks' nbval run saves each notebook with its outputs into
test-artifacts/executed/ (conftest.py, COURSE_EXECUTED); the site renders those copies and
executes nothing, so one execution feeds the tests, the quality gate and the site.

Steps:
1. pages: each executed notebook becomes a page in site/notebooks/ with its solutions folded
   behind "Show solution", the model answers folded, plumbing and instructor cells left out,
   alt text on every figure, and links to launch it on Binder, download the student
   notebook and open the lecture deck it goes with; the data and benchmark pages are written
   into site/generated/ from course_lib.data and benchmarks/;
2. `jupyter-book build site` (Sphinx; no notebook is executed);
3. what the pages load but Sphinx does not manage is copied in: MathJax 3 from the npm
   package pinned in slides/package.json, and the rendered lecture decks.

Nothing is fetched from the network. Usage: python scripts/build_site.py  (make site)
"""

import ast
import copy
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # course_lib and benchmarks, also without an editable install

from course_lib import data as course_data  # noqa: E402
from course_lib.results import TARGETS  # noqa: E402

SITE = ROOT / "site"
BUILD = SITE / "_build" / "html"
PAGES = SITE / "notebooks"          # generated, git-ignored
GENERATED = SITE / "generated"      # generated, git-ignored
EXECUTED = ROOT / "test-artifacts" / "executed"
STUDENT = ROOT / "student"
DECKS = ROOT / "slides" / "_build"
MATHJAX = ROOT / "slides" / "node_modules" / "mathjax3" / "es5"
# What tex-chtml.js loads: itself, its fonts, and the TeX extensions and menu parts it
# fetches on demand.
MATHJAX_PARTS = ["tex-chtml.js", "output/chtml/fonts/woff-v2", "input/tex/extensions",
                 "ui", "a11y", "sre"]

# Which lecture deck (slides/NN_*.ipynb) goes with which notebook, as INSTRUCTORS.md says.
DECKS_BY_TITLE = {
    "TensorFlow, Keras and deep learning": ("01_tensorflow_keras_deep_learning", "01", "02"),
    "Autoencoders and VAEs": ("02_autoencoders_and_vaes", "03", "04"),
    "GANs": ("03_gans", "05"),
    "Single-cell applications": ("04_single_cell_applications", "06", "07"),
}
DECK_OF = {notebook: (deck, title) for title, (deck, *notebooks) in DECKS_BY_TITLE.items()
           for notebook in notebooks}

SOLUTION, PLUMBING, INSTRUCTOR = "solution", "plumbing", "instructor"


BENCHMARK = ROOT / "benchmarks" / "results.json"


def benchmark():
    """The TensorFlow benchmark (`make bench`): seconds and peak memory of every notebook."""
    return json.loads(BENCHMARK.read_text())


def minutes(seconds):
    """A notebook's time as a reader plans with it: "<1 min", else to the half minute."""
    if seconds < 60:
        return "<1 min"
    return f"~{round(seconds / 30) / 2:g} min"


def course_minutes(run=None):
    """All seven notebooks' time, to the minute, as the README and the home page say it."""
    run = run or benchmark()
    return round(sum(e["seconds"] for e in run["notebooks"].values()) / 60)


def config():
    return yaml.safe_load((SITE / "_config.yml").read_text())


def binder_url(repository, notebook):
    """mybinder.org link that opens the student version of a notebook in JupyterLab."""
    owner_repo = repository["url"].rstrip("/").removeprefix("https://github.com/")
    return (f"https://mybinder.org/v2/gh/{owner_repo}/{repository.get('branch', 'main')}"
            f"?urlpath=lab/tree/student/{notebook}")


def _plain(markdown):
    """Markdown and LaTeX reduced to readable text, for alt text."""
    text = re.sub(r"```.*?```", " ", markdown, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"\$+([^$]*)\$+", r"\1", text)
    text = re.sub(r"\\(?:mathbf|boldsymbol|mathcal|text|mathrm|operatorname)\{([^}]*)\}", r"\1", text)
    text = re.sub(r"\\([a-zA-Z]+)", r"\1", text)
    text = re.sub(r"^#+\s*", "", text, flags=re.M)
    text = re.sub(r"[*_`{}]", "", text)
    return re.sub(r"\s+", " ", text).strip()


def alt_text(markdown):
    """The sentence that introduces a figure: the last sentence of the markdown before it
    (or the heading, when that is all there is), at most 250 characters."""
    text = _plain(markdown)
    sentences = [s for s in re.split(r"(?<=[.:!?])\s+", text) if s]
    sentence = sentences[-1] if sentences else text
    if len(sentence) < 25 and len(sentences) > 1:
        sentence = " ".join(sentences[-2:])
    sentence = sentence.rstrip(":")
    return (sentence[:247] + "...") if len(sentence) > 250 else sentence


# What a reader should learn from the figures that carry no labels to describe them by
# (course_lib.notebook.describe_figure says only "A figure."): the schematics.
SCHEMATIC_ALT = {
    "plot_autoencoder_schematic": (
        "Schematic of an autoencoder: the input x passes through an encoder that narrows to a "
        "small code z, and a decoder widens z back into a reconstruction x-hat; the loss is "
        "the distance between x and x-hat."),
    "plot_vae_schematic": (
        "Schematic of a variational autoencoder: the encoder maps x to a mean and a log "
        "variance, a code z is sampled from that Gaussian (the reparameterisation trick), "
        "and the decoder reconstructs x from z; the loss adds the KL divergence to the prior "
        "to the reconstruction error."),
    "plot_gan_schematic": (
        "Schematic of a GAN: a generator turns random noise into fake samples, and a "
        "discriminator receives real and fake samples and outputs the probability that its "
        "input is real; each network is trained against the other."),
}
EMPTY_DESCRIPTION = re.compile(r"^A figure(?: of \d+ panels)?\.$")


def _calls(source):
    """The plotting helpers a cell calls, each with its call node."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [(node.func.attr, node) for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name) and node.func.value.id == "plotting"]


def _label(node):
    """A dict key as a reader would read it: a string, or an f-string with its fields as ..."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "..." for v in node.values)
    return None


def figure_alt(source, described, introduction):
    """Alt text for a cell's figures: their own description when it says something, else
    what the schematic shows, else the rows of an image grid by their labels, else the
    sentence that introduces the figure."""
    if described and not EMPTY_DESCRIPTION.match(described):
        return described
    for name, call in _calls(source):
        if name in SCHEMATIC_ALT:
            return SCHEMATIC_ALT[name]
        if name == "plot_image_rows" and call.args and isinstance(call.args[0], ast.Dict):
            labels = [_label(k) for k in call.args[0].keys]
            if labels and all(labels):
                context = alt_text(introduction).rstrip(".")
                return (f"Rows of images, one row each: {', '.join(labels)}."
                        + (f" {context[:1].upper()}{context[1:]}." if context else ""))
    return alt_text(introduction) or "Figure"


def _tags(cell):
    return cell.metadata.get("tags", [])


def _has_image(cell):
    return any("image/png" in output.get("data", {}) or "image/svg+xml" in output.get("data", {})
               for output in cell.get("outputs", []))


def page(executed):
    """The site page of one executed notebook (a new notebook; the input is not changed)."""
    nb = copy.deepcopy(executed)
    cells, last_markdown = [], ""
    for cell in nb.cells:
        tags = _tags(cell)
        if INSTRUCTOR in tags:
            continue
        if cell.cell_type == "markdown":
            if SOLUTION in tags:
                cell.source = (":::{admonition} Model answer (open it after writing yours)\n"
                               ":class: dropdown\n\n" + cell.source + "\n:::")
            else:
                last_markdown = cell.source
        elif cell.cell_type == "code":
            mystnb = cell.metadata.setdefault("mystnb", {})
            if PLUMBING in tags:
                # course machinery: it ran, but it is not part of the lesson
                cell.metadata["tags"] = tags + ["remove-cell"]
            elif SOLUTION in tags:
                cell.metadata["tags"] = tags + ["hide-input"]
                mystnb["code_prompt_show"] = "Show solution"
                mystnb["code_prompt_hide"] = "Hide solution"
            if _has_image(cell):
                # the figure's own description (course_lib.notebook.describe_figure, saved
                # with its output), else the sentence that introduces it
                described = list(dict.fromkeys(
                    o.get("metadata", {}).get("image/png", {}).get("alt", "")
                    for o in cell.get("outputs", []) if "image/png" in o.get("data", {})))
                described = " / ".join(d for d in described if d)
                mystnb["image"] = {"alt": figure_alt(cell.source, described, last_markdown)}
            # widgets need a kernel; the page shows their text fallback
            for output in cell.get("outputs", []):
                output.get("data", {}).pop("application/vnd.jupyter.widget-view+json", None)
        cells.append(cell)
    nb.cells = cells
    return nb


def links_cell(stem, repository, seconds=None):
    """The row of links under a notebook page's title: launch, downloads, deck, time."""
    deck, title = DECK_OF[stem[:2]]
    time = (f" · <span class=\"course-time\">about {minutes(seconds).lstrip('~')} on a 2-core CPU "
            f"(<a href=\"../generated/benchmark.html\">benchmark</a>)</span>"
            if seconds is not None else "")
    return nbformat.v4.new_markdown_cell(
        f"<p class=\"course-links\">"
        f"<a href=\"{binder_url(repository, stem + '.ipynb')}\">Launch the student notebook on Binder</a>"
        f" · <a href=\"../_downloads/student/{stem}.ipynb\" download>Download the student notebook</a>"
        f" · <a href=\"../_downloads/solved/{stem}.ipynb\" download>Download the solved notebook</a>"
        f" · <a href=\"../slides/{deck}.slides.html\">Lecture slides: {title}</a>{time}"
        f"</p>")


def write_pages(repository):
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    missing = [n.name for n in notebooks if not (EXECUTED / n.name).exists()]
    if missing:
        sys.exit(f"No executed copy of {', '.join(missing)} in {EXECUTED}.\n"
                 "The site renders the notebooks as the tests executed them: run `make notebooks` "
                 "(or `make executed` for the source notebooks only), then `make site` again.")
    shutil.rmtree(PAGES, ignore_errors=True)
    PAGES.mkdir(parents=True)
    seconds = {name: entry["seconds"] for name, entry in benchmark()["notebooks"].items()}
    for source in notebooks:
        executed = nbformat.read(EXECUTED / source.name, as_version=4)
        if [c.source for c in executed.cells] != [c.source for c in nbformat.read(source, 4).cells]:
            sys.exit(f"{EXECUTED / source.name} was executed from an older version of "
                     f"{source.relative_to(ROOT)}: its outputs would not match the page. Run "
                     "`make executed` (or `make notebooks`), then `make site` again.")
        nb = page(executed)
        nb.cells.insert(1, links_cell(source.stem, repository, seconds.get(source.stem)))
        nbformat.write(nb, PAGES / source.name)
    return [n.stem for n in notebooks]


def write_data_page():
    rows = ["| file | public URL | size | hash of the public file |", "|---|---|---|---|"]
    for path, entry in sorted(course_data.REGISTRY.items()):
        size = entry.public_size or entry.size
        rows.append(f"| `{path}` | <{entry.url}> | {size / 1e6:.1f} MB | `{entry.known_hash}` |")
    (GENERATED / "data.md").write_text(
        "# Data\n\n"
        "```{include} ../../data/README.md\n:start-after: \"# Data\"\n```\n\n"
        "## Every file, its address and its hash\n\n"
        "Generated from the registry in `course_lib/data.py`, which the loaders check every "
        "file against (a mirror may also hold the shared mirror's lossless re-encodings, whose "
        "hashes the registry lists too).\n\n" + "\n".join(rows) + "\n")


# Repository files that have a page on the site; links to any other file go to the repository.
SITE_PAGE_OF = {"benchmarks/RESULTS.md": "benchmark.md", "data/README.md": "data.md"}


def write_instructors_page(repository):
    """INSTRUCTORS.md, its links into the repository pointed at the site or the repository."""
    base = f"{repository['url'].rstrip('/')}/blob/{repository.get('branch', 'main')}/"

    def relink(match):
        target = match.group(1)
        if re.match(r"[a-z]+:|#", target):
            return match.group(0)
        return f"]({SITE_PAGE_OF.get(target, base + target)})"

    text = re.sub(r"\]\(([^)\s]+)\)", relink, (ROOT / "INSTRUCTORS.md").read_text())
    (GENERATED / "instructors.md").write_text(text)


def _fmt(value):
    return "–" if value is None else f"{value:.4g}"


def write_benchmark_page():
    bench = {}
    for backend, path in (("TensorFlow", "results.json"), ("JAX", "results-jax.json")):
        if (ROOT / "benchmarks" / path).exists():
            bench[backend] = json.loads((ROOT / "benchmarks" / path).read_text())
    lines = ["# Benchmark and targets", "",
             "Every notebook is timed by `make bench`: executed top to bottom in a fresh kernel "
             "on a 2-core CPU, with the kernel's peak memory polled every 0.2 s "
             "(`benchmarks/run.py`). The budgets: every notebook under 5 minutes and 1.5 GB, "
             "no cell over 60 s, the course under 18 minutes.", ""]
    for backend, run in bench.items():
        lines += [f"## {backend} ({run['cores']} cores, load average {run['load_average_start']} "
                  "at the start)", "",
                  "| notebook | seconds | longest cell (s) | peak memory (MB) | private memory (MB) |",
                  "|---|---|---|---|---|"]
        total = 0.0
        for name, entry in run["notebooks"].items():
            total += entry["seconds"]
            lines.append(f"| {name} | {entry['seconds']:.0f} | {entry['longest_cell_seconds']:.0f} "
                         f"| {entry['peak_rss_mb']:.0f} | {entry['private_peak_mb']:.0f} |")
        lines += [f"| **course** | **{total:.0f}** ({total / 60:.1f} min) | | | |", ""]
        over = [name for name, entry in run["notebooks"].items() if entry["peak_rss_mb"] > 1500]
        if backend == "JAX" and over:
            largest = max(run["notebooks"].items(), key=lambda item: item[1]["peak_rss_mb"])
            lines += [f"On JAX, {len(over)} of {len(run['notebooks'])} notebooks peak over the "
                      f"1.5 GB budget ({largest[0]}: {largest[1]['peak_rss_mb']:,.0f} MB). The "
                      "budget is Binder's, and Binder runs the course on TensorFlow (the table "
                      "above), where every notebook fits; the JAX run is a comparison of the "
                      "backends, not a way to take the course on Binder. Run it on JAX on a "
                      "machine with at least 4 GB of memory.", ""]
    results = {}
    run_results = ROOT / "test-artifacts" / "notebook-results.json"
    if run_results.exists():
        results = json.loads(run_results.read_text())
    bench_results = {}
    for entry in bench.get("TensorFlow", {}).get("notebooks", {}).values():
        bench_results.update(entry.get("results", {}))
    lines += ["## Targets", "",
              "What the notebooks promise (`course_lib.results.TARGETS`): each value is a result, "
              "or its gain over a baseline, that must lie in the given range. *This run* is the "
              "execution this site shows; *bench* is the TensorFlow benchmark above.", "",
              "| target | why | this run | met | bench | met |", "|---|---|---|---|---|---|"]
    for target in TARGETS:
        now, then = target.value(results), target.value(bench_results)
        lines.append(f"| `{target}` | {target.why} | {_fmt(now)} | "
                     f"{'yes' if target.met(results) else 'no'} | {_fmt(then)} | "
                     f"{'yes' if target.met(bench_results) else 'no'} |")
    lines += ["", "```{include} ../../benchmarks/SCGEN.md\n:heading-offset: 1\n```", ""]
    (GENERATED / "benchmark.md").write_text("\n".join(lines))


def notebook_titles():
    """Each source notebook's title, from its first heading ("# 04 · Title" -> "Title")."""
    titles = {}
    for source in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        first = nbformat.read(source, as_version=4).cells[0].source.splitlines()[0]
        titles[source.stem] = re.sub(r"^#\s*\d+\s*[·.:]?\s*", "", first).strip()
    return titles


def write_home_fragments(repository):
    """What the home page includes: the notebooks with their benchmark times, and the
    citation from CITATION.cff (links relative to the home page, which includes them)."""
    run = benchmark()
    rows = ["| # | notebook | time on a 2-core CPU |", "|---|---|---|"]
    for stem, title in notebook_titles().items():
        entry = run["notebooks"].get(stem)
        rows.append(f"| {stem[:2]} | [{title}](notebooks/{stem}.ipynb) | "
                    f"{minutes(entry['seconds']) if entry else '–'} |")
    rows += ["", f"All seven take about {course_minutes(run)} minutes in the "
             f"[benchmark](generated/benchmark.md) (`make bench`, {run['cores']} cores); each notebook's "
             "kernel stays under 1.5 GB of memory on the TensorFlow backend."]
    (GENERATED / "notebooks.md").write_text("\n".join(rows) + "\n")
    (GENERATED / "citation.md").write_text(citation_markdown())


def citation_markdown():
    """A "Cite this course" box from CITATION.cff: the sentence and a BibTeX entry."""
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    authors = " and ".join(a.get("name") or f"{a['family-names']}, {a['given-names']}"
                           for a in cff["authors"])
    year = config().get("copyright", "")
    url = cff["repository-code"]
    licences = ", ".join(cff["license"]) if isinstance(cff["license"], list) else cff["license"]
    bibtex = "\n".join([
        "@software{dgn_course,",
        f"  author  = {{{{{authors}}}}},",
        f"  title   = {{{{{cff['title']}}}}},",
        f"  version = {{{cff['version']}}},",
        f"  year    = {{{year}}},",
        f"  url     = {{{url}}},",
        "}"])
    return (":::{admonition} Cite this course\n:class: course-citation\n\n"
            f"{cff['message']}\n\n"
            f"{authors}. *{cff['title']}* (version {cff['version']}, {year}). <{url}>. "
            f"Licences: {licences}.\n\n"
            f"```bibtex\n{bibtex}\n```\n\n"
            "From `CITATION.cff` in the repository.\n:::\n")


def copy_static():
    """MathJax 3 and the decks, next to the pages that load them."""
    if not MATHJAX.is_dir():
        sys.exit(f"{MATHJAX} is missing: run `npm ci` in slides/ (make site does).")
    target = BUILD / "_static" / "mathjax"
    for part in MATHJAX_PARTS:
        source = MATHJAX / part
        if source.is_dir():
            shutil.copytree(source, target / part, dirs_exist_ok=True)
        else:
            (target / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / part)
    shutil.copy2(MATHJAX.parent / "LICENSE", target / "LICENSE")
    if not any(DECKS.glob("*.slides.html")):
        sys.exit(f"No rendered decks in {DECKS}: run `make slides` (make site does).")
    shutil.copytree(DECKS, BUILD / "slides", dirs_exist_ok=True)


def main():
    started = time.perf_counter()
    repository = config()["repository"]
    GENERATED.mkdir(parents=True, exist_ok=True)
    stems = write_pages(repository)
    write_data_page()
    write_benchmark_page()
    write_instructors_page(repository)
    write_home_fragments(repository)
    # the student notebooks, for download (the {download} role would rename them)
    downloads = BUILD / "_downloads" / "student"
    shutil.rmtree(SITE / "_build", ignore_errors=True)
    command = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(SITE), "--warningiserror",
               "--keep-going", "--quiet"]
    result = subprocess.run(command, cwd=ROOT)
    if result.returncode:
        sys.exit("The site did not build without warnings (listed above); site/_build/html "
                 "may be incomplete.")
    downloads.mkdir(parents=True, exist_ok=True)
    if not all((STUDENT / f"{stem}.ipynb").exists() for stem in stems):
        sys.exit(f"The student notebooks are missing from {STUDENT}: run `make student` "
                 "(make site does).")
    for stem in stems:
        shutil.copy2(STUDENT / f"{stem}.ipynb", downloads / f"{stem}.ipynb")
    # the solved notebooks: the sources with their solutions, as the tests ran them (outputs)
    solved = BUILD / "_downloads" / "solved"
    solved.mkdir(parents=True, exist_ok=True)
    for stem in stems:
        shutil.copy2(EXECUTED / f"{stem}.ipynb", solved / f"{stem}.ipynb")
    copy_static()
    pages = [p for p in BUILD.rglob("*.html")
             if not any(part.startswith("_") or part == "slides"
                        for part in p.relative_to(BUILD).parts)]
    size = sum(f.stat().st_size for f in BUILD.rglob("*") if f.is_file()) / 1e6
    print(f"site: {len(pages)} pages and {len(stems)} notebooks in {BUILD.relative_to(ROOT)}, "
          f"{size:.0f} MB, built in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
