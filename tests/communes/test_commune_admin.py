import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from communes.models import Commune
from tests.factories import CommuneFactory

LIST_URL = reverse("wagtailsnippets_communes_commune:list")
ADD_URL = reverse("wagtailsnippets_communes_commune:add")


def commune_form(**overrides):
    data = {
        "name": "Heillecourt",
        "insee_code": "54257",
        "slug": "heillecourt",
        "postal_codes": "54180",
        "population": "5377",
        "population_year": "2021",
        "brand_colour": "#1D4F91",
        "contacts": inline_formset(
            [{"role": "project_lead", "name": "Camille Martin", "email": "camille.martin@example.org", "phone": ""}]
        ),
    }
    data.update(overrides)
    return nested_form_data(data)


def test_staff_registers_a_commune_with_its_contacts(admin_client, db):
    response = admin_client.post(ADD_URL, commune_form())

    assert response.status_code == 302
    commune = Commune.objects.get(insee_code="54257")
    assert commune.name == "Heillecourt"
    assert [contact.email for contact in commune.contacts.all()] == ["camille.martin@example.org"]


def test_admin_refuses_a_bad_insee_code_with_a_french_message_and_stores_nothing(admin_client, db):
    response = admin_client.post(ADD_URL, commune_form(insee_code="5425"))

    assert response.status_code == 200
    assert "cinq caractères" in response.content.decode()
    assert not Commune.objects.exists()


def test_admin_refuses_a_too_pale_colour(admin_client, db):
    response = admin_client.post(ADD_URL, commune_form(brand_colour="#FFEE88"))

    assert response.status_code == 200
    assert "trop claire" in response.content.decode()
    assert not Commune.objects.exists()


def test_editing_with_bad_input_leaves_the_stored_commune_intact(admin_client, db):
    commune = CommuneFactory(name="Ludres", insee_code="54328", slug="ludres", population=6081)
    url = reverse("wagtailsnippets_communes_commune:edit", args=[commune.pk])

    response = admin_client.post(
        url, commune_form(name="Ludres modifiée", insee_code="XXXXX", slug="ludres", contacts=inline_formset([]))
    )

    assert response.status_code == 200
    commune.refresh_from_db()
    assert (commune.name, commune.insee_code, commune.population) == ("Ludres", "54328", 6081)


def test_commune_slug_is_frozen_once_its_space_exists(admin_client, commune_space):
    commune = commune_space.commune
    url = reverse("wagtailsnippets_communes_commune:edit", args=[commune.pk])

    response = admin_client.post(
        url,
        commune_form(
            name=commune.name, insee_code=commune.insee_code, slug="nouvelle-adresse", contacts=inline_formset([])
        ),
    )

    assert response.status_code == 200
    assert "son identifiant ne change plus" in response.content.decode()
    commune.refresh_from_db()
    assert commune.slug == "essey-les-nancy"


def test_listing_searches_communes_by_name_and_insee_code(admin_client, db):
    CommuneFactory(name="Seichamps", insee_code="54498", slug="seichamps")
    CommuneFactory(name="Tomblaine", insee_code="54526", slug="tomblaine")

    by_name = admin_client.get(LIST_URL, {"q": "Seicha"}).content.decode()
    by_code = admin_client.get(LIST_URL, {"q": "54526"}).content.decode()

    assert "Seichamps" in by_name and "Tomblaine" not in by_name
    assert "Tomblaine" in by_code and "Seichamps" not in by_code


def test_listing_filters_communes_by_space_and_shows_its_state(admin_client, commune_space):
    CommuneFactory(name="Sans-Espace", slug="sans-espace")

    with_space = admin_client.get(LIST_URL, {"has_space": "true"}).content.decode()
    without_space = admin_client.get(LIST_URL, {"has_space": "false"}).content.decode()

    assert "Essey-lès-Nancy" in with_space and "Sans-Espace" not in with_space
    assert "En ligne" in with_space
    assert "Sans-Espace" in without_space and "Essey-lès-Nancy" not in without_space


def test_anonymous_visitor_cannot_reach_the_admin(client, db):
    for url in ("/admin/", LIST_URL, ADD_URL):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith("/admin/login/")


@pytest.mark.django_db
def test_user_without_admin_access_cannot_list_communes(client):
    CommuneFactory(name="Seichamps", insee_code="54498", slug="seichamps")
    user = get_user_model().objects.create_user("citoyen", password="a-long-test-password")
    client.force_login(user)

    response = client.get(LIST_URL)

    assert response.status_code == 302 and response.url.startswith("/admin/login/")
    assert "Seichamps" not in response.content.decode()


@pytest.mark.django_db
def test_admin_user_without_commune_permissions_cannot_register_one(client):
    user = get_user_model().objects.create_user("editeur", password="a-long-test-password")
    group = Group.objects.create(name="Accès admin seulement")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    user.groups.add(group)
    client.force_login(user)

    response = client.post(ADD_URL, commune_form())

    assert response.status_code in (302, 403)
    assert not Commune.objects.filter(insee_code="54257").exists()


def listing_queries(client, url):
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("listing", ["commune", "convention"])
def test_admin_listings_query_count_does_not_grow_with_rows(admin_client, make_space, listing):
    url = reverse(f"wagtailsnippets_communes_{listing}:list")
    make_space("Ville A")
    admin_client.get(url)
    with_one = listing_queries(admin_client, url)
    for name in ("Ville B", "Ville C", "Ville D", "Ville E"):
        make_space(name)
    admin_client.get(url)  # the first visit after new spaces reads the tree's and the gate's facts again

    assert listing_queries(admin_client, url) == with_one
