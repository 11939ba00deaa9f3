"""The rendered lecture decks, opened in a real browser, offline."""

import nbformat
import pytest

from browser_support import (
    ROOT,
    VIEWPORT,
    check_readable,
    measure_slide,
    record_measures,
    summarise,
    watch_page,
)

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
    page = browser.new_page(viewport=VIEWPORT)
    problems = watch_page(page, [base + "/", "data:"])
    page.goto(f"{base}/{deck.stem}.slides.html")
    page.wait_for_function("() => window.Reveal && Reveal.isReady()", timeout=30_000)
    wait_for_math(page)

    total = page.evaluate("Reveal.getTotalSlides()")
    assert total == expected_slides(deck)
    title = page.locator("section.present:not(.stack) h1").first.inner_text()
    assert title.strip().rstrip("¶").strip(), "the title slide shows no heading"
    page.screenshot(path=artifacts / f"{deck.stem}-first.png")

    visited, overflowing, measures = set(), [], []
    for _ in range(4 * total):  # ArrowRight, as a presenter's clicker sends it
        indices = page.evaluate("Reveal.getIndices()")
        visited.add((indices["h"], indices["v"]))
        height = page.evaluate("Reveal.getCurrentSlide().scrollHeight")
        if height > page.evaluate("Reveal.getConfig().height") + 10:
            overflowing.append((indices, height))
        wait_for_math(page)
        measures.append(measure_slide(page, "section.present:not(.stack)", indices))
        images = page.locator("section.present:not(.stack) img")
        if images.count():
            assert images.first.evaluate("img => img.naturalWidth") > 0
            page.screenshot(path=artifacts / f"{deck.stem}-slide-{len(visited):02d}.png")
        if page.evaluate("Reveal.isLastSlide()") and not page.evaluate(
                "Reveal.availableFragments().next"):
            break
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(50)
    page.screenshot(path=artifacts / f"{deck.stem}-last.png")

    math = page.locator(".MathJax_CHTML").count()
    raw = page.locator("section:has-text('$$')").count()
    page.close()
    summary = summarise(measures)
    record_measures(artifacts, f"deck {deck.stem}", len(visited), total, summary)
    assert len(visited) == total, f"ArrowRight reached {len(visited)} of {total} slides"
    assert not problems["errors"], problems["errors"]
    assert not problems["external"], f"requests left the machine: {problems['external']}"
    assert raw == 0, "some LaTeX was not typeset"
    assert not overflowing, f"slides taller than the screen (cut off): {overflowing}"
    if "$" in deck.read_text():
        assert math > 0, "the deck has LaTeX but MathJax rendered none"
    check_readable(summary)


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
