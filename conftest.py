"""Each notebook kernel's peak memory while nbval runs it, for the quality gate.

Active in nbval runs (--nbval, --nbval-lax) when COURSE_MEMORY names a JSON file, as
`make notebooks` sets it: a thread polls the kernel and its child processes every 0.2 s from
its first cell to its shutdown, as `make bench` does, and after each notebook the file holds
{notebook path: {"peak_rss_mb": ..., "kernel_only_peak_rss_mb": ...}} for this run.
tests/quality/test_kernel_memory.py checks the peaks against the budget.
"""

import json
import os
from pathlib import Path

from nbval.plugin import IPyNbFile

from benchmarks.kernel_memory import MEMORY_ENV, PEAK_LIMIT_MB, PeakMemory, kernel_pid


def pytest_configure(config):
    path = os.environ.get(MEMORY_ENV)
    if path and (config.getoption("nbval", False) or config.getoption("nbval_lax", False)):
        config.pluginmanager.register(KernelMemory(Path(path), config.rootpath), "kernel-memory")


class KernelMemory:
    """Starts a PeakMemory per notebook (nbval's IPyNbFile, which holds the kernel) at its
    first cell and stops it at the last cell's teardown, where nbval stops the kernel."""

    def __init__(self, path, root):
        self.path, self.root = path, root
        self.monitors, self.peaks = {}, {}

    def pytest_runtest_setup(self, item):
        notebook = item.parent
        if isinstance(notebook, IPyNbFile) and notebook not in self.monitors:
            # notebook.kernel is None until nbval starts it in this item's setup
            self.monitors[notebook] = PeakMemory(lambda: kernel_pid(notebook.kernel))
            self.monitors[notebook].start()

    def pytest_runtest_teardown(self, item, nextitem):
        notebook = item.parent
        if notebook not in self.monitors or (nextitem is not None and nextitem.parent is notebook):
            return
        monitor = self.monitors.pop(notebook)
        monitor.done.set()
        monitor.join()
        self.peaks[os.path.relpath(notebook.path, self.root)] = {
            "peak_rss_mb": round(monitor.peak_mb, 1),
            "kernel_only_peak_rss_mb": round(monitor.kernel_peak_mb, 1)}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(self.peaks, indent=2) + "\n")

    def pytest_terminal_summary(self, terminalreporter):
        terminalreporter.write_sep("-", f"kernel peak memory, children included "
                                        f"(budget {PEAK_LIMIT_MB} MB), in {self.path}")
        for notebook, entry in self.peaks.items():
            terminalreporter.write_line(f"{entry['peak_rss_mb']:7.0f} MB  {notebook}")
