"""The committed notebooks and slide decks: valid nbformat, stored without outputs."""

import json
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(ROOT.glob("notebooks/[0-9][0-9]_*.ipynb")) + sorted(
    ROOT.glob("slides/[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_notebook_is_valid_and_committed_without_outputs(path):
    raw = json.loads(path.read_text(encoding="utf-8"))
    for cell in raw["cells"]:  # before validate(), which quietly adds missing ids
        assert "id" in cell, f"{path.name}: a cell has no id (open and save it in JupyterLab)"
    nbformat.validate(raw)
    for cell in raw["cells"]:
        if cell["cell_type"] == "code":
            assert not cell["outputs"] and cell["execution_count"] is None, (
                f"{path.name}, cell {cell['id']}: clear its outputs before committing")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_display_math_survives_every_markdown_parser(path):
    # JupyterLab protects $$...$$ before parsing Markdown; the website's parser does not, and
    # reads a line inside that starts with "- " or "+ " as a list item
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type != "markdown":
            continue
        for block in re.findall(r"\$\$(.*?)\$\$", cell.source, flags=re.S):
            for line in block.split("\n")[1:]:
                assert not re.match(r"\s*([-+*>]\s|\d+\.\s|#)", line), (
                    f"{path.name}, cell {cell.id}: join this line of display math to the "
                    f"previous one: {line.strip()[:60]!r}")
