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


def test_a_figure_is_described_by_its_own_labels():
    import matplotlib.pyplot as plt

    from course_lib.notebook import describe_figure

    fig, (left, right) = plt.subplots(1, 2)
    left.plot([1, 2], label="train")
    left.plot([2, 1], label="validation")
    left.legend()
    left.set_xlabel("epoch")
    left.set_ylabel("loss")
    right.imshow([[0, 1], [1, 0]])
    right.set_title(r"$\beta$ = 4")
    fig.suptitle("training")
    assert describe_figure(fig) == ("A figure of 2 panels: training; loss against epoch "
                                    "(train, validation); beta = 4.")
    plt.close(fig)
    empty = plt.figure()
    assert describe_figure(empty) == "A figure."
    plt.close(empty)
