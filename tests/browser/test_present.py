"""Presenting live from `make present`'s copies, as a guest instructor would: RISE in the
presenting lab's settings (scripts/present.py), from a fresh kernel, at 1280x800 and 1024x768.

Every deck is presented whole: the first Shift+Enter runs the set-up on the title slide, then
ArrowRight to every slide and Shift+Enter on every code cell. Each result must be on screen
after its Shift+Enter, on the same slide; no cell is added; every figure slide shows its
figure on arrival; every RISE request is answered; the sources stay as they were.
Course notebooks 04 and 07 are walked with ArrowRight and PageDown (their code is not run:
minutes of training on a shared 2-core machine), measuring every slide.
"""

import hashlib
import shutil
import sys
from pathlib import Path

import pytest

from browser_support import (
    LAB_TOKEN,
    ROOT,
    jupyter_lab,
    measure_slide,
    record_measures,
    summarise,
    wait_until_idle,
    watch_page,
)

sys.path.insert(0, str(ROOT / "scripts"))
import present

DECKS = sorted(p.name for p in (ROOT / "slides").glob("[0-9][0-9]_*.ipynb"))
NOTEBOOKS = ["04_variational_autoencoders.ipynb", "07_perturbation_trajectories_generation.ipynb"]
VIEWPORTS = [{"width": 1280, "height": 800}, {"width": 1024, "height": 768}]
PRESENT = ".reveal section.present:not(.stack)"
# Upstream noise of RISE's stand-alone page, not the course's: the ipywidgets manager cannot
# load there (jupyterlab-contrib/rise#119) and reveal's layout recursion; reported, not hidden.
KNOWN_UPSTREAM = ("Shared module @jupyterlab/console", "Maximum call stack size exceeded",
                  "Exception opening new comm")
STATE = """() => {
    const cells = Array.from(document.querySelectorAll('.reveal .jp-Cell'));
    const active = cells.findIndex(c => c.classList.contains('jp-mod-active'));
    return {number: document.querySelector('.reveal .slide-number').innerText.replace(/\\s/g, ''),
            active, code: active >= 0 && cells[active].classList.contains('jp-CodeCell'),
            cells: cells.length};
}"""
LAST_OUTPUT = """i => {
    const outs = document.querySelectorAll('.reveal .jp-Cell')[i].querySelectorAll('.jp-OutputArea-output');
    if (!outs.length) return null;
    const r = outs[outs.length - 1].getBoundingClientRect();
    return {top: r.top, bottom: r.bottom, height: innerHeight, text: outs[outs.length - 1].innerText.slice(0, 200)};
}"""
FIGURES_SHOWN = f"""() => Array.from(document.querySelectorAll('{PRESENT} .jp-OutputArea-output img'))
    .filter(img => img.naturalWidth > 0 && img.getBoundingClientRect().height > 0).length"""


def sources_digest():
    digest = hashlib.sha256()
    for path in sorted([*(ROOT / "slides").glob("*.ipynb"), *(ROOT / "notebooks").glob("*.ipynb")]):
        digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def presenting_lab(tmp_path_factory, artifacts):
    """JupyterLab over `scripts/present.py`'s copies with the presenting lab's user settings."""
    before = sources_digest()
    home = tmp_path_factory.mktemp("present")
    out = home / "present"
    present.build(out, [*DECKS, *NOTEBOOKS])
    shutil.copytree(out / ".lab" / "settings", home / "user-settings")
    with jupyter_lab(out, home, artifacts / "jupyterlab-present-server.log") as base:
        yield base
    assert sources_digest() == before, "presenting changed slides/ or notebooks/"


def open_slideshow(page, base, name):
    """RISE's slideshow of a copy, as `View > Open as Reveal Slideshow` opens it."""
    problems = watch_page(page, [base + "/", base.replace("http", "ws") + "/", "data:", "blob:"])
    failed = []
    page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.status} {r.url}"))
    page.goto(f"{base}/rise/{name}?token={LAB_TOKEN}")
    page.locator(PRESENT).first.wait_for(timeout=180_000)
    page.locator(".reveal .slide-number").wait_for(timeout=60_000)
    page.wait_for_timeout(1500)
    # A browser tab that gets the focus hands it to the notebook (RISE's body.onfocus).
    page.evaluate("() => document.querySelector('.reveal .jp-Notebook').focus()")
    return problems, failed


