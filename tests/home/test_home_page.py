from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.views.defaults import server_error
from wagtail.models import Page, PageViewRestriction
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from communes.models import CommuneSpacePage
from home.models import HomePage


def test_home_page_renders_in_french_with_metropole_identity(client, commune_space):
    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert 'href="#contenu"' in html and 'id="contenu"' in html
    assert "Métropole de Test" in html
    assert "1 place de la Mairie" in html
    assert "Les communes participantes" in html


def test_home_page_links_to_each_commune_space_with_an_active_convention(client, make_space):
    make_space("Nancy")
    make_space("Laxou")
    make_space("Ludres", active=False)

    html = client.get("/").content.decode()

    assert 'href="/nancy/"' in html
    assert 'href="/laxou/"' in html
    assert "Ludres" not in html


def test_home_page_hides_unpublished_and_restricted_spaces(client, make_space):
    draft_space = make_space("Brouillonville")
    draft_space.unpublish()
    private_space = make_space("Secretville")
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


def test_home_page_query_count_does_not_grow_with_communes(client, make_space):
    def add_communes(names):
        for name in names:
            make_space(name)

    add_communes(["Ville A", "Ville B"])
    client.get("/")  # warm the per-process caches (site root paths)
    queries_with_two = count_queries(client, "/")
    add_communes([f"Ville {n}" for n in range(8)])
    client.get("/")  # the first visit after a change reads the tree's facts again (communes.tree)

    assert count_queries(client, "/") == queries_with_two
    home = client.get("/").content.decode()
    assert all(f">{name}</a>" in home for name in ["Ville A", "Ville B", *(f"Ville {n}" for n in range(8))])


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
