import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

# What is searched is indexed as it is saved, as in production.
pytestmark = pytest.mark.usefixtures("search_index")


def test_search_page_exists_with_an_accessible_form(client, portal):
    response = client.get("/recherche/")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="search"' in html
    assert '<label for="search-q">' in html


def test_search_finds_a_live_commune_space(client, commune_space):
    response = client.get("/recherche/", {"q": "Essey"})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="/essey-les-nancy/"' in html
    assert "1 résultat" in html


def test_search_never_returns_unpublished_pages(client, make_space):
    space = make_space("Brouillonville")
    space.unpublish()

    html = client.get("/recherche/", {"q": "Brouillonville"}).content.decode()

    assert 'href="/brouillonville/"' not in html
    assert "0 résultat" in html


def test_empty_query_gets_a_helpful_french_message(client, portal):
    html = client.get("/recherche/", {"q": "   "}).content.decode()

    assert "Saisissez un ou plusieurs mots" in html


def test_too_long_query_is_refused_before_it_runs(client, portal):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/recherche/", {"q": "concertation " * 40})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Votre recherche est trop longue" in html
    assert "résultat" not in html
    assert not [query for query in queries if "indexentry" in query["sql"] or "search_vector" in query["sql"]], (
        "no search ran"
    )


def test_out_of_range_page_number_shows_the_last_page(client, commune_space):
    response = client.get("/recherche/", {"q": "Essey", "page": "99"})

    assert response.status_code == 200
    assert 'href="/essey-les-nancy/"' in response.content.decode()


def test_search_leaves_out_the_pages_of_a_commune_whose_convention_ended(client, make_space):
    from participation.services.processes import ensure_process

    space = make_space("Maxéville", slug="maxeville")
    ensure_process(space, title="Jardins partagés de Maxéville", summary="Où créer des jardins ?")
    make_space("Laxou")
    assert "Jardins partagés" in client.get("/recherche/", {"q": "jardins"}).content.decode()
    convention = space.commune.conventions.get()
    convention.revocation_decided_on = convention.notified_on
    convention.save()

    html = client.get("/recherche/", {"q": "Maxéville jardins"}).content.decode()

    assert "maxeville" not in html
    assert "0 résultat" in html


def test_search_never_returns_pages_restricted_to_some_visitors(client, make_space):
    from wagtail.models import PageViewRestriction

    space = make_space("Secretville")
    PageViewRestriction.objects.create(page=space, restriction_type=PageViewRestriction.LOGIN)

    html = client.get("/recherche/", {"q": "Secretville"}).content.decode()

    assert 'href="/secretville/"' not in html
    assert "0 résultat" in html


def test_a_refused_filter_is_read_with_its_field_and_titled_as_an_error(client, commune_space):
    from bs4 import BeautifulSoup

    response = client.get("/recherche/", {"q": "cour", "commune": "inconnue"})
    page = BeautifulSoup(response.content.decode(), "html.parser")

    commune = page.find("select", {"name": "commune"})
    [error] = [page.find(id=id_) for id_ in commune["aria-describedby"].split()]
    assert page.title.get_text().startswith("Erreur : Rechercher")
    assert commune["aria-invalid"] == "true"
    assert "ne figure pas parmi les communes participantes" in error.get_text()
