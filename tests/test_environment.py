"""The Binder environment and the pip requirements pin the same versions."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _pins(lines):
    return {m.group(1).lower(): m.group(2) for line in lines
            if (m := re.match(r"\s*(?:-\s+)?([A-Za-z0-9_.\-\[\]]+)==([^\s#]+)", line))}


def test_environment_yml_matches_requirements():
    requirements = _pins((ROOT / "requirements.txt").read_text().splitlines())
    environment = _pins((ROOT / "environment.yml").read_text().splitlines())
    assert requirements and environment == requirements


def test_environment_yml_uses_python_311():
    assert "python=3.11" in (ROOT / "environment.yml").read_text()
