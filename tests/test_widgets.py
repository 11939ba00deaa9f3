"""course_lib.widgets: the latent explorer's static view where no widget frontend runs."""

from course_lib.widgets import STATIC_NOTE, _WithFallback


class FakeWidget:
    def _repr_mimebundle_(self, **kwargs):
        return {"application/vnd.jupyter.widget-view+json": {"model_id": "x"}, "text/plain": "VBox()"}


def test_static_view_names_the_way_to_the_live_explorer():
    # RISE cannot load the widget manager: it shows the richest other entry, the HTML.
    bundle = _WithFallback(FakeWidget(), b"\x89PNG...")._repr_mimebundle_()
    assert bundle["text/html"].startswith('<img src="data:image/png;base64,')
    assert STATIC_NOTE in bundle["text/html"] and "notebook view" in STATIC_NOTE
    assert "application/vnd.jupyter.widget-view+json" in bundle