def shut_down_kernels(page, base):
    for kernel in page.request.get(f"{base}/api/kernels?token={LAB_TOKEN}").json():
        page.request.delete(f"{base}/api/kernels/{kernel['id']}?token={LAB_TOKEN}")


# Every deck at the projector size; deck 01 at the smaller one too (each live presentation
# runs a deck's code in a fresh kernel: all eight would add minutes to CI for little news)
PRESENTATIONS = [(deck, viewport) for deck in DECKS for viewport in VIEWPORTS
                 if viewport is VIEWPORTS[0] or deck.startswith("01")]


@pytest.mark.parametrize("deck, viewport", PRESENTATIONS,
                         ids=[f"{d[:2]}-{v['width']}x{v['height']}" for d, v in PRESENTATIONS])
def test_deck_presented_live_shows_every_result(presenting_lab, browser, artifacts, deck, viewport):
    base, size = presenting_lab, f"{viewport['width']}x{viewport['height']}"
    page = browser.new_page(viewport=viewport)
    problems, failed = open_slideshow(page, base, deck)
    start = page.evaluate(STATE)
    runs, visited, measures, figures_missing = [], [], [], []
    total = int(start["number"].split("/")[1])
    for _ in range(6 * total):
        state = page.evaluate(STATE)
        number = state["number"]
        if number not in visited:
            visited.append(number)
            shown = page.evaluate(FIGURES_SHOWN)
            hidden_code = page.locator(f"{PRESENT} .jp-CodeCell .jp-InputArea").filter(
                has=page.locator(".jp-InputPlaceholder")).count()
            if hidden_code and not shown and not number.startswith("1/"):
                figures_missing.append(number)
        if state["code"]:
            page.keyboard.press("Shift+Enter")
            wait_until_idle(page, base)
            after = page.evaluate(STATE)
            output = page.evaluate(LAST_OUTPUT, state["active"])
            runs.append({"slide": number, "after": after["number"], "output": output})
            measures.append(measure_slide(page, PRESENT, number))
            page.screenshot(path=artifacts / f"present-deck{deck[:2]}-{size}-{number.replace('/', 'of')}.png")
        if number.split("/")[0] == number.split("/")[1]:
            break
        page.keyboard.press("Escape")
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(700)
    end = page.evaluate(STATE)
    shut_down_kernels(page, base)
    page.close()
    summary = summarise(measures)
    errors = [e for e in problems["errors"] if not any(k in e for k in KNOWN_UPSTREAM)]
    record_measures(artifacts, f"present {deck} {size}", len(visited), total,
                    {**summary, "runs": len(runs), "upstream_console_errors":
                     len(problems["errors"]) - len(errors)})
    assert start["code"] and start["active"] == 0, "the slideshow did not open on the set-up cell"
    assert "backend" in (runs[0]["output"] or {}).get("text", ""), runs[0]
    assert len(visited) == total, f"ArrowRight reached {len(visited)} of {total} slides"
    assert end["cells"] == start["cells"], "Shift+Enter added a cell"
    for run in runs:
        assert run["after"] == run["slide"], f"Shift+Enter left slide {run['slide']}: {run}"
        out = run["output"]
        assert out and 0 <= out["top"] and out["bottom"] <= out["height"] + 1, \
            f"the output of slide {run['slide']} is not on screen: {out}"
        assert "Error" not in out["text"], out
    assert not figures_missing, f"figure slides without their figure on arrival: {figures_missing}"
    assert not failed, f"requests not answered: {failed}"
    assert not problems["external"], problems["external"]
    assert not errors, errors
    # decks 03 and 04 show no code and only figures (no text output): nothing to measure
    assert all(summary[k] is None or summary[k] >= 20 for k in ("min_code_px", "min_output_px")), summary
    assert summary["min_text_px"] >= 24, summary
    assert summary["widest_px"] <= summary["slide_width_px"] + 1, summary


