"""Every slide of every deck has speaker notes an instructor who did not write the course can
teach from: what to say, the time to spend and the question students most often ask, with
its answer. `S` in a rendered deck and `T` in RISE show them."""

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
DECKS = sorted((ROOT / "slides").glob("[0-9][0-9]_*.ipynb"))
# Minutes of each lecture in the timetable of INSTRUCTORS.md.
LECTURE_MINUTES = {"01": 50, "02": 50, "03": 30, "04": 30}

SAY = re.compile(r"\*\*Say:\*\*\s*(?P<text>.+?)\n\n", re.DOTALL)
TIME = re.compile(r"\*\*Time:\*\*\s*(?P<minutes>\d+(?:\.\d+)?)\s*min")
ASK = re.compile(r"\*\*Students ask:\*\*\s*(?P<question>[^\n]+\?)\W*\n\*\*Answer:\*\*\s*(?P<answer>\S.+)", re.DOTALL)


def slide_type(cell):
    return cell.metadata.get("slideshow", {}).get("slide_type", "-")


def slides(notebook):
    """Each slide as (its first cell's text, the text of its notes cells)."""
    out = []
    for cell in notebook.cells:
        if slide_type(cell) == "slide" or not out:
            out.append([cell.source.splitlines()[0] if cell.source else "", []])
        if slide_type(cell) == "notes":
            out[-1][1].append(cell.source)
    return [(title, "\n\n".join(notes)) for title, notes in out]


def sentences(text):
    return [s for paragraph in text.splitlines()
            for s in re.split(r"(?<=[.!?])\s+(?=[A-Z\"(*])", paragraph.strip()) if s]


@pytest.mark.parametrize("path", DECKS, ids=lambda p: p.stem)
def test_every_slide_has_notes_with_what_to_say_time_and_a_question(path):
    notebook = nbformat.read(path, as_version=4)
    minutes = 0.0
    for number, (title, notes) in enumerate(slides(notebook), start=1):
        where = f"{path.name} slide {number} ({title!r})"
        assert notes.strip(), f"{where}: no speaker notes (a cell of slide type 'notes')"
        say, time, ask = SAY.search(notes + "\n\n"), TIME.search(notes), ASK.search(notes)
        assert say, f"{where}: notes lack '**Say:** ...' (the point of the slide)"
        assert 2 <= len(sentences(say["text"])) <= 4, f"{where}: say the point in 2-4 sentences"
        assert time, f"{where}: notes lack '**Time:** N min'"
        assert ask and len(ask["answer"]) > 20, \
            f"{where}: notes lack '**Students ask:** ...?' followed by '**Answer:** ...'"
        minutes += float(time["minutes"])
    budget = LECTURE_MINUTES[path.name[:2]]
    assert budget - 5 <= minutes <= budget, (
        f"{path.name}: notes' times add up to {minutes} min, the lecture has {budget}")


def test_deck_04_notes_do_not_promise_that_a_vae_beats_pca():
    notebook = nbformat.read(ROOT / "slides" / "04_single_cell_applications.ipynb", as_version=4)
    notes = " ".join(n for _, n in slides(notebook))
    assert "depends on the data, the baseline and the seed" in notes.lower()
    for claim in ("better than pca", "beats pca", "outperforms pca"):
        for sentence in (s.lower() for s in sentences(notes) if claim in s.lower()):
            assert sentence.strip().rstrip('"').endswith("?") or re.search(r"\b(not|whether)\b", sentence), \
                f"deck 04's notes claim '{claim}' without qualification: {sentence}"


def test_the_parser_finds_a_slide_without_notes():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# A", metadata={"slideshow": {"slide_type": "slide"}}),
                nbformat.v4.new_markdown_cell("**Say:** x", metadata={"slideshow": {"slide_type": "notes"}}),
                nbformat.v4.new_markdown_cell("## B", metadata={"slideshow": {"slide_type": "slide"}}),
                nbformat.v4.new_markdown_cell("text", metadata={"slideshow": {"slide_type": "fragment"}})]
    assert slides(nb) == [("# A", "**Say:** x"), ("## B", "")]
