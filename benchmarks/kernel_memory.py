"""A notebook kernel's peak resident memory, polled while it runs.

Shared by the benchmark (benchmarks/run.py) and the CI notebook runs (the pytest plugin in
the repository's conftest.py), so both measure the same thing against the same budget.
"""

import threading

import psutil

PEAK_LIMIT_MB = 1500  # Binder's memory is the hard limit
# A kernel's resident memory has two parts. Private (anonymous) memory is what the notebook
# allocates: arrays, models, TensorFlow's working memory. File-backed pages are the shared
# libraries' code and data mapped from disk; they are clean, so the OS drops them under
# memory pressure and reads them again on demand, and how many are resident depends on the
# page cache, not on the notebook: two consecutive runs of notebook 06 in one venv peaked at
# 1556 and 1407 MB, with private memory 874 and 887 MB and file-backed pages 682 and 520 MB
# (2026-12-03). So the budget is checked twice:
# - strictly on private memory, against the budget less the file-backed floor (the ~500 MB
#   the libraries' pages take after TensorFlow, scanpy and UMAP are imported, at the least);
# - on total resident memory with an allowance for the file-backed spread.
FILE_BACKED_FLOOR_MB = 500
PRIVATE_LIMIT_MB = PEAK_LIMIT_MB - FILE_BACKED_FLOOR_MB
RSS_SPREAD_ALLOWANCE_MB = 150  # the spread measured above, 149 MB
MEMORY_ENV = "COURSE_MEMORY"  # the JSON file the CI notebook runs write their peaks to


class PeakMemory(threading.Thread):
    """Poll a process tree's resident memory and keep the maximum, in MB."""

    def __init__(self, get_pid, interval=0.2):
        super().__init__(daemon=True)
        self.get_pid, self.interval = get_pid, interval
        self.peak_mb = self.kernel_peak_mb = self.private_peak_mb = 0.0
        self.done = threading.Event()

    def run(self):
        while not self.done.is_set():
            pid = self.get_pid()
            if pid:
                tree, kernel, private = tree_rss_mb(pid)
                self.peak_mb = max(self.peak_mb, tree)
                self.kernel_peak_mb = max(self.kernel_peak_mb, kernel)
                self.private_peak_mb = max(self.private_peak_mb, private)
            self.done.wait(self.interval)


def tree_rss_mb(pid):
    """Resident MB of a process with all its children, of the process alone, and the private
    (anonymous) part of the first: resident minus file-backed and shared pages."""
    try:
        parent = psutil.Process(pid)
        processes = [parent] + parent.children(recursive=True)
    except psutil.Error:
        return 0.0, 0.0, 0.0
    sizes, private = [], 0.0
    for process in processes:
        try:
            info = process.memory_info()
        except psutil.Error:  # a child that exited between listing and reading
            sizes.append(0.0)
            continue
        sizes.append(info.rss / 2**20)
        private += (info.rss - getattr(info, "shared", 0)) / 2**20  # `shared` is Linux-only
    return sum(sizes), sizes[0], private


def kernel_pid(owner):
    """PID of the kernel that ``owner`` started (an nbclient NotebookClient or an nbval
    RunningKernel, both hold its KernelManager as ``km``) once it runs, else None."""
    km = getattr(owner, "km", None)
    process = getattr(getattr(km, "provisioner", None), "process", None)
    return getattr(process, "pid", None)
