/* Navigation at every width.
 *
 * pydata-sphinx-theme 0.17.1 and sphinx-book-theme 1.3.0 both bind only the first
 * `.primary-toggle` / `.secondary-toggle` on the page: the buttons of pydata's own header bar,
 * which the book theme's layout never shows. The buttons a reader sees (in the article's
 * header) were bound to nothing, so below 992 px the navigation was unreachable and the
 * contents button did nothing. Each visible toggle now forwards its click to the bound one:
 * the book theme collapses or restores the sidebar on wide screens, pydata opens its
 * sidebar dialog on narrow ones. The header bar itself is hidden in course.css (it held only
 * a second search box).
 */
(function () {
  function forward(selector) {
    const toggles = Array.from(document.querySelectorAll(selector));
    const bound = toggles[0];
    toggles.slice(1).forEach((button) => {
      button.addEventListener("click", (event) => {
        event.preventDefault();
        event.stopPropagation();
        button.blur();
        bound.click();
      });
    });
  }
  function setUp() {
    forward(".primary-toggle");
    forward(".secondary-toggle");
    // On a phone the sidebars open as dialogs over the page: choosing a link in one (a
    // section of this page, or another page) closes it, so the reader sees where it leads.
    ["pst-primary-sidebar-modal", "pst-secondary-sidebar-modal"].forEach((id) => {
      const dialog = document.getElementById(id);
      if (!dialog) return;
      dialog.addEventListener("click", (event) => {
        if (event.target.closest("a[href]") && dialog.open) dialog.close();
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();

/* Click (or tap) a figure to see it at its drawn size: a wide multi-panel figure is shrunk to
 * the page's width, and its legends with it. The enlarged figure opens in a dialog that
 * scrolls; a click or Escape closes it. */
(function () {
  function setUp() {
    const images = document.querySelectorAll(".cell_output img");
    if (!images.length) return;
    const dialog = document.createElement("dialog");
    dialog.className = "course-figure-zoom";
    dialog.setAttribute("aria-label", "Figure at full size");
    const big = document.createElement("img");
    dialog.appendChild(big);
    document.body.appendChild(dialog);
    dialog.addEventListener("click", () => dialog.close());
    images.forEach((img) => {
      if (img.naturalWidth && img.naturalWidth <= img.clientWidth) return;
      img.classList.add("course-zoomable");
      img.title = "Click to enlarge";
      img.addEventListener("click", () => {
        big.src = img.currentSrc || img.src;
        big.alt = img.alt;
        dialog.showModal();
      });
    });
  }
  window.addEventListener("load", setUp);
})();

