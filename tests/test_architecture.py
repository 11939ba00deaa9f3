"""The shape of course_lib: modules import each other in layers, never in a circle.

An import inside a function hides a circle from Python but not from a reader: every import
counts, wherever it is written.
"""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "course_lib"


def module_name(path):
    """course_lib/exercises/vae.py -> course_lib.exercises.vae (a package: its __init__)."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path, modules):
    """The course_lib modules that ``path`` imports, at any depth of its code."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from course_lib import data` imports the module course_lib.data
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        found |= {name for name in names if name in modules}
    return found


def import_graph():
    """module -> the course_lib modules it imports (the package itself left out)."""
    paths = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    modules = set(paths) - {"course_lib"}
    return {name: imports_of(path, modules) - {name}
            for name, path in paths.items() if name != "course_lib"}


def find_circle(graph):
    """One import circle as a list of modules (first == last), or None."""
    state = {}  # module -> "open" while on the current path, "done" once explored

    def visit(module, path):
        state[module] = "open"
        for imported in sorted(graph.get(module, ())):
            if state.get(imported) == "open":
                return path[path.index(imported):] + [imported]
            if imported not in state and (circle := visit(imported, path + [imported])):
                return circle
        state[module] = "done"
        return None

    for module in sorted(graph):
        if module not in state and (circle := visit(module, [module])):
            return circle
    return None


def test_no_module_of_course_lib_imports_itself_through_others():
    circle = find_circle(import_graph())
    assert circle is None, "import circle: " + " -> ".join(circle)


def test_the_circle_finder_finds_a_circle():
    assert find_circle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_circle({"a": {"b"}, "b": set()}) is None
