"""The Binder environment pins what the course imports, at the versions the tests use."""

import ast
import re
import sys
from importlib.metadata import packages_distributions, version
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent


def _pins(lines):
    return {_normal(m.group(1)): m.group(2) for line in lines
            if (m := re.match(r"\s*(?:-\s+)?([A-Za-z0-9_.\-\[\]]+)==([^\s#]+)", line))}


def _normal(name):
    """A distribution name as pip compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _imported_modules():
    """Top-level modules imported by course_lib and by the notebooks' code cells."""
    sources = [path.read_text() for path in (ROOT / "course_lib").rglob("*.py")]
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        sources += [cell.source for cell in nbformat.read(path, 4).cells
                    if cell.cell_type == "code"]
    modules = set()
    for source in sources:
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                modules |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                modules.add(node.module.split(".")[0])
    return modules - set(sys.stdlib_module_names) - {"course_lib"}


def test_environment_yml_matches_requirements():
    requirements = _pins((ROOT / "requirements.txt").read_text().splitlines())
    environment = _pins((ROOT / "environment.yml").read_text().splitlines())
    assert requirements and environment == requirements


def test_environment_yml_uses_python_311():
    assert "python=3.11" in (ROOT / "environment.yml").read_text()


def test_every_imported_package_is_pinned_for_binder_at_the_tested_version():
    environment = _pins((ROOT / "environment.yml").read_text().splitlines())
    providers = packages_distributions()
    problems = []
    for module in sorted(_imported_modules()):
        for distribution in providers.get(module, [module]):
            pinned = environment.get(_normal(distribution))
            if pinned is None:
                problems.append(f"{module} ({distribution}) is imported but not in environment.yml")
            elif pinned != version(distribution):
                problems.append(f"{distribution}: environment.yml pins {pinned}, the tests run "
                                f"{version(distribution)}")
    assert not problems, "\n".join(problems)
