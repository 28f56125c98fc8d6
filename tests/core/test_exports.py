"""The one rule every export writer applies: a cell a spreadsheet would run is shown, never run; sheet names valid."""

import csv
import io

import pytest

from core.exports import csv_response, neutralise_cell, sheet_title
from tests.participation.test_export_safety import HOSTILE

HARMLESS = [
    "rendez-vous à 18h30 place Stanislas",
    "Plus de bancs.",
    "'=déjà neutralisé",
    "a=b",
    "",
    "-2",
    "+33",
    " -1,5",
    "– un tiret demi-cadratin",
    "« = » entre guillemets",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_a_cell_a_spreadsheet_would_run_gets_a_leading_apostrophe(value):
    written = neutralise_cell(value)
    assert written.startswith("'")
    assert written.replace("'", "") == value.replace("'", ""), "apostrophes added, nothing else changed"


@pytest.mark.parametrize("value", HARMLESS)
def test_ordinary_text_and_numbers_written_as_text_stay_as_they_are(value):
    assert neutralise_cell(value) == value


@pytest.mark.parametrize("value", [-2, 3.5, 0, None, True])
def test_numbers_stay_numbers(value):
    assert neutralise_cell(value) is value


@pytest.mark.parametrize(
    ("title", "taken", "expected"),
    [
        ("Parc du Charmois : quels usages demain ?", [], "Parc du Charmois - quels usages"),
        ("a/b\\c*d[e]f?", [], "a-b-c-d-e-f-"),
        ("", [], "Feuille"),
        ("Contributions", ["contributions"], "Contributions (2)"),
        ("x" * 40, ["x" * 31], "x" * 27 + " (2)"),
    ],
)
def test_sheet_titles_are_made_valid_and_distinct(title, taken, expected):
    assert sheet_title(title, taken) == expected


EMBEDDED = ["Avis,=cmd|' /C calc'!A0", "Avis;=1+1", "Avis,\t@SUM(1+1)", "Voir ; +cmd|' /C calc'!A0", "x,－cmd"]


def starts_a_formula(cell):
    stripped = cell.lstrip(" \t\u00a0\u200b")
    return bool(stripped) and stripped[0] in "=+-@＝＋－＠\u2212" and not stripped.lstrip("+-").isdigit()


@pytest.mark.parametrize("value", EMBEDDED)
def test_a_formula_after_a_separator_inside_a_cell_is_neutralised_for_every_separator(value):
    """A French spreadsheet reads a "," file with ";" and the reverse: the text after a separator starts a cell."""
    written = csv_response([["Jean", value]], "export")
    text = b"".join(written.streaming_content).decode("utf-8-sig")
    for separator in (",", ";", "\t"):
        for row in csv.reader(io.StringIO(text), delimiter=separator):
            assert not any(starts_a_formula(cell) for cell in row), (separator, row)


@pytest.mark.parametrize("value", ["prix, -20 %", "bleu, blanc, rouge", "a; - b", "1,5; +3"])
def test_ordinary_lists_and_numbers_after_a_separator_stay_as_written(value):
    assert neutralise_cell(value) == value
