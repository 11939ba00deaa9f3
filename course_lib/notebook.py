"""Notebook start-up: quiet logs, seeded randomness, projector-friendly figures."""

import logging
import random
import warnings

import matplotlib as mpl

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
}
# A deck shows a wide figure at about two thirds of its notebook size; larger text keeps
# ticks and legends legible from the back of a lecture room.
SLIDE_STYLE = {**PROJECTOR_STYLE, "font.size": 16, "axes.titlesize": 17, "axes.labelsize": 16,
               "legend.fontsize": 15, "xtick.labelsize": 15, "ytick.labelsize": 15}


def quiet_libraries():
    """Silence warnings and log lines that say nothing to a student."""
    for category in (FutureWarning, DeprecationWarning, UserWarning):
        warnings.filterwarnings("ignore", category=category)
    for name in ("tensorflow", "absl", "numba", "h5py", "anndata", "scanpy", "pooch"):
        logging.getLogger(name).setLevel(logging.ERROR)


def seed_everything(seed):
    """Seed Python, NumPy and Keras's global seed generator (and TensorFlow on its backend).

    Like ``keras.utils.set_random_seed``, which however imports TensorFlow on any backend.
    """
    import keras
    import numpy as np

    if keras.backend.backend() == "tensorflow":
        keras.utils.set_random_seed(seed)
        return
    # keras.utils.set_random_seed imports TensorFlow whenever it is installed (~600 MB of
    # kernel memory on another backend), so set the same global state without it.
    from keras.src.backend.common import global_state

    global_state.set_global_attribute("global_random_seed", seed)
    global_state.set_global_attribute("global_seed_generator", None)
    random.seed(seed)
    np.random.seed(seed)


def setup_notebook(seed=0, slides=False):
    """Prepare a notebook: quiet logs, one seed for Python/NumPy/backend, readable figures.

    ``slides=True`` draws with the larger text of ``SLIDE_STYLE``, for the lecture decks.
    Returns None, so the set-up cell shows only its one-line banner (no ``Out:``).
    """
    quiet_libraries()
    import keras  # imported here so course_lib's environment variables apply first

    seed_everything(seed)
    mpl.rcParams.update(SLIDE_STYLE if slides else PROJECTOR_STYLE)
    print(f"Keras {keras.__version__} on the {keras.backend.backend()} backend, seed {seed}")
