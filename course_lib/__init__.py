"""Shared code for the course 'Deep Generative Networks in Single-Cell Transcriptomics'.

Import this package before Keras or TensorFlow: it sets the environment variables that
keep TensorFlow's start-up log noise out of notebooks and tests, and picks the Keras
backend (TensorFlow unless ``KERAS_BACKEND`` says otherwise).
"""

import os

# These must be set before TensorFlow is first imported; setdefault keeps user choices.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # C++ INFO/WARNING/ERROR lines
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # the oneDNN banner (and its float drift)
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from course_lib.notebook import setup_notebook  # noqa: E402

__all__ = ["setup_notebook"]
__version__ = "0.1.0"
