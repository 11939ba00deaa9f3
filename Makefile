# Two commands do everything on a fresh machine with Python 3.11:
#   make lab    set up, build the student notebooks, open the course in JupyterLab
#   make test   set up, run the course_lib unit tests and execute every notebook
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NBVAL := --nbval-lax --nbval-current-env --nbval-cell-timeout=1200

# Keep TensorFlow's start-up chatter out of notebooks and test logs.
export TF_CPP_MIN_LOG_LEVEL := 3
export TF_ENABLE_ONEDNN_OPTS := 0
export KERAS_BACKEND ?= tensorflow
export PYTHONWARNINGS := ignore::DeprecationWarning,ignore::FutureWarning
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: setup student lab test unit notebooks clean

setup: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required, found " + sys.version'
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

student: setup
	$(BIN)/python -m course_lib.student notebooks student

lab: student
	$(BIN)/jupyter lab --notebook-dir=. --LabApp.default_url=/lab/tree/student/01_tensors_and_keras.ipynb

unit: setup
	$(BIN)/python -m pytest tests

notebooks: student
	$(BIN)/python -m pytest $(NBVAL) notebooks student

test: unit notebooks

clean:
	rm -rf $(VENV) student data/cache
