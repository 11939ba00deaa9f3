"""Build student notebooks from the instructor sources.

Each course notebook is a single source with solutions. Cell tags say what the student
version does with a cell:

* ``solution`` (code): becomes a scaffold: its leading comment lines (the instructions,
  which must not give the answer away), ``# YOUR CODE HERE``, and the names the check cell
  after it needs, set to ``None`` (functions keep their signature and return ``None``). Names
  the solution uses only internally are not shown. The student version runs top to bottom
  and the checks report "Not answered".
* ``solution`` (markdown): the model answer to an open question. The student gets an
  answer cell to write in, followed by the model answer folded in a ``<details>`` block to
  open after trying.
* ``plumbing`` (code): course machinery (result recording, memory release, timing); it
  still runs, with its input collapsed.
* ``instructor`` (any): notes for instructors and CI-only cells; left out.

Outputs are stripped.

Usage: ``python -m course_lib.student notebooks student``
"""

import ast
import copy
import shutil
import sys
from pathlib import Path

import nbformat

SOLUTION_TAG, PLUMBING_TAG, INSTRUCTOR_TAG = "solution", "plumbing", "instructor"
PLACEHOLDER = "# YOUR CODE HERE"
ANSWER_PLACEHOLDER = ("**Your answer:** *double-click here and write it, then compare with the "
                      "model answer below.*")
# Folded: the student opens it after writing an answer. Blank lines keep its Markdown alive.
MODEL_ANSWER = ("<details>\n<summary><b>Model answer</b> (open it after writing yours)</summary>"
                "\n\n{}\n\n</details>")


def _defined_names(tree):
    """Top-level names a solution defines, in order: (name, function signature or None)."""
    names = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            signature = ast.unparse(node.args) if isinstance(node, ast.FunctionDef) else None
            names.setdefault(node.name, signature)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for leaf in ast.walk(target):
                    if isinstance(leaf, ast.Name):
                        names.setdefault(leaf.id, None)
    return names


def _used_names(source):
    """Every name a cell's code reads (the check cell after an exercise)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}


def scaffold(source, check_source=None):
    """Student scaffold for a solution cell's source.

    With ``check_source`` (the check cell after it) only the names the check reads are kept;
    without it, or when the check reads none of them, every name the solution defines.
    """
    lines = source.splitlines()
    instructions = []
    for line in lines:
        if not line.strip().startswith("#"):
            break
        instructions.append(line)
    defined = _defined_names(ast.parse(source))
    used = _used_names(check_source or "")
    if used & defined.keys():
        defined = {name: sig for name, sig in defined.items() if name in used}
    # one placeholder where the student writes: in each function's body, and above the
    # names only if some are not functions
    only_functions = defined and all(sig is not None for sig in defined.values())
    body = [] if only_functions else [PLACEHOLDER]
    for name, signature in defined.items():
        if signature is None:
            body.append(f"{name} = None")
        else:
            body.append(f"\ndef {name}({signature}):\n    {PLACEHOLDER}\n    return None")
    return "\n".join(instructions + body)


def _tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def to_student(notebook):
    """Student version of a notebook node (the input is not modified)."""
    student = copy.deepcopy(notebook)
    cells = [cell for cell in student.cells if INSTRUCTOR_TAG not in _tags(cell)]
    student.cells = []
    for i, cell in enumerate(cells):
        is_solution = SOLUTION_TAG in _tags(cell)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            if is_solution:
                following = cells[i + 1] if i + 1 < len(cells) else None
                check = following.source if following and following.cell_type == "code" else None
                cell.source = scaffold(cell.source, check)
            if PLUMBING_TAG in _tags(cell):
                cell.metadata.setdefault("jupyter", {})["source_hidden"] = True
        elif is_solution:
            answer = copy.deepcopy(cell)
            answer.source = MODEL_ANSWER.format(cell.source)
            answer.metadata["tags"] = [t for t in _tags(cell) if t != SOLUTION_TAG] + ["model-answer"]
            if "id" in answer:
                answer.id = f"{cell.id}-model"[:64]
            cell.source = ANSWER_PLACEHOLDER
            student.cells += [cell, answer]
            continue
        student.cells.append(cell)
    return student


def build(source_dir, target_dir):
    """Write the student version of every notebook in source_dir; return the paths.

    RISE reads its style sheet from ``rise.css`` beside a notebook, so a copy goes along.
    """
    target = Path(target_dir)
    target.mkdir(parents=True, exist_ok=True)
    style = Path(source_dir) / "rise.css"
    if style.is_file():
        shutil.copyfile(style, target / "rise.css")
    written = []
    for path in sorted(Path(source_dir).glob("[0-9][0-9]_*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        out = target / path.name
        nbformat.write(to_student(notebook), out)
        written.append(out)
    return written


def main(argv=None):
    """Command-line entry point."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        sys.exit("usage: python -m course_lib.student SOURCE_DIR TARGET_DIR")
    for path in build(*args):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
