"""Shared test set-up. ``course_lib`` is imported first so TensorFlow's env vars are set."""

import os
from pathlib import Path

import pytest

import course_lib  # noqa: F401  (before anything imports TensorFlow)

REPO = Path(__file__).resolve().parent.parent
# The offline data mirror: DGN_DATA_MIRROR, else shared/data next to the repository (as in CI).
# Read once at import, before any test's monkeypatching of the environment.
MIRROR = Path(os.environ.get("DGN_DATA_MIRROR") or REPO.parent / "shared" / "data").absolute()


@pytest.fixture(scope="session")
def mirror():
    """The real data mirror; a test that needs it is skipped when it is absent."""
    if not (MIRROR / "MANIFEST.md").is_file():
        pytest.skip(f"no data mirror at {MIRROR}: set DGN_DATA_MIRROR to a copy of shared/data")
    return MIRROR
