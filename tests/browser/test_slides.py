"""The rendered lecture decks, opened in a real browser, offline."""

import nbformat
import pytest

from browser_support import ROOT, watch_page

SLIDES = ROOT / "slides"
BUILD = SLIDES / "_build"
DECKS = sorted(SLIDES.glob("[0-9][0-9]_*.ipynb"))


def expected_slides(path):
    """Slides (horizontal and vertical) nbconvert makes from a deck's slide metadata."""
    count, first = 0, True
    for cell in nbformat.read(path, as_version=4).cells:
        kind = cell.metadata.get("slideshow", {}).get("slide_type", "-")
        if kind in ("skip", "notes"):
            continue
        if kind in ("slide", "subslide") or first:
            count += 1
        first = False
    return count


# MathJax 2 puts a rendered frame (id "<script id>-Frame") next to each TeX script; the deck
# re-typesets a slide when it is shown, so wait for the frames on the current slide.
MATH_DONE = """() => window.MathJax && MathJax.isReady && MathJax.Hub.queue.pending === 0
    && Array.from(document.querySelectorAll('section.present script[type^="math/tex"]'))
        .every(s => { const f = document.getElementById(s.id + '-Frame');
                      return f && f.offsetWidth > 0; })"""


def wait_for_math(page):
    """Wait until MathJax has typeset the math on the current slide."""
    page.wait_for_function(MATH_DONE, timeout=30_000)


def test_every_deck_is_built():
    assert DECKS, "no slide decks in slides/"
    missing = [d.stem for d in DECKS if not (BUILD / f"{d.stem}.slides.html").is_file()]
    assert not missing, f"not built (run make slides): {missing}"


@pytest.mark.parametrize("deck", DECKS, ids=[d.stem for d in DECKS])
def test_deck_opens_offline_and_navigates(deck, browser, static_server, artifacts):
    base = static_server(BUILD)
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    problems = watch_page(page, [base + "/", "data:"])
    page.goto(f"{base}/{deck.stem}.slides.html")
    page.wait_for_function("() => window.Reveal && Reveal.isReady()", timeout=30_000)
    wait_for_math(page)

    assert page.evaluate("Reveal.getTotalSlides()") == expected_slides(deck)
    title = page.locator("section.present:not(.stack) h1").first.inner_text()
    assert title.strip().rstrip("¶").strip(), "the title slide shows no heading"
    page.screenshot(path=artifacts / f"{deck.stem}-first.png")

    shot_figure, overflowing = True, []
    while True:
        height = page.evaluate("Reveal.getCurrentSlide().scrollHeight")
        if height > page.evaluate("Reveal.getConfig().height") + 10:
            overflowing.append((page.evaluate("Reveal.getIndices()"), height))
        if page.evaluate("Reveal.isLastSlide()"):
            break
        page.keyboard.press("Space")  # Reveal's "next": fragments and vertical slides too
        page.wait_for_timeout(50)
        images = page.locator("section.present:not(.stack) img")
        if shot_figure and images.count():
            assert images.first.evaluate("img => img.naturalWidth") > 0
            wait_for_math(page)
            page.screenshot(path=artifacts / f"{deck.stem}-figure.png")
            shot_figure = False
    wait_for_math(page)
    page.screenshot(path=artifacts / f"{deck.stem}-last.png")
    assert page.evaluate("Reveal.getIndices().h") > 0

    math = page.locator(".MathJax_CHTML").count()
    raw = page.locator("section:has-text('$$')").count()
    page.close()
    assert not problems["errors"], problems["errors"]
    assert not problems["external"], f"requests left the machine: {problems['external']}"
    assert raw == 0, "some LaTeX was not typeset"
    assert not overflowing, f"slides taller than the screen (cut off): {overflowing}"
    if "$" in deck.read_text():
        assert math > 0, "the deck has LaTeX but MathJax rendered none"


@pytest.mark.parametrize("deck", DECKS, ids=[d.stem for d in DECKS])
def test_deck_opens_from_disk(deck, browser):
    """Opened as a file (no server at all), a deck still loads everything it needs."""
    page = browser.new_page()
    problems = watch_page(page, ["file://", "data:"])
    page.goto((BUILD / f"{deck.stem}.slides.html").as_uri())
    page.wait_for_function("() => window.Reveal && Reveal.isReady()", timeout=30_000)
    wait_for_math(page)
    total = page.evaluate("Reveal.getTotalSlides()")
    page.close()
    assert total == expected_slides(deck)
    assert not problems["errors"], problems["errors"]
    assert not problems["external"], f"requests left the machine: {problems['external']}"
