"""The five texts at their French URLs, in every footer, and the commune's own block."""

import datetime

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from charter.accessibility import accessibility_mention
from charter.models import LegalTextKind
from participation.services.processes import ensure_process

D = datetime.date
LEGAL_URLS = ["/charte/", "/cgu/", "/donnees-personnelles/", "/mentions-legales/", "/accessibilite/"]


def footer_links(html):
    nav = BeautifulSoup(html, "html.parser").select_one("footer nav[aria-labelledby=footer-legal-title]")
    return {item.a["href"]: item.get_text(" ", strip=True) for item in nav.select("li")}, nav


@pytest.fixture
def site_pages(commune_space, all_texts):
    process, _ = ensure_process(commune_space, title="Plan vélo", summary="Vos itinéraires.")
    return {
        "home": "/",
        "commune space": "/essey-les-nancy/",
        "process": "/essey-les-nancy/plan-velo/",
        "search": "/recherche/?q=velo",
        "legal text": "/cgu/",
        "history": "/cgu/versions/",
        "not found": "/nulle-part/",
    }


def test_every_public_page_type_has_the_five_links_with_their_dates(client, site_pages, all_texts):
    for name, url in site_pages.items():
        response = client.get(url)
        links, nav = footer_links(response.content.decode())

        assert len(links) == 5, name
        for href, text in links.items():
            assert "mis à jour le 1er mars 2022" in text, (name, href)
        assert f"Accessibilité : {accessibility_mention()}" in nav.get_text(" ", strip=True), name


def test_footer_links_point_to_the_five_stable_addresses(client, portal, all_texts):
    links, _nav = footer_links(client.get("/").content.decode())

    assert sorted(links) == sorted(LEGAL_URLS)
    for url in LEGAL_URLS:
        assert client.get(url).status_code == 200


def test_server_error_page_links_the_five_texts_without_the_database(rf):
    from django.views.defaults import server_error

    html = server_error(rf.get("/")).content.decode()

    for url in LEGAL_URLS:
        assert f'href="{url}"' in html


def queries_for(client, url):
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def test_the_footer_costs_the_same_queries_whatever_the_number_of_versions(client, portal, publish_text):
    for kind in LegalTextKind:
        publish_text(kind, "2020-01-01")
    client.get("/")
    with_one_version_each = queries_for(client, "/")
    for year in range(2021, 2026):
        for kind in LegalTextKind:
            publish_text(kind, f"{year}-01-01")
    client.get("/")  # the first visit after a new version reads the texts in force again

    assert queries_for(client, "/") == with_one_version_each


def test_the_footer_reads_the_texts_in_a_single_query_then_from_the_cache(client, portal, publish_text):
    for kind in LegalTextKind:
        publish_text(kind, "2020-01-01")

    with CaptureQueriesContext(connection) as first:
        client.get("/")
    with CaptureQueriesContext(connection) as later:
        client.get("/")

    def legal_queries(context):
        return [q for q in context.captured_queries if "charter_legaltextversion" in q["sql"]]

    assert len(legal_queries(first)) == 1
    assert legal_queries(later) == [], "kept in the cache until a version is saved"


def test_current_text_page_shows_version_date_summary_and_history_link(client, publish_text):
    publish_text(LegalTextKind.TERMS, "2022-03-01", text="CGU d'origine.")
    publish_text(LegalTextKind.TERMS, "2025-01-15", text="CGU révisées.", summary="Ajout de la contestation.")

    html = client.get("/cgu/").content.decode()
    old = client.get("/cgu/versions/1/").content.decode()
    history = client.get("/cgu/versions/").content.decode()

    assert "Version 2, en vigueur depuis le 15 janvier 2025" in html
    assert "Ajout de la contestation." in html and "CGU révisées." in html
    assert 'href="/cgu/versions/"' in html
    assert "CGU d'origine." in old and "version archivée" in old
    assert 'href="/cgu/versions/1/"' in history and 'href="/cgu/versions/2/"' in history


