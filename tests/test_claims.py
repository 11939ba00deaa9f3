"""No sentence claims more than the seed tables support (benchmarks/seeds.json).

A Markdown cell of a single-cell notebook or deck that says one method beats another must
carry a claim marker, an HTML comment that readers do not see:

    <!-- claim: kang/latent/asw: scaled PCA, rank by validation MCV > Gaussian VAE -->

``part/table/score: A > B`` says A is ahead of B by the course's rule
(``course_lib.comparison.verdict``), ``A ~ B`` that the table shows no difference at this
size. Every marker is recomputed from the stored seed table.
"""

import json
import re
from pathlib import Path

import pytest

from course_lib import comparison, quiz

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [ROOT / "notebooks" / "06_single_cell_vae.ipynb",
           ROOT / "notebooks" / "07_perturbation_trajectories_generation.ipynb",
           ROOT / "slides" / "04_single_cell_applications.ipynb"]
MARKER = re.compile(r"<!--\s*claim:\s*([\w-]+)/([\w-]+)/([\w-]+):\s*(.+?)\s*([>~])\s*(.+?)\s*-->")
HEADINGS = re.compile(r"^#.*$", re.MULTILINE)
QUESTIONS = re.compile(r"[^.!?:\n]*\?")
WIN_WORDS = re.compile(r"\b(beat|beats|beating|outperform\w*|wins?|superior)\b", re.IGNORECASE)


def markdown_cells():
    for path in SOURCES:
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] == "markdown":
                yield path.name, cell["id"], "".join(cell["source"])


def claims():
    return [(name, cell_id, match.groups()) for name, cell_id, text in markdown_cells()
            for match in MARKER.finditer(text)]


def test_the_sources_carry_claims():
    assert len(claims()) >= 4


@pytest.mark.parametrize("name, cell_id, claim", claims(),
                         ids=lambda c: c if isinstance(c, str) else "/".join(c[:3]))
def test_every_claim_holds_in_its_seed_table(name, cell_id, claim):
    part, table, score, a, relation, b = claim
    result = comparison.compare(part, table, a, b, score)
    expected = f"{a} ahead" if relation == ">" else comparison.NO_DIFFERENCE
    assert result["verdict"] == expected, (
        f"{name}, cell {cell_id} claims {a} {relation} {b} on {part}/{table}/{score}, but the "
        f"seed table gives {result['mean']:+.4f} ± {result['sd']:.4f} (n={result['n']}): "
        f"{result['verdict']}. Rewrite the sentence to say what the table shows.")


@pytest.mark.parametrize("name, cell_id, text", list(markdown_cells()),
                         ids=lambda c: c if len(c) < 20 else None)
def test_a_win_is_only_claimed_with_a_marker(name, cell_id, text):
    # headings and questions ask; they claim nothing
    statements = QUESTIONS.sub("", HEADINGS.sub("", MARKER.sub("", text)))
    words = WIN_WORDS.findall(statements)
    if words:
        assert any(m.group(5) == ">" for m in MARKER.finditer(text)), (
            f"{name}, cell {cell_id} says {words[0]!r} without a claim marker backed by a seed "
            f"table; add one (see this test's docstring) or say what the table shows")


@pytest.mark.parametrize("notebook", ["06", "07"])
def test_the_quizzes_claim_no_wins(notebook):
    for question in quiz.QUIZZES[notebook]:
        text = repr(question)
        assert not WIN_WORDS.search(text), f"quiz {notebook}: {WIN_WORDS.search(text)[0]!r}"
