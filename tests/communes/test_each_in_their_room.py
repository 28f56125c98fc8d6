"""Each commune in its room (invariant 5), from the wrong side: the read paths an outside tester found, closed.

Essey-lès-Nancy's editor tries Wagtail's secondary endpoints on Laxou's objects; each test was a leak once.
The permission matrix (tests/config/test_permission_matrix.py) tries every URL; these name the ones found by hand.
"""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from wagtail.contrib.redirects.models import Redirect
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.test.utils.form_data import nested_form_data, streamfield

from participation.services.processes import ensure_process
from tests.participation.conftest import make_process
from tests.participation.forms import process_form_data


@pytest.fixture
def laxou(make_space):
    return make_space("Laxou", slug="laxou")


@pytest.fixture
def laxou_draft(laxou):
    draft, _created = ensure_process(laxou, title="Projet confidentiel de Laxou", summary="Brouillon.", publish=False)
    return draft


@pytest.fixture
def laxou_files(laxou):
    collection = laxou.commune.collection
    image = get_image_model().objects.create(title="Photo de Laxou", file=get_test_image_file(), collection=collection)
    document = get_document_model().objects.create(
        title="Note interne de Laxou", file=ContentFile(b"%PDF-1.4 note", name="note-laxou.pdf"), collection=collection
    )
    return image, document


def test_the_admin_api_lists_only_the_files_of_the_editors_commune(client, essey_editor, laxou_files):
    image, document = laxou_files
    client.force_login(essey_editor)

    images = client.get("/admin/api/main/images/").json()
    documents = client.get("/admin/api/main/documents/").json()

    assert images["meta"]["total_count"] == 0 and documents["meta"]["total_count"] == 0
    assert client.get(f"/admin/api/main/images/{image.pk}/").status_code == 404
    assert client.get(f"/admin/api/main/documents/{document.pk}/").status_code == 404


def test_a_document_used_by_no_public_page_is_not_downloadable_by_its_address(client, laxou_files):
    _image, document = laxou_files

    assert client.get(document.url).status_code == 404
    assert client.get(document.file.url).status_code == 404


def test_the_page_chooser_does_not_name_another_communes_draft(client, essey_editor, laxou, laxou_draft):
    client.force_login(essey_editor)

    chosen = client.get(reverse("wagtailadmin_choose_page_chosen_multiple"), {"id": [laxou_draft.pk]})
    browse = client.get(reverse("wagtailadmin_choose_page_child", args=[laxou.pk]))

    assert chosen.status_code == 404 and "confidentiel" not in chosen.content.decode()
    assert browse.status_code == 404 and "confidentiel" not in browse.content.decode()


def test_bulk_action_pages_do_not_list_another_communes_pages(client, essey_editor, laxou, laxou_draft):
    client.force_login(essey_editor)
    publish = reverse("wagtail_bulk_action", args=["wagtailcore", "page", "publish"])

    all_children = client.get(publish, {"id": "all", "childOf": laxou.pk})
    by_id = client.get(publish, {"id": laxou_draft.pk})

    for response in (all_children, by_id):
        assert response.status_code == 404
        assert "confidentiel" not in response.content.decode()


def test_the_page_types_report_is_for_metropole_staff(client, essey_editor, staff_user, laxou_draft):
    url = reverse("wagtailadmin_reports:page_types_usage")
    client.force_login(essey_editor)
    refused = client.get(url)
    editors_menu = client.get(reverse("wagtailadmin_home")).content.decode()
    client.force_login(staff_user)

    assert refused.status_code in (302, 403)
    assert "confidentiel" not in refused.content.decode()
    assert url not in editors_menu, "the reports menu does not offer editors a report that refuses them"
    assert client.get(url).status_code == 200
    assert url in client.get(reverse("wagtailadmin_home")).content.decode()


def test_the_move_confirmation_does_not_name_another_communes_page(client, essey_editor, commune_space, laxou_draft):
    client.force_login(essey_editor)

    response = client.get(reverse("wagtailadmin_pages:move_confirm", args=[laxou_draft.pk, commune_space.pk]))

    assert response.status_code == 404
    assert "confidentiel" not in response.content.decode()


def test_a_page_chooser_block_refuses_another_communes_draft(client, essey_editor, commune_space, laxou_draft):
    own = make_process(commune_space, "Plan vélo")
    client.force_login(essey_editor)
    button = {"text": "Voir le projet", "page": laxou_draft.pk, "url": ""}

    response = client.post(
        reverse("wagtailadmin_pages:edit", args=[own.pk]),
        nested_form_data(process_form_data(own.title, publish=False, body=streamfield([("call_to_action", button)]))),
    )

    assert response.status_code == 200
    assert "Une page choisie n&#x27;appartient pas à l&#x27;espace de votre commune." in response.content.decode()
    own.refresh_from_db()
    assert own.get_latest_revision_as_object().body.raw_data == own.body.raw_data


def test_an_editor_links_to_a_page_of_their_own_commune(client, essey_editor, commune_space):
    own = make_process(commune_space, "Plan vélo")
    other = make_process(commune_space, "Cours d'école")
    client.force_login(essey_editor)
    button = {"text": "Voir aussi", "page": other.pk, "url": ""}

    response = client.post(
        reverse("wagtailadmin_pages:edit", args=[own.pk]),
        nested_form_data(process_form_data(own.title, publish=False, body=streamfield([("call_to_action", button)]))),
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    own.refresh_from_db()
    (button,) = [block for block in own.get_latest_revision_as_object().body if block.block_type == "call_to_action"]
    assert button.value["page"].pk == other.pk


def test_a_redirect_never_leads_a_visitor_to_a_page_they_may_not_see(client, laxou_draft, laxou):
    Redirect.objects.create(old_path="/ancien-projet", redirect_page=laxou_draft)
    Redirect.objects.create(old_path="/ancien-espace", redirect_page=laxou)

    hidden = client.get("/ancien-projet/")
    shown = client.get("/ancien-espace/")

    assert hidden.status_code == 404 and "projet-confidentiel" not in hidden.get("Location", "")
    assert shown.status_code == 301 and shown["Location"].endswith("/laxou/")


def test_editors_find_only_their_own_communes_pages_in_the_page_chooser(
    client, search_index, essey_editor, laxou, laxou_draft, make_user
):
    from communes.models import CommuneRole
    from tests.conftest import commune_group

    laxou_editor = make_user("redaction-laxou", commune_group(laxou, CommuneRole.EDITORS))
    url = reverse("wagtailadmin_choose_page_search")

    client.force_login(essey_editor)
    other = client.get(url, {"q": "confidentiel"}).content.decode()
    client.force_login(laxou_editor)
    own = client.get(url, {"q": "confidentiel"}).content.decode()

    assert "Projet confidentiel de Laxou" in own, "the draft is indexed: Laxou's editor finds it"
    assert "confidentiel" not in other
