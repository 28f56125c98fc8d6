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
    assert "confidentiel" not in response.content.decode(), "the refused form does not name the page"
    own.refresh_from_db()
    assert own.get_latest_revision_as_object().body.raw_data == own.body.raw_data


def page_types_in_a_commune_space():
    from communes.models import CommuneSpacePage

    found, todo = set(), [CommuneSpacePage]
    while todo:
        model = todo.pop()
        if model not in found:
            found.add(model)
            todo += model.allowed_subpage_models()
    return found


def test_every_page_type_of_a_commune_space_checks_what_its_form_points_to():
    """The questionnaire once had Wagtail's form: its links could name any page, and showed that page's address."""
    from communes.forms import CommunePageForm

    types = page_types_in_a_commune_space()
    unchecked = [
        model.__name__ for model in types if not issubclass(model.get_edit_handler().get_form_class(), CommunePageForm)
    ]

    assert len(types) >= 3 and unchecked == []


def test_a_questionnaires_links_refuse_another_communes_draft(client, essey_editor, commune_space, laxou_draft):
    from wagtail.test.utils.form_data import inline_formset, rich_text

    from participation.models import QuestionnairePage

    own = make_process(commune_space, "Plan vélo")
    client.force_login(essey_editor)
    link = f'<p>Voir <a linktype="page" id="{laxou_draft.pk}">le projet</a>.</p>'

    response = client.post(
        reverse("wagtailadmin_pages:add", args=["participation", "questionnairepage", own.pk]),
        nested_form_data(
            {
                "title": "Sondage",
                "slug": "sondage",
                "intro": rich_text(link),
                "thank_you_text": rich_text("<p>Merci.</p>"),
                "form_fields": inline_formset([]),
            }
        ),
    )

    assert response.status_code == 200
    assert "Une page choisie n&#x27;appartient pas à l&#x27;espace de votre commune." in response.content.decode()
    assert "projet-confidentiel" not in response.content.decode()
    assert not QuestionnairePage.objects.exists()


def test_a_stored_link_shows_the_editor_the_address_of_their_own_pages_only(
    client, essey_editor, commune_space, laxou_draft
):
    """Wagtail's rich text editor shows a linked page's address, whoever asks: a link stored in an editor's page
    (by staff, or before the check) named another commune's draft."""
    from wagtail.rich_text import RichText

    own = make_process(commune_space, "Plan vélo")
    other = make_process(commune_space, "Cours d'école")
    links = (
        f'<p><a linktype="page" id="{laxou_draft.pk}">un projet</a> et <a linktype="page" id="{other.pk}">ici</a></p>'
    )
    own.body = [("paragraph", RichText(links))]
    own.save_revision().publish()
    client.force_login(essey_editor)

    page = client.get(reverse("wagtailadmin_pages:edit", args=[own.pk])).content.decode()

    assert other.url in page, "their own pages' addresses are shown"
    assert "projet-confidentiel" not in page and "laxou" not in page


def test_a_form_refused_for_another_reason_does_not_name_the_page_either(
    client, essey_editor, commune_space, laxou_draft
):
    """A field that fails its own validation left cleaned_data unchecked and was shown again as posted."""
    own = make_process(commune_space, "Plan vélo")
    client.force_login(essey_editor)
    button = {"text": "Voir le projet", "page": laxou_draft.pk, "url": ""}
    too_long = "Un titre bien trop long. " * 20

    response = client.post(
        reverse("wagtailadmin_pages:edit", args=[own.pk]),
        nested_form_data(
            process_form_data(
                own.title,
                publish=False,
                body=streamfield([("call_to_action", button), ("heading", {"text": too_long, "level": "h2"})]),
            )
        ),
    )

    assert response.status_code == 200
    assert "confidentiel" not in response.content.decode()


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


def test_tags_are_offered_from_the_editors_own_files_only(client, essey_editor, commune_space, laxou_files):
    image, _document = laxou_files
    image.tags.add("chantier-secret-laxou")
    own = get_image_model().objects.create(
        title="Cour", file=get_test_image_file(), collection=commune_space.commune.collection
    )
    own.tags.add("chantier-ecole")
    client.force_login(essey_editor)

    offered = client.get(reverse("wagtailadmin_tag_autocomplete"), {"term": "chantier"}).json()
    listing = client.get(reverse("wagtailimages:index")).content.decode()
    chooser = client.get(reverse("wagtailimages_chooser:choose")).content.decode()

    assert offered == ["chantier-ecole"]
    for page in (listing, chooser):
        assert "chantier-ecole" in page and "chantier-secret-laxou" not in page


def test_the_workflow_check_does_not_tell_whether_another_communes_page_exists(client, essey_editor, laxou_draft):
    client.force_login(essey_editor)

    response = client.get(reverse("wagtailadmin_pages:confirm_workflow_cancellation", args=[laxou_draft.pk]))

    assert response.status_code == 404


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
