import pytest
from django.urls import reverse
from wagtail.models import Page
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from communes.models import CommuneSpacePage
from home.models import HomePage
from tests.factories import CommuneFactory, ConventionFactory


def space_form(commune, **overrides):
    data = {
        "commune": commune.pk,
        "title": commune.name,
        "intro": rich_text("<p>Donnez votre avis sur les projets de la commune.</p>"),
        "body": streamfield(
            [
                ("heading", {"text": "Nos démarches", "level": "h2"}),
                ("paragraph", rich_text("<p>Bientôt vos premières consultations.</p>")),
            ]
        ),
        "action-publish": "publish",
    }
    data.update(overrides)
    return nested_form_data(data)


def add_space_url(portal):
    return reverse("wagtailadmin_pages:add", args=["communes", "communespacepage", portal.pk])


def test_commune_space_renders_in_french_with_the_commune_colour(client, commune_space):
    commune = commune_space.commune
    commune.brand_colour = "#8A1538"
    commune.save()

    response = client.get("/essey-les-nancy/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert "<h1>Essey-lès-Nancy</h1>" in html
    assert 'data-commune="essey-les-nancy"' in html
    assert "--accent: #8A1538" in client.get(reverse("commune_colours")).content.decode()
    assert "Métropole de Test" in html, "the Métropole's common header and footer wear every commune space"


def test_staff_creates_a_commune_space_at_the_commune_address(admin_client, portal, provider_contract):
    commune = CommuneFactory(name="Pulnoy", insee_code="54439", slug="pulnoy")
    ConventionFactory(commune=commune)

    # A title that would give another slug: the space still lives at the commune's address.
    response = admin_client.post(add_space_url(portal), space_form(commune, title="Ville de Pulnoy"))

    assert response.status_code == 302
    space = CommuneSpacePage.objects.get(commune=commune)
    assert space.slug == "pulnoy"
    assert space.live
    page = admin_client.get("/pulnoy/")
    assert page.status_code == 200
    assert "Nos démarches" in page.content.decode()


def test_a_commune_cannot_get_a_second_space(admin_client, commune_space):
    response = admin_client.post(add_space_url(commune_space.get_parent()), space_form(commune_space.commune))

    assert response.status_code == 200
    assert CommuneSpacePage.objects.filter(commune=commune_space.commune).count() == 1


def test_commune_space_can_only_be_created_under_the_portal(portal, commune_space):
    root = Page.get_first_root_node()

    assert CommuneSpacePage.can_create_at(portal)
    assert not CommuneSpacePage.can_create_at(root)
    assert not CommuneSpacePage.can_create_at(commune_space)


def test_admin_refuses_to_add_a_commune_space_under_another_space(admin_client, commune_space):
    commune = CommuneFactory(name="Seichamps", slug="seichamps")
    url = reverse("wagtailadmin_pages:add", args=["communes", "communespacepage", commune_space.pk])

    response = admin_client.post(url, space_form(commune))

    assert response.status_code in (302, 403)
    assert not CommuneSpacePage.objects.filter(commune=commune).exists()


@pytest.mark.django_db
def test_deleting_a_commune_with_a_space_is_refused(commune_space):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        commune_space.commune.delete()
    assert HomePage.objects.exists()


def test_an_existing_space_keeps_its_commune(admin_client, commune_space):
    other = CommuneFactory(name="Laxou", slug="laxou")
    url = reverse("wagtailadmin_pages:edit", args=[commune_space.pk])

    response = admin_client.post(url, space_form(other, title="Essey-lès-Nancy"))

    assert response.status_code == 302
    commune_space.refresh_from_db()
    assert commune_space.commune.slug == "essey-les-nancy"
    assert commune_space.slug == "essey-les-nancy"
    assert not CommuneSpacePage.objects.filter(commune=other).exists()


def test_a_space_created_for_a_commune_without_convention_stays_a_draft(admin_client, portal, provider_contract):
    commune = CommuneFactory(name="Ludres", insee_code="54328", slug="ludres")

    response = admin_client.post(add_space_url(portal), space_form(commune), follow=True)

    space = CommuneSpacePage.objects.get(commune=commune)
    assert not space.live
    assert "non publié" in response.content.decode()
    assert admin_client.get("/ludres/").status_code == 404