@pytest.mark.parametrize("name", NOTEBOOKS)
@pytest.mark.parametrize("key", ["ArrowRight", "PageDown"])
def test_notebook_copy_every_slide_reached(presenting_lab, browser, artifacts, name, key):
    base = presenting_lab
    page = browser.new_page(viewport=VIEWPORTS[0])
    problems, failed = open_slideshow(page, base, name)
    total = int(page.evaluate(STATE)["number"].split("/")[1])
    visited, measures = [], []
    for _ in range(8 * total):
        number = page.evaluate(STATE)["number"]
        if number not in visited:
            visited.append(number)
            measures.append({**measure_slide(page, PRESENT, number), "tall": page.evaluate(
                f"() => document.querySelector('{PRESENT}').scrollHeight")})
            if key == "ArrowRight":
                page.screenshot(path=artifacts / f"present-{Path(name).stem[:2]}-{number.replace('/', 'of')}.png")
        if number.split("/")[0] == number.split("/")[1]:
            break
        page.keyboard.press("Escape")
        page.keyboard.press(key)
        page.wait_for_timeout(300)
    shut_down_kernels(page, base)
    page.close()
    summary = summarise(measures)
    tallest = max(measures, key=lambda m: m["tall"])
    record_measures(artifacts, f"present {name} {key}", len(visited), total,
                    {**summary, "tallest_px": tallest["tall"], "tallest_slide": tallest["where"]})
    assert len(visited) == total, f"{key} reached {len(visited)} of {total} slides"
    assert summary["widest_px"] <= summary["slide_width_px"] + 1, summary
    assert summary["min_text_px"] >= 24 and summary["min_code_px"] >= 20, summary
    assert not failed, f"requests not answered: {failed}"
    assert not problems["external"], problems["external"]


PRINT_PAGES = """() => Array.from(document.querySelectorAll('.pdf-page')).map(page => {
    const box = page.getBoundingClientRect();
    return Array.from(page.querySelectorAll('section *')).filter(e => {
        const r = e.getBoundingClientRect();
        return r.width > 0 && (r.bottom > box.bottom + 1 || r.right > box.right + 1);
    }).length; })"""
# TeX scripts on the pages with no drawn equation beside them (MathJax 2 puts its rendering, or
# a display block holding it, just before each script).
PRINT_UNDRAWN_MATH = """() => Array.from(document.querySelectorAll('.pdf-page script[type^="math/tex"]'))
    .filter(s => { const f = s.previousElementSibling;
                   const drawn = f && (f.matches('.MathJax_CHTML') ? f : f.querySelector('.MathJax_CHTML'));
                   return !(drawn && drawn.getBoundingClientRect().width > 0); }).length"""


@pytest.mark.parametrize("deck", sorted((ROOT / "slides" / "_build").glob("[0-9][0-9]_*.slides.html")),
                         ids=lambda p: p.name[:2])
def test_printable_handout_has_a_page_per_step_and_nothing_off_its_page(browser, artifacts, deck):
    """`?print-pdf`, as the guide tells an instructor to print a handout."""
    page = browser.new_page(viewport=VIEWPORTS[0])
    problems = watch_page(page, ["file://", "data:", "blob:"])
    page.goto(deck.as_uri() + "?print-pdf")
    page.wait_for_function("() => document.querySelectorAll('.pdf-page').length > 0", timeout=60_000)
    # the deck marks the moment MathJax has drawn every equation of the laid-out pages
    page.wait_for_function("() => document.documentElement.dataset.math === 'typeset'", timeout=60_000)
    overflow, undrawn = page.evaluate(PRINT_PAGES), page.evaluate(PRINT_UNDRAWN_MATH)
    page.pdf(path=artifacts / f"handout-{deck.name[:2]}.pdf", landscape=True, print_background=True,
             prefer_css_page_size=True)
    page.close()
    record_measures(artifacts, f"print {deck.name}", len(overflow), len(overflow),
                    {"pages_with_overflow": [i + 1 for i, n in enumerate(overflow) if n]})
    assert overflow, "no pages"
    assert not any(overflow), f"elements off their page, per page: {overflow}"
    assert undrawn == 0, f"{undrawn} equations left as TeX, not drawn"
    assert not problems["external"] and not problems["errors"], problems
