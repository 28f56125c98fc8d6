"""The one rule every export writer applies: a cell a spreadsheet would run is shown, never run; sheet names valid."""

import pytest

from core.exports import neutralise_cell, sheet_title
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
    assert neutralise_cell(value) == "'" + value


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
