"""The quality gate runs after the notebooks: `make notebooks` points each gate module at the
files the notebooks wrote. `make unit` sets none of them and so collects none of these."""

import os

from benchmarks.kernel_memory import MEMORY_ENV
from course_lib.exercises import CHECKS_ENV
from course_lib.results import RESULTS_ENV

from checks_file import SOURCE_CHECKS_ENV, STUDENT_CHECKS_ENV

# gate module -> the environment variables it needs
GATES = {"test_targets.py": [RESULTS_ENV],
         "test_checks.py": [SOURCE_CHECKS_ENV],
         "test_student_checks.py": [SOURCE_CHECKS_ENV, STUDENT_CHECKS_ENV],
         "test_kernel_memory.py": [MEMORY_ENV],
         "test_notebook_output.py": ["COURSE_STDERR"]}
assert CHECKS_ENV not in (SOURCE_CHECKS_ENV, STUDENT_CHECKS_ENV)  # written by kernels, read here

collect_ignore = [module for module, names in GATES.items()
                  if not all(os.environ.get(name) for name in names)]
