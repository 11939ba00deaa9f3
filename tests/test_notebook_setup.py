"""course_lib.setup_notebook: figure styles for notebooks and lecture decks; the first cell's imports."""

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


def test_every_notebook_and_deck_names_preprocessing_pp():
    """One alias per module across the course: a student moving from 04 to 05 reads `pp.`
    in both (issue 29: `preprocessing.` in 01-04 and `pp.` in 05-07 read as two modules)."""
    import ast
    import json
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    for path in sorted([*root.glob("notebooks/[0-9][0-9]_*.ipynb"), *root.glob("slides/*.ipynb")]):
        cells = json.loads(path.read_text())["cells"]
        for cell in cells:
            if cell["cell_type"] != "code":
                continue
            try:
                tree = ast.parse("".join(cell["source"]))
            except SyntaxError:  # IPython magics
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module == "course_lib":
                    for alias in node.names:
                        assert alias.name != "preprocessing" or alias.asname == "pp", path.name
