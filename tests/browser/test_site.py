"""The course website (make site), opened page by page in a real browser, offline.

Every page: no JavaScript or console error, no request off the host, every image loaded and
described (alt text), math typeset (no TeX source left in the text), headings in order, and
every internal link pointing at a file that exists. Then what a reader does: open and close a
solution, click a quiz answer, search for a term.
"""

import functools
import re
from urllib.parse import urldefrag, urlparse

import nbformat
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


# ---------------------------------------------------------------- every figure once, no reprs
def _article(path):
    html = _html(SITE / path)
    start = html.find("<article")
    return html[start:html.find("</article>", start)] if start >= 0 else html


def test_no_page_shows_an_object_repr():
    """`<keras.src.callbacks.history.History at 0x...>` and the like: what a cell's last value
    prints when nobody meant to show it."""
    found = {path: re.findall(r"&lt;[\w.]+(?: object)? at 0x[0-9a-f]+&gt;", _article(path))
             for path in pages()}
    found = {path: reprs for path, reprs in found.items() if reprs}
    assert not found, f"object reprs on {len(found)} pages: {found}"


def test_no_page_shows_a_figure_twice():
    """myst-nb names each image file by its content, so a figure shown twice (returned by a
    helper and drawn by the inline backend) is the same file twice on the page."""
    twice = {}
    for path in pages():
        sources = re.findall(r'<img[^>]+src="([^"]+)"', _article(path))
        repeated = sorted({s for s in sources if sources.count(s) > 1})
        if repeated:
            twice[path] = repeated
    assert not twice, f"{len(twice)} pages show a figure twice: {twice}"


def test_tex_in_code_spans_is_not_left_raw():
    found = [path for path in pages() if re.search(r"<code[^>]*>[^<]*\$\\", _article(path))]
    assert not found, f"TeX inside a code span (shown raw): {found}"


# ---------------------------------------------------------------- navigation at every width
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1400, "height": 900}}


def _open(browser, base, path, size, **context):
    context = browser.new_context(viewport=SIZES[size], has_touch=size == "phone", **context)
    page = context.new_page()
    problems = watch_page(page, [base + "/", "data:", "blob:"])
    page.goto(f"{base}/{path}")
    page.wait_for_load_state("load")
    page.wait_for_function(MATH_DONE, timeout=30_000)
    return page, problems


def _press(page, locator, size):
    locator.tap() if size == "phone" else locator.click()
    page.wait_for_timeout(400)


