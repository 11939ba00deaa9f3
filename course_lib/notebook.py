"""Notebook start-up: quiet logs, seeded randomness, projector-friendly figures."""

import logging
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


def setup_notebook(seed=0, slides=False):
    """Prepare a notebook: quiet logs, one seed for Python/NumPy/backend, readable figures.

    ``slides=True`` draws with the larger text of ``SLIDE_STYLE``, for the lecture decks.
    Returns None, so the set-up cell shows only its one-line banner (no ``Out:``).
    """
    quiet_libraries()
    import keras  # imported here so course_lib's environment variables apply first

    keras.utils.set_random_seed(seed)  # Python, NumPy and Keras (and TensorFlow if installed)
    mpl.rcParams.update(SLIDE_STYLE if slides else PROJECTOR_STYLE)
    print(f"Keras {keras.__version__} on the {keras.backend.backend()} backend, seed {seed}")
