"""Notebook start-up: quiet logs, seeded randomness, projector-friendly figures."""

import logging
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


def quiet_libraries():
    """Silence warnings and log lines that say nothing to a student."""
    for category in (FutureWarning, DeprecationWarning, UserWarning):
        warnings.filterwarnings("ignore", category=category)
    for name in ("tensorflow", "absl", "numba", "h5py", "anndata", "scanpy", "pooch"):
        logging.getLogger(name).setLevel(logging.ERROR)


def setup_notebook(seed=0):
    """Prepare a notebook: quiet logs, one seed for Python/NumPy/backend, readable figures."""
    quiet_libraries()
    import keras  # imported here so course_lib's environment variables apply first

    keras.utils.set_random_seed(seed)
    mpl.rcParams.update(PROJECTOR_STYLE)
    print(f"Keras {keras.__version__} on the {keras.backend.backend()} backend, seed {seed}")
    return seed
