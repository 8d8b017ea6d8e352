"""The Korean notebooks against their glossary (notebooks/00_glossary.ipynb) and the notes.

Convention (stated in the glossary notebook): a notebook defines a course term in its
markdown as a bold span ``**한국어 (English)**``: Hangul before the parentheses, ASCII inside.
Every such term must be in the glossary's ``GLOSSARY`` list with the same English name, and
every glossary row must really occur in the notebooks it names. Every ``##`` section of the
teaching notebooks names the lecture note it follows (a ``NNN_<16 hex>`` file name from
../shared/seeds/) or says it goes beyond them ("강의 노트 밖").
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
GLOSSARY_PATH = NOTEBOOK_DIR / "00_glossary.ipynb"
TEACHING = sorted(p for p in NOTEBOOK_DIR.glob("0[1-9]_*.ipynb"))
HANGUL = re.compile(r"[\uac00-\ud7a3]")
TERM = re.compile(r"([^()]*[\uac00-\ud7a3][^()]*?)\s*\(([\x20-\x7e]+)\)")
NOTE_FILE = re.compile(r"\b00[0-4]_[0-9a-f]{16}(?:\.recovered)?\.txt\b")
KNOWN_NOTES = {
    "000_d32f8b4175318f74.txt",
    "001_d67b98c05618f26c.txt",
    "002_784d4e1568c4c2aa.txt",
    "002_784d4e1568c4c2aa.recovered.txt",
    "003_569380dc5503a884.txt",
    "004_e71425f12080e1e4.txt",
}
BEYOND = "강의 노트 밖"


def _nb(path: Path):
    nbformat = pytest.importorskip("nbformat")
    return nbformat.read(path, as_version=4)


def _markdown(path: Path) -> list[str]:
    return [c.source for c in _nb(path).cells if c.cell_type == "markdown"]


def _bold_spans(text: str) -> list[str]:
    """The text between paired ``**`` markers (odd pieces of a split), code spans removed."""
    text = re.sub(r"`[^`]*`", "", text)
    pieces = text.split("**")
    return [pieces[i] for i in range(1, len(pieces), 2)]


def defined_terms(path: Path) -> dict[str, str]:
    """{Korean term: English} for every ``**한국어 (English)**`` in the notebook's markdown."""
    terms: dict[str, str] = {}
    for text in _markdown(path):
        for span in _bold_spans(text):
            m = TERM.fullmatch(span.strip())
            if m:
                terms.setdefault(m.group(1).strip(), m.group(2).strip())
    return terms


def glossary() -> list[tuple[str, str, list[str], str]]:
    for cell in _nb(GLOSSARY_PATH).cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "GLOSSARY" for t in node.targets
            ):
                return ast.literal_eval(node.value)
    raise AssertionError(f"no GLOSSARY = [...] assignment in {GLOSSARY_PATH.name}")


def test_glossary_notebook_exists_and_teaching_notebooks_too() -> None:
    assert GLOSSARY_PATH.exists(), "notebooks/00_glossary.ipynb (용어집) is missing"
    assert [p.name[:3] for p in TEACHING] == [f"0{i}_" for i in range(1, 9)], TEACHING


def test_convention_recognises_terms() -> None:
    """The parser itself: what counts as a definition and what does not."""
    text = "**연쇄 법칙 (chain rule)** 과 **주의** 와 **im2col** 과 `**x (y)**` **2층 (보편, u)**"
    spans = _bold_spans(text)
    found = [TERM.fullmatch(s.strip()) for s in spans]
    assert [m.groups() for m in found if m] == [("연쇄 법칙", "chain rule")]


@pytest.mark.parametrize("path", TEACHING, ids=lambda p: p.name)
def test_every_defined_term_is_in_the_glossary(path: Path) -> None:
    rows = {ko: en for ko, en, _, _ in glossary()}
    terms = defined_terms(path)
    assert terms, f"{path.name} defines no term as **한국어 (English)**"
    missing = sorted(set(terms) - set(rows))
    assert not missing, f"{path.name}: terms missing from the glossary: {missing}"
    clashes = {ko: (en, rows[ko]) for ko, en in terms.items() if en.lower() != rows[ko].lower()}
    assert not clashes, f"{path.name}: English names differ from the glossary's: {clashes}"


def test_every_glossary_row_occurs_where_it_says() -> None:
    text = {p.name[:2]: "\n".join(_markdown(p)) for p in TEACHING}
    defined = set()
    for p in TEACHING:
        defined |= set(defined_terms(p))
    stale = []
    for ko, en, _refs, where in glossary():
        for nb in where.split():
            if ko not in text.get(nb, ""):
                stale.append(f"{ko} not in notebook {nb}")
        if ko not in defined:
            stale.append(f"{ko} ({en}) is never defined as **{ko} ({en})**")
    assert not stale, stale


@pytest.mark.parametrize("path", TEACHING, ids=lambda p: p.name)
def test_every_section_names_its_lecture_note(path: Path) -> None:
    unnamed = []
    for text in _markdown(path):
        parts = re.split(r"(?m)^## ", text)
        for part in parts[1:]:
            heading = part.splitlines()[0]
            if heading.strip() in ("요약", "Summary"):
                continue
            if not (NOTE_FILE.search(part) or BEYOND in part):
                unnamed.append(heading)
    assert not unnamed, f"{path.name}: sections naming no lecture note: {unnamed}"
    named = {m.group(0) for text in _markdown(path) for m in NOTE_FILE.finditer(text)}
    assert named <= KNOWN_NOTES, f"{path.name}: unknown note files {named - KNOWN_NOTES}"


@pytest.mark.parametrize("path", TEACHING, ids=lambda p: p.name)
def test_notebook_is_korean_first(path: Path) -> None:
    """Most of the prose is Korean: Hangul syllables outnumber ASCII letters outside math
    and code in the markdown."""
    prose = "\n".join(_markdown(path))
    prose = re.sub(r"\$\$.*?\$\$|\$[^$]*\$|`[^`]*`", "", prose, flags=re.S)
    hangul = len(HANGUL.findall(prose))
    latin = len(re.findall(r"[A-Za-z]", prose))
    assert hangul > latin, f"{path.name}: {hangul} Hangul syllables, {latin} Latin letters"
