"""A commune's pages use only its own images and documents, whatever id a form post names."""

import pytest
from django.urls import reverse
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from tests.participation.conftest import make_process
from tests.participation.forms import process_form_data


@pytest.fixture
def essey_process(commune_space):
    return make_process(commune_space, "Plan vélo")


def image_of(space, title):
    return get_image_model().objects.create(
        title=title, file=get_test_image_file(), collection=space.commune.collection
    )


def edit(client, process, **overrides):
    data = nested_form_data(process_form_data(process.title, publish=False, **overrides))
    return client.post(reverse("wagtailadmin_pages:edit", args=[process.pk]), data)


def test_an_editor_uses_an_image_of_their_own_commune(client, essey_process, commune_space, essey_editor):
    own = image_of(commune_space, "Piste de la Fallée")
    client.force_login(essey_editor)

    response = edit(client, essey_process, cover_image=own.pk)

    assert response.status_code == 302
    essey_process.refresh_from_db()
    assert essey_process.get_latest_revision_as_object().cover_image_id == own.pk


def test_an_editor_cannot_post_the_image_of_another_commune(client, essey_process, make_space, essey_editor):
    laxou_image = image_of(make_space("Laxou"), "Parc de Laxou")
    client.force_login(essey_editor)

    as_cover = edit(client, essey_process, cover_image=laxou_image.pk)
    in_body = edit(
        client,
        essey_process,
        body=streamfield([("image", {"image": laxou_image.pk, "alt_text": "Parc", "decorative": False})]),
    )

    for response in (as_cover, in_body):
        assert response.status_code == 200
        assert "Une image choisie n&#x27;appartient pas à la médiathèque de votre commune." in (
            response.content.decode()
        )
        assert "Parc de Laxou" not in response.content.decode(), "the form shown again does not name the image"
    essey_process.refresh_from_db()
    assert essey_process.get_latest_revision_as_object().cover_image_id is None


def test_an_editor_cannot_link_a_document_of_another_commune(client, essey_process, make_space, essey_editor):
    from django.core.files.base import ContentFile

    laxou = make_space("Laxou")
    document = get_document_model().objects.create(
        title="Compte rendu interne", file=ContentFile(b"%PDF-1.4", name="cr.pdf"), collection=laxou.commune.collection
    )
    client.force_login(essey_editor)

    paragraph = f'<p><a linktype="document" id="{document.pk}">compte rendu</a></p>'
    response = edit(client, essey_process, body=streamfield([("paragraph", rich_text(paragraph))]))

    assert response.status_code == 200
    assert "Un document choisi n&#x27;appartient pas" in response.content.decode()
    assert "Compte rendu interne" not in response.content.decode()
