"""The course website (make site), opened page by page in a real browser, offline.

Every page: no JavaScript or console error, no request off the host, every image loaded and
described (alt text), math typeset (no TeX source left in the text), headings in order, and
every internal link pointing at a file that exists. Then what a reader does: open and close a
solution, click a quiz answer, search for a term.
"""

import functools
import re
from pathlib import Path
from urllib.parse import urldefrag, urlparse

import pytest

from browser_support import ROOT, watch_page

SITE = ROOT / "site" / "_build" / "html"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
VIEWPORT = {"width": 1280, "height": 900}


@functools.cache
def _html(path):
    return path.read_text(errors="replace")


def pages():
    """Every page of the book (not Sphinx's own files, not the decks, tested in test_slides)."""
    return sorted(p.relative_to(SITE).as_posix() for p in SITE.rglob("*.html")
                  if not any(part.startswith("_") or part == "slides"
                             for part in p.relative_to(SITE).parts))


def test_site_is_built_with_every_notebook():
    assert (SITE / "index.html").is_file(), "the site is not built: run `make site`"
    built = {p for p in pages() if p.startswith("notebooks/")}
    assert built == {f"notebooks/{n.stem}.html" for n in NOTEBOOKS}
    for extra in ("glossary.html", "references.html", "generated/data.html",
                  "generated/benchmark.html", "slides.html", "generated/instructors.html"):
        assert extra in pages()
    assert (SITE / "_static" / "mathjax" / "tex-chtml.js").is_file()
    for notebook in NOTEBOOKS:
        assert (SITE / "_downloads" / "student" / notebook.name).is_file()


# Sphinx loads MathJax 3 only on pages with math; there, typesetting is done once its startup
# promise has resolved.
MATH_DONE = """() => !document.querySelector('script[src*="mathjax"]')
    || (window.MathJax && MathJax.startup && MathJax.startup.promise.then(() => true))"""
PAGE_FACTS = r"""() => {
    const article = document.querySelector('article') || document.body;
    const clone = article.cloneNode(true);
    clone.querySelectorAll('pre, code, mjx-container, script, style, .highlight').forEach(e => e.remove());
    const headings = Array.from(article.querySelectorAll('h1, h2, h3, h4, h5, h6'))
        .map(h => Number(h.tagName[1]));
    return {
        text: clone.textContent,
        images: Array.from(document.querySelectorAll('article img')).map(img => ({
            src: img.currentSrc || img.src, width: img.naturalWidth, alt: img.getAttribute('alt')})),
        headings,
        links: Array.from(document.querySelectorAll('a[href]')).map(a => a.href),
        math: article.querySelectorAll('mjx-container').length,
    };
}"""


@pytest.fixture(scope="module")
def site(static_server):
    if not (SITE / "index.html").is_file():
        pytest.fail("the site is not built: run `make site`")
    return static_server(SITE)


def _load(browser, base, path):
    page = browser.new_page(viewport=VIEWPORT)
    problems = watch_page(page, [base + "/", "data:", "blob:"])
    page.goto(f"{base}/{path}")
    page.wait_for_load_state("load")
    page.wait_for_function(MATH_DONE, timeout=30_000)
    return page, problems


@pytest.mark.parametrize("path", pages() if SITE.is_dir() else [])
def test_page_loads_offline_and_complete(path, browser, site, artifacts):
    page, problems = _load(browser, site, path)
    facts = page.evaluate(PAGE_FACTS)
    name = path.replace("/", "-").removesuffix(".html")
    page.screenshot(path=artifacts / f"site-{name}.png", full_page=False)
    page.close()

    assert not problems["external"], f"{path} requested off-host: {problems['external'][:5]}"
    assert not problems["errors"], f"{path}: {problems['errors'][:5]}"
    broken = [i["src"] for i in facts["images"] if i["width"] == 0]
    assert not broken, f"{path}: images that did not load: {broken[:5]}"
    undescribed = [i["src"] for i in facts["images"] if not (i["alt"] or "").strip()]
    assert not undescribed, f"{path}: images without alt text: {undescribed[:5]}"
    leftover = re.findall(r"\$\$|\\frac|\\mathbf|\\begin\{|\\\(|\\\[", facts["text"])
    assert not leftover, f"{path}: TeX not typeset: {leftover[:5]}"
    levels = facts["headings"]
    assert levels and levels[0] == 1, f"{path}: the page does not start with one h1: {levels[:5]}"
    jumps = [(a, b) for a, b in zip(levels, levels[1:]) if b > a + 1]
    assert not jumps, f"{path}: heading levels skip: {jumps[:5]}"
    # internal links: the file each one names exists, and so does the anchor it points at
    missing = []
    for link in facts["links"]:
        url, anchor = urldefrag(link)
        if not url.startswith(site + "/"):
            continue
        target = SITE / urlparse(url).path.lstrip("/")
        if target.is_dir():
            target = target / "index.html"
        if not target.exists():
            missing.append(link)
        elif anchor and target.suffix == ".html" and f'id="{anchor}"' not in _html(target):
            missing.append(link)
    assert not missing, f"{path}: links to missing files or anchors: {missing[:5]}"


