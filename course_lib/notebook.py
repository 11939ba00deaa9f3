"""Notebook start-up: quiet logs, seeded randomness, projector-friendly figures."""

import logging
import re
import warnings

import matplotlib as mpl

# Categorical colours distinct for readers with the common colour-vision deficiencies
# (course_lib.plotting.category_colours picks from them).
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#000000",
             "#F0E442")
TABLEAU_COLORBLIND = ("#006BA4", "#FF800E", "#ABABAB", "#595959", "#5F9ED1", "#C85200",
                      "#898989", "#A2C8EC", "#FFBC79", "#CFCFCF")

PROJECTOR_STYLE = {
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "font.size": 13,
    "axes.titlesize": 14,
    "axes.labelsize": 13,
    "legend.fontsize": 11,
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "image.cmap": "viridis",
    # lines and bars in colours that colour-blind readers tell apart
    "axes.prop_cycle": mpl.cycler(color=OKABE_ITO),
}
# A deck shows a wide figure at about two thirds of its notebook size; larger text keeps
# ticks and legends legible from the back of a lecture room.
SLIDE_STYLE = {**PROJECTOR_STYLE, "font.size": 16, "axes.titlesize": 17, "axes.labelsize": 16,
               "legend.fontsize": 15, "xtick.labelsize": 15, "ytick.labelsize": 15}


# Warnings a student can do nothing about, by category and message. Every other warning
# still shows (a ConvergenceWarning, Keras's "ran out of data"), and CI fails on any that
# reaches a notebook's output (tests/quality/test_notebook_output.py).
IGNORED_WARNINGS = [
    (FutureWarning, ""),  # library deprecations, for the libraries' users, not ours
    (DeprecationWarning, ""),
    (UserWarning, r"Transforming to str index"),  # anndata, on reading the published files
    (UserWarning, r"(Variable|Observation) names are not unique"),  # anndata, ditto
]


def quiet_libraries():
    """Silence the warnings and log lines that say nothing to a student."""
    for category, message in IGNORED_WARNINGS:
        warnings.filterwarnings("ignore", message=message, category=category)
    for name in ("tensorflow", "absl", "numba", "h5py", "anndata", "scanpy"):
        logging.getLogger(name).setLevel(logging.ERROR)


def _plain(label):
    """A matplotlib label without its TeX markup: "$\\beta$ = 4" -> "beta = 4"."""
    return re.sub(r"\s+", " ", re.sub(r"[$\\{}]|mathrm|mathbf", "", label)).strip()


def describe_figure(fig):
    """A figure in words, from its own labels: its title, then each panel's title (or what
    it plots against what) and legend entries. The website uses it as the figure's alt text."""
    parts = [_plain(fig.get_suptitle())] if fig.get_suptitle() else []
    panels = [ax for ax in fig.axes if ax.get_visible() and ax.get_label() != "<colorbar>"
              and (ax.has_data() or ax.images)]
    for ax in panels:
        what = _plain(ax.get_title())
        if not what and ax.get_xlabel() and ax.get_ylabel():
            what = f"{_plain(ax.get_ylabel())} against {_plain(ax.get_xlabel())}"
        legend = ax.get_legend()
        names = [_plain(t.get_text()) for t in legend.get_texts()][:8] if legend else []
        if names:
            what = f"{what} ({', '.join(names)})" if what else ", ".join(names)
        if what:
            parts.append(what)
    kind = "A figure" if len(panels) < 2 else f"A figure of {len(panels)} panels"
    return f"{kind}: {'; '.join(parts)}." if parts else f"{kind}."


def _describe_inline_figures():
    """Attach describe_figure's text to every inline figure's PNG, as output metadata
    ("alt"), so that an executed notebook carries a description of each figure."""
    try:
        import matplotlib.pyplot as plt
        from IPython import get_ipython
        from matplotlib.figure import Figure
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return

    def install(*_):
        png = shell.display_formatter.formatters["image/png"]
        try:
            draw = png.lookup_by_type(Figure)
        except KeyError:  # the inline backend has not registered its formatter yet
            return False
        if not getattr(draw, "describes_figures", False):
            def png_with_alt(fig):
                data = draw(fig)
                return None if data is None else (data, {"alt": describe_figure(fig)})

            png_with_alt.describes_figures = True
            png.for_type(Figure, png_with_alt)
        if install in shell.events.callbacks["post_run_cell"]:
            shell.events.unregister("post_run_cell", install)
        return True

    # pyplot loads its backend with the first figure; the inline backend then registers its
    # PNG formatter (at once, or after the running cell)
    plt.close(plt.figure())
    if not install():
        shell.events.register("post_run_cell", install)


def setup_notebook(seed=0, slides=False):
    """Prepare a notebook: quiet logs, one seed for Python/NumPy/backend, readable figures.

    ``slides=True`` draws with the larger text of ``SLIDE_STYLE``, for the lecture decks.
    Returns None, so the set-up cell shows only its one-line banner (no ``Out:``).
    """
    quiet_libraries()
    import keras  # imported here so course_lib's environment variables apply first

    keras.utils.set_random_seed(seed)  # Python, NumPy and Keras (and TensorFlow if installed)
    mpl.rcParams.update(SLIDE_STYLE if slides else PROJECTOR_STYLE)
    _describe_inline_figures()
    print(f"Keras {keras.__version__} on the {keras.backend.backend()} backend, seed {seed}")