def test_a_new_version_is_flagged_as_updated_for_thirty_days(client, publish_text, on_day):
    publish_text(LegalTextKind.CHARTER, "2022-03-01")
    publish_text(LegalTextKind.CHARTER, "2026-11-01")

    on_day(D(2026, 11, 30))
    recent = client.get("/charte/").content.decode()
    on_day(D(2026, 12, 1))
    later = client.get("/charte/").content.decode()

    assert "Mis à jour le 1er novembre 2026" in recent
    assert "Mis à jour le" not in later


def test_commune_editors_see_a_recent_update_in_the_admin(client, essey_editor, publish_text, on_day):
    publish_text(LegalTextKind.TERMS, "2022-03-01")
    publish_text(LegalTextKind.TERMS, "2026-11-20", summary="Nouvelle règle sur la contestation.")
    on_day(D(2026, 11, 26))
    client.force_login(essey_editor)

    dashboard = client.get(reverse("wagtailadmin_home")).content.decode()

    assert "Textes réglementaires mis à jour" in dashboard
    assert "Nouvelle règle sur la contestation." in dashboard


def test_an_unpublished_text_says_so(client, portal):
    response = client.get("/mentions-legales/")

    assert response.status_code == 404
    assert "pas encore publié" in response.content.decode()


# --- The commune's own block (Art. 6): on its pages, never on another commune's -------


@pytest.fixture
def two_communes(commune_space, make_space, all_texts):
    essey = commune_space
    essey.privacy_dpo_contact = "<p>dpo@essey.example</p>"
    essey.save_revision().publish()
    nancy = make_space("Nancy")
    ensure_process(essey, title="Cours d'école", summary="Vos idées.")
    ensure_process(nancy, title="Plan vélo", summary="Vos trajets.")
    return essey, nancy


def test_the_commune_block_shows_on_its_processes_and_not_on_another_communes(client, two_communes):
    essey_process = client.get("/essey-les-nancy/cours-decole/").content.decode()
    nancy_process = client.get("/nancy/plan-velo/").content.decode()

    assert "dpo@essey.example" in essey_process
    assert "dpo@essey.example" not in nancy_process


def test_the_privacy_notice_read_from_a_commune_includes_its_block(client, two_communes):
    essey_notice = client.get("/donnees-personnelles/commune/essey-les-nancy/").content.decode()
    nancy_notice = client.get("/donnees-personnelles/commune/nancy/").content.decode()
    metropole_notice = client.get("/donnees-personnelles/").content.decode()

    assert "Texte : Politique de protection des données personnelles." in essey_notice
    assert "dpo@essey.example" in essey_notice
    assert "dpo@essey.example" not in nancy_notice
    assert "dpo@essey.example" not in metropole_notice


def test_the_footer_of_a_commune_page_links_to_its_own_privacy_notice(client, two_communes):
    links, _nav = footer_links(client.get("/essey-les-nancy/").content.decode())

    assert "/donnees-personnelles/commune/essey-les-nancy/" in links


def test_the_privacy_notice_of_an_inactive_commune_is_not_served(client, make_space, all_texts):
    make_space("Ludres", active=False)

    assert client.get("/donnees-personnelles/commune/ludres/").status_code == 404


def test_editors_fill_the_block_from_their_space_in_the_admin(client, commune_space, essey_editor, all_texts):
    from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

    client.force_login(essey_editor)
    data = nested_form_data(
        {
            "title": "Essey-lès-Nancy",
            "intro": rich_text("<p>Bienvenue.</p>"),
            "body": streamfield([]),
            "privacy_controller": rich_text("<p>La commune d'Essey-lès-Nancy.</p>"),
            "privacy_dpo_contact": rich_text("<p>dpo@essey.example</p>"),
            "privacy_purposes": rich_text("<p>Douze mois après la clôture.</p>"),
            "action-publish": "action-publish",
        }
    )

    response = client.post(reverse("wagtailadmin_pages:edit", args=[commune_space.pk]), data)

    assert response.status_code == 302
    assert "dpo@essey.example" in client.get("/donnees-personnelles/commune/essey-les-nancy/").content.decode()
