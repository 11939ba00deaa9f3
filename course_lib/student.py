"""Build student notebooks from the instructor sources.

Each course notebook is a single source with solutions. A code cell tagged ``solution``
becomes a scaffold: its leading comment lines (the instructions), ``# YOUR CODE HERE``,
and every top-level name the solution defines set to ``None`` (functions keep their
signature and return ``None``), so that the student version runs top to bottom and the
exercise checks report "not answered" instead of crashing. A markdown cell tagged
``solution`` becomes an answer placeholder. Outputs are stripped.

Usage: ``python -m course_lib.student notebooks student``
"""

import ast
import copy
import sys
from pathlib import Path

import nbformat

SOLUTION_TAG = "solution"
PLACEHOLDER = "# YOUR CODE HERE"
ANSWER_PLACEHOLDER = "*Your answer here.*"


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


def scaffold(source):
    """Student scaffold for a solution cell's source."""
    lines = source.splitlines()
    instructions = []
    for line in lines:
        if not line.strip().startswith("#"):
            break
        instructions.append(line)
    body = [PLACEHOLDER]
    for name, signature in _defined_names(ast.parse(source)).items():
        if signature is None:
            body.append(f"{name} = None")
        else:
            body.append(f"\ndef {name}({signature}):\n    {PLACEHOLDER}\n    return None")
    return "\n".join(instructions + body)


def to_student(notebook):
    """Student version of a notebook node (the input is not modified)."""
    student = copy.deepcopy(notebook)
    for cell in student.cells:
        is_solution = SOLUTION_TAG in cell.get("metadata", {}).get("tags", [])
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            if is_solution:
                cell.source = scaffold(cell.source)
        elif is_solution:
            cell.source = ANSWER_PLACEHOLDER
    return student


def build(source_dir, target_dir):
    """Write the student version of every notebook in source_dir; return the paths."""
    target = Path(target_dir)
    target.mkdir(parents=True, exist_ok=True)
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