def test_notebook_page_shows_figures_solutions_and_links(browser, site, artifacts):
    page, problems = _load(browser, site, "notebooks/04_variational_autoencoders.html")
    assert page.locator("article img").count() >= 5
    toggle = page.locator("details.hide-above-input summary, .toggle-details summary, "
                          "details summary:has-text('Show solution')").first
    toggle.scroll_into_view_if_needed()
    hidden = page.locator("details:has(summary:has-text('Show solution'))").first
    assert not hidden.evaluate("d => d.open")
    page.locator("summary:has-text('Show solution')").first.click()
    assert hidden.evaluate("d => d.open")
    page.wait_for_timeout(500)  # the code fades in
    assert "def kl_divergence" in hidden.inner_text()
    page.screenshot(path=artifacts / "site-solution-open.png")
    page.locator("summary:has-text('Hide solution')").first.click()
    assert not hidden.evaluate("d => d.open")
    launch = page.locator("a:has-text('Launch the student notebook on Binder')").first
    assert "urlpath=lab/tree/student/04_variational_autoencoders.ipynb" in launch.get_attribute("href")
    download = page.locator("a:has-text('Download the student notebook')").first
    assert download.get_attribute("href").endswith("_downloads/student/04_variational_autoencoders.ipynb")
    assert not problems["errors"] and not problems["external"]
    page.close()


def test_model_answer_is_folded_until_opened(browser, site, artifacts):
    page, _ = _load(browser, site, "notebooks/02_mlp_mnist.html")
    answer = page.locator(".dropdown.admonition:has-text('Model answer')").first
    body = answer.locator("p:not(.admonition-title)").first
    answer.scroll_into_view_if_needed()
    assert not body.is_visible()
    answer.locator(".toggle-button").click()
    body.wait_for(state="visible", timeout=5_000)
    assert "Answer." in body.inner_text()
    page.screenshot(path=artifacts / "site-model-answer-open.png")
    answer.locator(".toggle-button").click()
    body.wait_for(state="hidden", timeout=5_000)
    page.close()


def test_quiz_answer_gives_feedback(browser, site, artifacts):
    page, _ = _load(browser, site, "notebooks/04_variational_autoencoders.html")
    quiz = page.locator(".course-quiz").first
    quiz.scroll_into_view_if_needed()
    right = quiz.locator("details:has(.course-quiz-right)").first
    wrong = quiz.locator("details:has(.course-quiz-wrong)").first
    assert not right.locator(".course-quiz-right").is_visible()
    right.locator("summary").click()
    assert "Right." in right.locator(".course-quiz-right").inner_text()
    wrong.locator("summary").click()
    feedback = wrong.locator(".course-quiz-wrong").inner_text()
    assert "Not quite." in feedback and len(feedback) > 30
    page.screenshot(path=artifacts / "site-quiz.png")
    page.close()


def test_search_finds_reparameterisation(browser, site, artifacts):
    page, problems = _load(browser, site, "search.html?q=reparameterisation")
    page.wait_for_selector("#search-results li, ul.search li", timeout=30_000)
    results = page.locator("#search-results li, ul.search li").all_inner_texts()
    assert any("Variational autoencoders" in r for r in results), results[:5]
    assert any("Glossary" in r for r in results), results[:5]
    page.screenshot(path=artifacts / "site-search.png")
    assert not problems["external"]
    page.close()


def test_glossary_terms_link_to_where_they_are_taught(browser, site, artifacts):
    page, _ = _load(browser, site, "glossary.html")
    terms = page.locator("dl.glossary dt").all_inner_texts()
    for term in ("ELBO", "KL divergence", "Reparameterisation", "beta-VAE", "Mode collapse",
                 "Wasserstein distance", "Library size", "HVG", "Latent arithmetic",
                 "Batch effect", "Pseudotime"):
        assert any(t.strip().startswith(term) for t in terms), term
    taught = page.locator("dl.glossary dd a[href*='notebooks/']")
    assert taught.count() >= len(terms)
    page.screenshot(path=artifacts / "site-glossary.png")
    page.close()
