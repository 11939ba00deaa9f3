"""Sphinx hooks of the course site.

No Thebe: Jupyter Book 1 loads sphinx-thebe, whose set-up script ends up on every page twice
(a console error) and names a CDN; the pages link to Binder for live code instead.
"""


def _drop_thebe(app, pagename, templatename, context, doctree):
    def keep(asset):
        return "thebe" not in str(asset) and "thebe" not in str(getattr(asset, "attributes", {}).get("body", ""))

    context["script_files"] = [s for s in context.get("script_files", []) if keep(s)]
    context["css_files"] = [c for c in context.get("css_files", []) if keep(c)]


def setup(app):
    app.connect("html-page-context", _drop_thebe)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
