"""What nbval runs leave for the quality gate: each kernel's peak memory, each cell's stderr.

Active in nbval runs (--nbval, --nbval-lax) when COURSE_MEMORY names a JSON file, as
`make notebooks` sets it: a thread polls the kernel and its child processes every 0.2 s from
its first cell to its shutdown, as `make bench` does, and after each notebook the file holds
{notebook path: {"peak_rss_mb": ..., "kernel_only_peak_rss_mb": ..., "private_peak_mb": ...}} for this run.
tests/quality/test_kernel_memory.py checks the peaks against the budget.

With COURSE_STDERR naming a JSON file, the text every cell wrote to stderr (warnings, log
lines, tracebacks printed by libraries) is collected as {notebook path: [{"cell": index,
"text": ...}]}; tests/quality/test_notebook_output.py requires it to be empty.

With COURSE_EXECUTED naming a directory, each notebook is saved there with the outputs this
run produced (nbval keeps them in memory only): the website renders these copies, so the
course is executed once per CI run and the site shows what the tests saw.
"""

import json
import os
import time
from pathlib import Path

import nbformat
from nbval.plugin import IPyNbFile

from benchmarks.kernel_memory import MEMORY_ENV, PEAK_LIMIT_MB, PeakMemory, kernel_pid

STDERR_ENV = "COURSE_STDERR"
EXECUTED_ENV = "COURSE_EXECUTED"


def pytest_configure(config):
    if not (config.getoption("nbval", False) or config.getoption("nbval_lax", False)):
        return
    if os.environ.get(MEMORY_ENV):
        config.pluginmanager.register(KernelMemory(Path(os.environ[MEMORY_ENV]), config.rootpath),
                                      "kernel-memory")
    if os.environ.get(STDERR_ENV):
        config.pluginmanager.register(CellStderr(Path(os.environ[STDERR_ENV]), config.rootpath),
                                      "cell-stderr")
    if os.environ.get(EXECUTED_ENV):
        config.pluginmanager.register(ExecutedCopies(Path(os.environ[EXECUTED_ENV])),
                                      "executed-copies")


class KernelMemory:
    """Starts a PeakMemory per notebook (nbval's IPyNbFile, which holds the kernel) at its
    first cell and stops it at the last cell's teardown, where nbval stops the kernel.

    Each entry also notes the notebook's wall time and its longest cell, for the record (the
    budgets are checked by `make bench` on an idle machine, not here).
    """

    def __init__(self, path, root):
        self.path, self.root = path, root
        self.monitors, self.peaks, self.started, self.longest = {}, {}, {}, {}

    def pytest_runtest_setup(self, item):
        notebook = item.parent
        if isinstance(notebook, IPyNbFile) and notebook not in self.monitors:
            # notebook.kernel is None until nbval starts it in this item's setup
            self.monitors[notebook] = PeakMemory(lambda: kernel_pid(notebook.kernel))
            self.monitors[notebook].start()
            self.started[notebook] = time.perf_counter()

    def pytest_runtest_logreport(self, report):
        if report.when == "call":
            notebook = report.nodeid.split("::")[0]
            if report.duration > self.longest.get(notebook, (0.0, ""))[0]:
                self.longest[notebook] = (report.duration, report.nodeid.split("::")[-1])

    def pytest_runtest_teardown(self, item, nextitem):
        notebook = item.parent
        if notebook not in self.monitors or (nextitem is not None and nextitem.parent is notebook):
            return
        monitor = self.monitors.pop(notebook)
        monitor.done.set()
        monitor.join()
        name = os.path.relpath(notebook.path, self.root)
        longest, cell = self.longest.get(item.nodeid.split("::")[0], (0.0, ""))
        self.peaks[name] = {
            "peak_rss_mb": round(monitor.peak_mb, 1),
            "kernel_only_peak_rss_mb": round(monitor.kernel_peak_mb, 1),
            "private_peak_mb": round(monitor.private_peak_mb, 1),
            "seconds": round(time.perf_counter() - self.started.pop(notebook), 1),
            "longest_cell_seconds": round(longest, 1), "longest_cell": cell}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(self.peaks, indent=2) + "\n")

    def pytest_terminal_summary(self, terminalreporter):
        terminalreporter.write_sep("-", f"kernel peak memory, children included "
                                        f"(budget {PEAK_LIMIT_MB} MB), and wall time, in {self.path}")
        for notebook, entry in self.peaks.items():
            terminalreporter.write_line(
                f"{entry['peak_rss_mb']:7.0f} MB ({entry['private_peak_mb']:.0f} private) "
                f"{entry['seconds']:6.0f} s (longest "
                f"{entry['longest_cell']}, {entry['longest_cell_seconds']:.0f} s)  {notebook}")


class CellStderr:
    """Collects the stderr stream of every executed cell (nbval keeps a cell's outputs in
    ``test_outputs``) and rewrites the JSON file after each cell."""

    def __init__(self, path, root):
        self.path, self.root, self.found = path, root, {}

    def pytest_runtest_teardown(self, item, nextitem):
        notebook = item.parent
        if not isinstance(notebook, IPyNbFile):
            return
        entries = self.found.setdefault(os.path.relpath(notebook.path, self.root), [])
        for output in getattr(item, "test_outputs", None) or []:
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                entries.append({"cell": item.name, "text": output.get("text", "")})
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(self.found, indent=2) + "\n")


class ExecutedCopies:
    """Writes each notebook, with the outputs nbval collected for its code cells, into a
    directory once its last cell has run. A notebook whose run failed is not written, so a
    stale copy cannot pass for a fresh one (the site build reports the missing file)."""

    def __init__(self, directory):
        self.directory, self.failed = directory, set()

    def _copy(self, notebook):
        return self.directory / Path(notebook.path).name

    def pytest_runtest_setup(self, item):
        # an earlier run's copy must not outlive a failure in this one
        if isinstance(item.parent, IPyNbFile) and item.cell_num == 0:
            self._copy(item.parent).unlink(missing_ok=True)

    def pytest_runtest_logreport(self, report):
        if report.failed:
            self.failed.add(report.nodeid.split("::")[0])

    def pytest_runtest_teardown(self, item, nextitem):
        notebook = item.parent
        if not isinstance(notebook, IPyNbFile):
            return
        count = item.cell_num + 1
        item.cell.outputs = list(item.test_outputs or [])
        item.cell.execution_count = count
        for output in item.cell.outputs:
            if output.get("output_type") == "execute_result":
                output["execution_count"] = count
        if nextitem is not None and nextitem.parent is notebook:
            return
        if item.nodeid.split("::")[0] in self.failed:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook.nb, str(self._copy(notebook)))
