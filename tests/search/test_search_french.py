"""French full-text search on PostgreSQL: stemming and accent folding (the `french_unaccent` configuration)."""

import re

import pytest

from participation.models import ProcessPage
from search.services import search_pages
from tests.search.conftest import make_process

# What is searched is indexed as it is saved, as in production.
pytestmark = pytest.mark.usefixtures("search_index")


@pytest.fixture
def school_plan(commune_space, legal_texts):
    process = make_process(commune_space, "Plan de mobilité des écoles")
    process.summary = "La participation des familles à la concertation sur la végétalisation du chemin de l'école."
    process.save_revision().publish()
    return process


def found_titles(query):
    return [page.title for page in search_pages(query)]


@pytest.mark.parametrize("query", ["participer", "végétaliser", "vegetaliser"])
def test_a_verb_finds_its_noun_by_french_stemming(school_plan, query):
    assert "Plan de mobilité des écoles" in found_titles(query)


@pytest.mark.parametrize("query", ["ecole", "ÉCOLE", "mobilite", "MOBILITÉ", "concertation", "CONCERTATION"])
def test_case_and_accents_do_not_matter(school_plan, query):
    assert found_titles(query) == ["Plan de mobilité des écoles"]


def test_a_word_that_is_not_there_finds_nothing(school_plan):
    assert found_titles("piscine") == []


def test_the_results_page_shows_title_commune_state_and_highlighted_extract(school_plan, search):
    html = search("ecoles concertation")

    result = re.search(r'<li class="search-result">(.*?)</li>', html, re.S).group(1)
    assert f'href="{school_plan.url}"' in result
    assert "Plan de mobilité des écoles" in result
    assert "Essey-lès-Nancy" in result
    assert "Ouverte" in result
    assert "<mark>concertation</mark>" in result
    assert "<mark>école</mark>" in result


def test_the_extract_escapes_what_the_editor_wrote(commune_space, legal_texts, search):
    process = make_process(commune_space, "Marché couvert")
    process.summary = "Le <script>alert(1)</script> marché du samedi & des halles."
    process.save_revision().publish()

    html = search("marché")

    results = html.split('class="search-results"')[1]
    assert "<script>" not in results
    assert "<mark>marché</mark> du samedi &amp; des halles" in results
    assert ProcessPage.objects.live().filter(pk=process.pk).exists()
