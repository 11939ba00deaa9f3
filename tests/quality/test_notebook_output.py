"""No notebook cell wrote to stderr: no warning, log line or library traceback reached a student.

The plugin in the repository's conftest.py collects each cell's stderr into COURSE_STDERR while
nbval runs the notebooks. A warning a student can do nothing about belongs in
course_lib.notebook.IGNORED_WARNINGS (by category and message); any other is a fault to fix.
"""

from checks_file import notebook_record

STDERR_ENV = "COURSE_STDERR"


def test_no_cell_wrote_to_stderr():
    found = notebook_record(STDERR_ENV)
    noisy = [f"{notebook}, {entry['cell']}: {entry['text'].strip()[:400]}"
             for notebook, entries in sorted(found.items()) for entry in entries]
    assert not noisy, "cells wrote to stderr:\n" + "\n".join(noisy)
