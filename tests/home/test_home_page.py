from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.views.defaults import server_error
from wagtail.models import Page, PageViewRestriction
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from communes.models import CommuneSpacePage
from communes.services import ensure_commune_space, register_commune
from home.models import HomePage
from tests.factories import CommuneFactsFactory


def test_home_page_renders_in_french_with_metropole_identity(client, commune_space):
    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert 'href="#contenu"' in html and 'id="contenu"' in html
    assert "Métropole de Test" in html
    assert "1 place de la Mairie" in html
    assert "Les communes participantes" in html


def test_home_page_links_to_each_live_commune_space(client, portal):
    for name, slug in [("Nancy", "nancy"), ("Laxou", "laxou")]:
        commune, _ = register_commune(CommuneFactsFactory(name=name, slug=slug))
        ensure_commune_space(commune, portal)

    html = client.get("/").content.decode()

    assert 'href="/nancy/"' in html
    assert 'href="/laxou/"' in html


def test_home_page_hides_unpublished_and_restricted_spaces(client, portal):
    draft_commune, _ = register_commune(CommuneFactsFactory(name="Brouillonville", slug="brouillonville"))
    draft_space, _ = ensure_commune_space(draft_commune, portal)
    draft_space.unpublish()
    private_commune, _ = register_commune(CommuneFactsFactory(name="Secretville", slug="secretville"))
    private_space, _ = ensure_commune_space(private_commune, portal)
    PageViewRestriction.objects.create(page=private_space, restriction_type=PageViewRestriction.LOGIN)

    html = client.get("/").content.decode()

    assert "Brouillonville" not in html
    assert "Secretville" not in html
    assert client.get("/brouillonville/").status_code == 404


def count_queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def test_home_page_query_count_does_not_grow_with_communes(client, portal):
    def add_communes(names):
        for name in names:
            commune, _ = register_commune(CommuneFactsFactory(name=name))
            ensure_commune_space(commune, portal)

    add_communes(["Ville A", "Ville B"])
    client.get("/")  # warm the per-process caches (site root paths)
    queries_with_two = count_queries(client, "/")
    add_communes([f"Ville {n}" for n in range(8)])

    assert count_queries(client, "/") == queries_with_two
    assert client.get("/").content.decode().count('class="card commune-card"') == 10


def test_only_one_portal_can_exist(portal):
    root = Page.get_first_root_node()

    assert not HomePage.can_create_at(root)


def test_portal_accepts_only_commune_spaces_below_it(portal):
    assert HomePage.allowed_subpage_models() == [CommuneSpacePage]


def test_staff_edits_and_publishes_the_portal_in_the_admin(admin_client, portal):
    url = reverse("wagtailadmin_pages:edit", args=[portal.pk])
    data = nested_form_data(
        {
            "title": "Je participe dans ma métropole",
            "slug": portal.slug,
            "intro": rich_text("<p>Une nouvelle introduction.</p>"),
            "body": streamfield([("paragraph", rich_text("<p>Un paragraphe du portail.</p>"))]),
            "action-publish": "publish",
        }
    )

    response = admin_client.post(url, data)

    assert response.status_code == 302
    html = admin_client.get("/").content.decode()
    assert "Je participe dans ma métropole" in html
    assert "Un paragraphe du portail." in html


def test_unknown_address_gets_the_french_404_page(client, portal):
    response = client.get("/cette-page-n-existe-pas/")

    assert response.status_code == 404
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert "Page introuvable" in html
    assert "Métropole de Test" in html


def test_server_error_page_is_french_and_needs_no_database(rf):
    # No `db` fixture: any query here would fail the test.
    response = server_error(rf.get("/"))

    assert response.status_code == 500
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert "Le site rencontre un problème" in html
