"""course_lib.setup_notebook: figure styles for notebooks and lecture decks."""

import matplotlib as mpl

from course_lib.notebook import PROJECTOR_STYLE, SLIDE_STYLE, setup_notebook


def test_slides_get_larger_text_and_notebooks_get_it_back():
    setup_notebook(seed=0, slides=True)
    assert mpl.rcParams["xtick.labelsize"] == SLIDE_STYLE["xtick.labelsize"]
    assert SLIDE_STYLE["legend.fontsize"] > PROJECTOR_STYLE["legend.fontsize"]
    setup_notebook(seed=0)
    assert mpl.rcParams["xtick.labelsize"] == PROJECTOR_STYLE["xtick.labelsize"]
    assert mpl.rcParams["font.size"] == PROJECTOR_STYLE["font.size"]


def test_setup_prints_one_banner_and_returns_nothing(capsys):
    # A returned value would be shown as a stray "Out:" under the set-up cell.
    assert setup_notebook(seed=0) is None
    banner = capsys.readouterr().out
    assert banner.count("\n") == 1 and "backend, seed 0" in banner