@pytest.mark.parametrize("size", SIZES)
def test_menu_contents_and_search_work_at_every_width(size, browser, site, artifacts):
    page, problems = _open(browser, site, "notebooks/04_variational_autoencoders.html", size)
    searches = [s for s in page.locator("form.bd-search, .search-button-field, .search-button").all()
                if s.is_visible()]
    assert len(searches) == 1, f"{size}: {len(searches)} search boxes in view"

    menu = page.locator(".bd-header-article .primary-toggle")
    assert menu.is_visible(), f"{size}: no menu button"
    box = menu.bounding_box()
    assert box["width"] >= 40 and box["height"] >= 40, f"{size}: menu button {box}"
    gans = page.locator("#pst-primary-sidebar-modal a[href*='05_gans'], "
                        "#pst-primary-sidebar a[href*='05_gans']").first
    contents = page.locator("#pst-secondary-sidebar-modal a.nav-link[href='#from-autoencoder-to-vae'], "
                            "#pst-secondary-sidebar a.nav-link[href='#from-autoencoder-to-vae']").first
    if size == "phone":
        assert not gans.is_visible()
        _press(page, menu, size)
        assert page.evaluate("document.getElementById('pst-primary-sidebar-modal').open")
        assert gans.is_visible(), "the menu opened without the notebooks in it"
        page.screenshot(path=artifacts / "site-nav-phone-menu.png")
        page.keyboard.press("Escape")
        page.wait_for_timeout(300)
        assert not gans.is_visible()
        toc = page.locator(".bd-header-article .secondary-toggle")
        assert toc.is_visible(), "no contents button"
        _press(page, toc, size)
        assert page.evaluate("document.getElementById('pst-secondary-sidebar-modal').open")
        assert contents.is_visible(), "the contents opened without the page's sections"
        page.screenshot(path=artifacts / "site-nav-phone-contents.png")
        _press(page, contents, size)   # a section link jumps there and closes the contents
        assert page.evaluate("location.hash") == "#from-autoencoder-to-vae"
        assert not page.evaluate("document.getElementById('pst-secondary-sidebar-modal').open")
        search = searches[0]
        _press(page, search, size)
        assert page.locator("#pst-search-dialog input[name=q]").is_visible()
        page.screenshot(path=artifacts / "site-nav-phone-search.png")
    else:
        assert gans.is_visible() and contents.is_visible(), "sidebars hidden at 1400 px"
        page.screenshot(path=artifacts / "site-nav-desktop.png")
        _press(page, menu, size)       # collapses the navigation, for a wider article
        page.wait_for_timeout(400)
        assert not gans.is_visible()
        page.screenshot(path=artifacts / "site-nav-desktop-collapsed.png")
        _press(page, menu, size)
        page.wait_for_timeout(400)
        assert gans.is_visible()
        searches[0].click()
        assert page.locator("#pst-search-dialog input[name=q], form.bd-search input[name=q]").first.is_visible()
    assert not problems["errors"], problems["errors"][:5]
    page.context.close()


# ---------------------------------------------------------------- what a reader can do on a page
@pytest.mark.parametrize("size", SIZES)
def test_notebook_page_offers_launch_downloads_repository_and_time(size, browser, site, artifacts):
    stem = "03_autoencoders"
    page, problems = _open(browser, site, f"notebooks/{stem}.html", size)
    header = page.locator(".bd-header-article")
    links = {label: header.locator(f".btn-{label}").first.get_attribute("href")
             for label in ("launch-binder-button", "download-student-button",
                           "download-solved-button", "source-repository-button",
                           "source-edit-button", "source-issues-button")}
    assert "mybinder.org" in links["launch-binder-button"]
    assert links["launch-binder-button"].endswith(f"urlpath=lab/tree/student/{stem}.ipynb")
    for kind in ("student", "solved"):
        href = links[f"download-{kind}-button"]
        assert href.endswith(f"_downloads/{kind}/{stem}.ipynb"), href
        assert (SITE / "_downloads" / kind / f"{stem}.ipynb").is_file()
    assert links["source-repository-button"] == "https://github.com/dgn-course/dgn-course"
    assert links["source-edit-button"].endswith(f"/edit/main/notebooks/{stem}.ipynb")
    assert "/issues/new" in links["source-issues-button"]
    assert header.locator(".btn-download-pdf-button").count() == 1
    download = header.locator("button[aria-label='Download this page']").first
    assert download.is_visible(), f"{size}: no download button in view"
    _press(page, download, size)
    assert header.locator(".btn-download-solved-button").first.is_visible()
    page.screenshot(path=artifacts / f"site-downloads-{size}.png")
    solved = nbformat.read(SITE / "_downloads" / "solved" / f"{stem}.ipynb", as_version=4)
    assert any(c.get("outputs") for c in solved.cells), "the solved notebook has no outputs"
    assert "on a 2-core CPU" in page.locator(".course-time").first.inner_text()
    assert not problems["errors"], problems["errors"][:5]
    page.context.close()


