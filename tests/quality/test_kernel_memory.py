"""Every notebook kernel's peak memory in this run within the budget Binder's memory sets.

The peaks are the kernel's resident memory with its child processes, polled while nbval ran
the notebooks (the plugin in the repository's conftest.py writes COURSE_MEMORY). Private
memory is checked strictly; total resident memory, whose file-backed part depends on the page
cache, with an allowance (why: benchmarks/kernel_memory.py).
"""

import warnings

import pytest

from benchmarks.kernel_memory import (
    FILE_BACKED_FLOOR_MB,
    MEMORY_ENV,
    PEAK_LIMIT_MB,
    PRIVATE_LIMIT_MB,
    RSS_SPREAD_ALLOWANCE_MB,
)

from checks_file import notebook_record


@pytest.fixture(scope="module")
def peaks():
    """notebook -> its peaks, as measured in this run of `make notebooks`."""
    return notebook_record(MEMORY_ENV)


def test_every_kernel_was_measured(peaks):
    unmeasured = sorted(notebook for notebook, entry in peaks.items()
                        if entry["peak_rss_mb"] <= 0 or entry.get("private_peak_mb", 0) <= 0)
    assert not unmeasured, (f"no kernel memory measured for {unmeasured}: the plugin found no "
                            f"kernel process (see benchmarks/kernel_memory.kernel_pid)")


def test_every_kernel_private_memory_within_the_budget(peaks):
    over = [f"{notebook}: {entry['private_peak_mb']:.0f} MB private"
            for notebook, entry in sorted(peaks.items())
            if entry["private_peak_mb"] > PRIVATE_LIMIT_MB]
    assert not over, (f"over the {PRIVATE_LIMIT_MB} MB of private memory a kernel may take (the "
                      f"{PEAK_LIMIT_MB} MB budget less {FILE_BACKED_FLOOR_MB} MB for the "
                      f"libraries' file-backed pages):\n" + "\n".join(over))


def test_every_kernel_stays_within_the_memory_budget(peaks):
    limit = PEAK_LIMIT_MB + RSS_SPREAD_ALLOWANCE_MB
    over = [f"{notebook}: peak {entry['peak_rss_mb']:.0f} MB "
            f"(the kernel alone {entry['kernel_only_peak_rss_mb']:.0f} MB)"
            for notebook, entry in sorted(peaks.items()) if entry["peak_rss_mb"] > limit]
    assert not over, (f"over the {PEAK_LIMIT_MB} MB memory budget (Binder's limit) by more than "
                      f"the {RSS_SPREAD_ALLOWANCE_MB} MB allowed for the spread of file-backed "
                      f"pages:\n" + "\n".join(over))
    above_budget = [notebook for notebook, entry in peaks.items()
                    if entry["peak_rss_mb"] > PEAK_LIMIT_MB]
    if above_budget:
        warnings.warn(f"above the {PEAK_LIMIT_MB} MB budget in this run (within the allowance "
                      f"for file-backed pages): {', '.join(sorted(above_budget))}", stacklevel=2)
