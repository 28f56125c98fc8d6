"""The results page: kinds of results, filters, pagination, messages, and a bounded number of queries."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.rich_text import RichText

from participation.models import Audience, Theme
from tests.search.conftest import add_contribution, make_process

# What is searched is indexed as it is saved, as in production.
pytestmark = pytest.mark.usefixtures("search_index")


def result_links(html):
    return re.findall(r'<li class="search-result">\s*<h3><a href="([^"]+)">', html)


@pytest.fixture
def two_communes(commune_space, make_space, legal_texts):
    essey = commune_space
    laxou = make_space("Laxou", slug="laxou")
    greenery = Theme.objects.create(name="Espaces verts", slug="espaces-verts")
    essey_open = make_process(essey, "Jardins de la Fallée", themes=[greenery])
    essey_closed = make_process(essey, "Jardins du Château", starts=-60, ends=-30)
    laxou_upcoming = make_process(laxou, "Jardins de Laxou", starts=10, ends=40)
    return {"essey": essey, "laxou": laxou, "open": essey_open, "closed": essey_closed, "upcoming": laxou_upcoming}


def test_filter_by_commune_keeps_only_its_pages(two_communes, search):
    html = search("jardins", commune="laxou")

    assert result_links(html) == [two_communes["upcoming"].url]


@pytest.mark.parametrize(("state", "expected"), [("open", "open"), ("closed", "closed"), ("upcoming", "upcoming")])
def test_filter_by_state_keeps_only_processes_in_that_state(two_communes, search, state, expected):
    html = search("jardins", state=state)

    assert result_links(html) == [two_communes[expected].url]


def test_filter_by_theme_keeps_only_processes_of_that_theme(two_communes, search):
    html = search("jardins", theme="espaces-verts")

    assert result_links(html) == [two_communes["open"].url]


def test_an_unknown_filter_value_gets_a_french_message_and_no_results(two_communes, search):
    html = search("jardins", commune="atlantide", state="bientot")

    assert "Cette commune ne figure pas parmi les communes participantes." in html
    assert "Choisissez un état dans la liste." in html
    assert 'aria-invalid="true"' in html
    assert result_links(html) == []


def test_a_commune_whose_convention_ended_is_not_offered_as_a_filter(two_communes, search):
    convention = two_communes["laxou"].commune.conventions.get()
    convention.revocation_decided_on = convention.notified_on
    convention.save()

    html = search("jardins")

    assert 'value="essey-les-nancy"' in html
    assert 'value="laxou"' not in html
    assert "Cette commune ne figure pas" in search("jardins", commune="laxou")


def test_results_are_paginated_and_links_keep_the_filters(commune_space, legal_texts, search, settings):
    settings.SEARCH_RESULTS_PER_PAGE = 3
    for number in range(5):
        make_process(commune_space, f"Réunion de quartier {number}")

    first = search("quartier", commune="essey-les-nancy")
    second = search("quartier", commune="essey-les-nancy", page="2")

    assert len(result_links(first)) == 3
    assert len(result_links(second)) == 2
    assert "5 résultats" in first
    assert "Page 1 sur 2" in first
    next_link = re.search(r'<a href="(\?[^"]+)">Page suivante', first).group(1)
    assert "commune=essey-les-nancy" in next_link and "page=2" in next_link
    assert set(result_links(first)).isdisjoint(result_links(second))


def test_a_published_contribution_is_found_and_points_to_its_process(process, search, settings):
    settings.CONTRIBUTIONS_PER_PAGE = 2
    found = add_contribution(process, "Des nichoirs à mésanges dans le préau.")
    for number in range(3):
        add_contribution(process, f"Une autre idée numéro {number}.", pseudonym=f"Auteur{number}")

    html = search("mésange", type="contributions")

    # Three newer contributions come first on the process page: this one is on its second page.
    assert result_links(html) == [f"{process.url}?page=2#contribution-{found.pk}"]
    assert "Contribution à «\u00a0Nos cours d&#x27;école\u00a0»" in html  # no-break spaces inside guillemets
    assert "<mark>mésanges</mark>" in html
    assert "Essey-lès-Nancy" in html
    assert "Camille" not in html.split('class="search-results"')[1], "no pseudonym in results"


def test_without_a_chosen_kind_the_first_kind_with_results_is_listed(all_texts, portal, search):
    html = search("accessibilité")

    assert result_links(html) == ["/accessibilite/"]
    assert re.search(r'aria-current="page">Textes réglementaires <span class="count">\(1\)', html)
    assert "version 1, en vigueur depuis le 1er mars 2022" in html


def test_legal_texts_are_left_out_when_filtering_by_commune(all_texts, commune_space, search):
    html = search("accessibilité", commune="essey-les-nancy", type="textes")

    assert result_links(html) == []
    assert "Essayez sans filtre" in html


def test_no_result_gets_a_helpful_message(commune_space, search):
    html = search("zzzyyyxxx")

    assert "0 résultat" in html
    assert "Essayez d&#x27;autres mots" in html or "Essayez d'autres mots" in html


def queries_for(client, **params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/recherche/", params)
    assert response.status_code == 200
    return len(queries)


def rich_process(space, title, document):
    """A process whose body holds a chosen document and a questionnaire: what could cost a query per result."""
    from participation.demo import add_questionnaire

    process = make_process(space, title)
    process.body = [
        ("paragraph", RichText("<p>Un atelier pour réparer son vélo.</p>")),
        ("document", {"document": document, "title": "Plan des pistes"}),
    ]
    process.save_revision().publish()
    add_questionnaire(
        process,
        {"title": f"Questionnaire {title}", "fields": [{"label": "Avis", "field_type": "multiline", "required": True}]},
    )
    return process


def test_results_page_query_count_does_not_grow_with_the_results(commune_space, legal_texts, client, on_day):
    from django.core.files.base import ContentFile
    from wagtail.documents import get_document_model

    on_day(datetime.date.today())
    document = get_document_model().objects.create(title="Plan", file=ContentFile(b"%PDF", name="plan.pdf"))
    for number in range(2):
        process = rich_process(commune_space, f"Atelier vélo {number}", document)
        add_contribution(process, f"Un atelier vélo numéro {number}.")
    queries_for(client, q="vélo")  # warm the per-process caches (site root paths)
    few_pages = queries_for(client, q="vélo")
    few_contributions = queries_for(client, q="vélo", type="contributions")

    for number in range(2, 8):
        process = rich_process(commune_space, f"Atelier vélo {number}", document)
        add_contribution(process, f"Un atelier vélo numéro {number}.")
    queries_for(client, q="vélo")  # the first visit after a change reads the tree's facts again

    assert queries_for(client, q="vélo") == few_pages
    assert queries_for(client, q="vélo", type="contributions") == few_contributions


def test_an_unknown_kind_of_results_falls_back_to_the_default(commune_space, search):
    html = search("Essey", type="inconnu")

    assert result_links(html) == ["/essey-les-nancy/"]


def test_the_theme_filter_offers_only_themes_of_public_processes(commune_space, legal_texts, search):
    secret = Theme.objects.create(name="Ressources humaines", slug="ressources-humaines")
    visible = Theme.objects.create(name="Mobilité", slug="mobilite")
    make_process(commune_space, "Télétravail", audience=Audience.AGENTS, themes=[secret])
    make_process(commune_space, "Plan vélo", themes=[visible])

    html = search("vélo")

    assert 'value="mobilite"' in html
    assert "Ressources humaines" not in html