def test_home_page_gives_times_and_a_citation(browser, site, artifacts):
    page, _ = _open(browser, site, "index.html", "desktop")
    table = page.locator("table:has(a[href*='01_tensors_and_keras'])").first
    assert "time on a 2-core CPU" in table.inner_text()
    assert re.search(r"(<1|~[\d.]+) min", table.inner_text())
    cite = page.locator(".course-citation").first
    cite.scroll_into_view_if_needed()
    assert "Cite this course" in cite.inner_text() and "@software{" in cite.inner_text()
    page.screenshot(path=artifacts / "site-citation.png")
    page.context.close()


CONTRAST = """el => {
    const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
    const lum = ([r, g, b]) => [r, g, b].map(v => { v /= 255;
        return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
        .reduce((a, v, i) => a + v * [0.2126, 0.7152, 0.0722][i], 0);
    let node = el, bg = null;
    while (node && node.nodeType === 1) {
        const c = rgb(getComputedStyle(node).backgroundColor);
        if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) { bg = c.slice(0, 3); break; }
        node = node.parentElement;
    }
    const fg = rgb(getComputedStyle(el).color).slice(0, 3);
    const [a, b] = [lum(fg), lum(bg || [255, 255, 255])].sort((x, y) => y - x);
    return (a + 0.05) / (b + 0.05);
}"""


def test_quiz_and_checks_are_readable_in_dark_mode(browser, site, artifacts):
    page, _ = _open(browser, site, "notebooks/04_variational_autoencoders.html", "desktop",
                    color_scheme="dark")
    page.evaluate("document.documentElement.dataset.theme = 'dark'")
    page.wait_for_timeout(300)
    quiz = page.locator(".course-quiz-question").first
    check = page.locator(".cell_output div[style*='border-left:6px solid']").first
    quiz.scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "site-dark-quiz.png")
    ratios = {"quiz": quiz.evaluate(CONTRAST), "check": check.evaluate(CONTRAST)}
    check.scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "site-dark-check.png")
    assert all(r >= 4.5 for r in ratios.values()), ratios
    page.context.close()


# ---------------------------------------------------------------- figures at the page's width
FIGURES = """() => Array.from(document.querySelectorAll('.cell_output img')).map(img => ({
    src: img.getAttribute('src'), natural: img.naturalWidth, shown: img.clientWidth,
    zoomable: img.classList.contains('course-zoomable')}))"""
# The course's figures are drawn at 100 dpi with 11-pt tick labels and legends (the smallest
# text of course_lib.notebook.PROJECTOR_STYLE), about 15 px in the PNG.
SMALLEST_TEXT_PX = 11 * 100 / 72


@pytest.mark.parametrize("stem", [n.stem for n in NOTEBOOKS])
def test_figures_shrunk_below_legible_text_open_at_full_size(stem, browser, site, artifacts):
    """Each figure's displayed width against its drawn width, and the smallest text as shown,
    in points, recorded in site-figures-NN.json. A figure whose smallest text is shown under
    9 pt opens at its drawn size on a click."""
    import json

    page, _ = _open(browser, site, f"notebooks/{stem}.html", "desktop")
    page.wait_for_timeout(300)
    figures = page.evaluate(FIGURES)
    for figure in figures:
        figure["smallest_text_pt"] = round(
            SMALLEST_TEXT_PX * figure["shown"] / max(figure["natural"], 1) * 0.75, 1)
    (artifacts / f"site-figures-{stem[:2]}.json").write_text(json.dumps(figures, indent=1))
    small = [f for f in figures if f["smallest_text_pt"] < 9]
    assert all(f["zoomable"] for f in small), [f["src"] for f in small if not f["zoomable"]][:5]
    if small:
        first = page.locator("img.course-zoomable").first
        first.scroll_into_view_if_needed()
        first.click()
        zoomed = page.locator("dialog.course-figure-zoom img")
        assert zoomed.is_visible()
        assert zoomed.evaluate("img => img.clientWidth") >= min(small[0]["natural"], 1360) - 2
        page.screenshot(path=artifacts / f"site-figure-zoom-{stem[:2]}.png")
        page.keyboard.press("Escape")
    page.context.close()
