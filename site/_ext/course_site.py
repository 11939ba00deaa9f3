"""Sphinx hooks of the course site.

No Thebe: Jupyter Book 1 loads sphinx-thebe, whose set-up script ends up on every page twice
(a console error) and names a CDN; the pages link to Binder for live code instead.

The buttons at the top of each page (sphinx-book-theme's header buttons), made for where the
course's files really are: the theme would point a notebook page's "download", "launch" and
"edit" at site/notebooks/*.ipynb, copies the build writes and git ignores. A notebook page
gets its student and solved notebooks to download and the student notebook to launch on
Binder; every page a print (or save as PDF) button, and "Suggest edit" opens the file the page
is made from (none for the generated benchmark page).
"""

from pathlib import Path
from urllib.parse import quote

import yaml

# pages written by scripts/build_site.py, and the repository file each is made from
SOURCE_OF = {"generated/data": "data/README.md", "generated/instructors": "INSTRUCTORS.md",
             "generated/benchmark": None}


def _drop_thebe(app, pagename, templatename, context, doctree):
    def keep(asset):
        return "thebe" not in str(asset) and "thebe" not in str(getattr(asset, "attributes", {}).get("body", ""))

    context["script_files"] = [s for s in context.get("script_files", []) if keep(s)]
    context["css_files"] = [c for c in context.get("css_files", []) if keep(c)]


def _repository_options(app, config):
    """The theme's repository options from `repository` and `html` in _config.yml, the one
    place that says where the course lives (the `sphinx.config.html_theme_options` set there
    replace those Jupyter Book would derive)."""
    book = yaml.safe_load((Path(app.srcdir) / "_config.yml").read_text())
    repository, html = book["repository"], book.get("html", {})
    config.html_theme_options.update({
        "repository_url": repository["url"], "repository_branch": repository.get("branch", "main"),
        "path_to_docs": repository.get("path_to_book", ""),
        **{key: html.get(key, False) for key in
           ("use_repository_button", "use_issues_button", "use_edit_page_button")}})


def _repository(app):
    options = app.config.html_theme_options
    return options.get("repository_url", "").rstrip("/"), options.get("repository_branch", "main")


def source_path(pagename):
    """The repository file a page is made from (None: generated from several)."""
    if pagename.startswith("notebooks/"):
        return f"{pagename}.ipynb"
    if pagename in SOURCE_OF:
        return SOURCE_OF[pagename]
    return f"site/{pagename}.md"


def _header_buttons(app, pagename, templatename, context, doctree):
    if doctree is None or "header_buttons" not in context:
        return
    url, branch = _repository(app)
    buttons = context["header_buttons"]
    for group in buttons:
        inner = group.get("buttons", [group])
        for button in list(inner):
            if button.get("label") == "source-edit-button":
                path = source_path(pagename)
                if path is None:
                    inner.remove(button)
                else:
                    button["url"] = f"{url}/edit/{branch}/{path}"
            elif button.get("label") == "source-issues-button":
                title = quote(f"Site page {pagename}: ")
                button["url"] = f"{url}/issues/new?title={title}"
    root = context["pathto"]("", 1).rstrip("/")
    downloads = []
    if pagename.startswith("notebooks/"):
        stem = pagename.removeprefix("notebooks/")
        downloads += [
            {"type": "link", "url": f"{root}/_downloads/student/{stem}.ipynb",
             "text": "student notebook", "tooltip": "Download the student notebook (exercises open)",
             "icon": "fas fa-file-code", "label": "download-student-button"},
            {"type": "link", "url": f"{root}/_downloads/solved/{stem}.ipynb",
             "text": "solved notebook", "tooltip": "Download the notebook with its solutions and outputs",
             "icon": "fas fa-file-circle-check", "label": "download-solved-button"},
        ]
    downloads.append({"type": "javascript", "javascript": "window.print()", "text": "print / PDF",
                      "tooltip": "Print this page or save it as PDF", "icon": "fas fa-file-pdf",
                      "label": "download-pdf-button"})
    buttons.insert(0, {"type": "group", "tooltip": "Download this page", "icon": "fas fa-download",
                       "buttons": downloads, "label": "download-buttons"})
    if pagename.startswith("notebooks/"):
        owner_repo = url.removeprefix("https://github.com/")
        binder = (f"https://mybinder.org/v2/gh/{owner_repo}/{branch}"
                  f"?urlpath=lab/tree/student/{pagename.removeprefix('notebooks/')}.ipynb")
        buttons.insert(0, {"type": "group", "tooltip": "Launch the student notebook",
                           "icon": "fas fa-rocket", "label": "launch-buttons", "buttons": [
                               {"type": "link", "url": binder, "text": "Binder",
                                "tooltip": "Launch the student notebook on Binder",
                                "icon": "fas fa-rocket", "label": "launch-binder-button"}]})


def setup(app):
    app.connect("config-inited", _repository_options)
    app.connect("html-page-context", _drop_thebe)
    app.connect("html-page-context", _header_buttons, priority=502)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
