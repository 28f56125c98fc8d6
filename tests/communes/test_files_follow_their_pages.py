"""Images and documents follow the pages that use them and their commune (one rule: `communes.visibility`).

A file is served to a visitor when something they may see uses it and its commune's convention is active; a
file of an ended commune or of an internal process is not served to the public, by its Wagtail address or its
storage address. Its commune's editors and Métropole staff may still open it.
"""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.urls import reverse
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.images.tests.utils import get_test_image_file
from wagtail.models import Collection
from wagtail.permissions import policy_registry

from communes.models import CommuneRole, Convention
from communes.services import record_revocation
from tests.conftest import commune_group
from tests.participation.conftest import make_process

pytestmark = pytest.mark.usefixtures("reference_index")


@pytest.fixture
def files(commune_space):
    collection = commune_space.commune.collection
    image = get_image_model().objects.create(title="Cour", file=get_test_image_file(), collection=collection)
    document = get_document_model().objects.create(
        title="Plan de la cour", file=ContentFile(b"%PDF-1.4 plan", name="plan-cour.pdf"), collection=collection
    )
    return image, document


def use_on(process, image, document):
    process.cover_image = image
    process.body = [("document", {"document": document, "title": "Le plan"})]
    process.save_revision().publish()
    process.refresh_from_db()
    return process


def urls_of(image, document):
    rendition = image.get_rendition("fill-40x40")
    return {
        "document": document.url,
        "stored document": document.file.url,
        "image": image.file.url,
        "rendition": rendition.url,
    }


def statuses(client, urls):
    return {name: client.get(url).status_code for name, url in urls.items()}


def test_files_on_a_public_page_are_served_to_everyone(client, commune_space, files):
    use_on(make_process(commune_space), *files)

    assert statuses(client, urls_of(*files)) == {
        "document": 200,
        "stored document": 200,
        "image": 200,
        "rendition": 200,
    }


def metropole_files():
    """A logo and a document in the Métropole's own collection (the root), as staff upload them."""
    root = Collection.get_first_root_node()
    logo = get_image_model().objects.create(title="Logo", file=get_test_image_file(), collection=root)
    guide = get_document_model().objects.create(
        title="Guide", file=ContentFile(b"%PDF-1.4 guide", name="guide.pdf"), collection=root
    )
    return logo, guide


def test_the_metropoles_logo_and_the_files_of_its_legal_texts_are_public(client, site, commune_space, publish_text):
    import json

    from charter.models import LegalTextKind
    from home.models import MetropoleSettings

    logo, guide = metropole_files()
    identity = MetropoleSettings.for_site(site)
    identity.logo = logo
    identity.save()
    link = f'<p>Lire <a linktype="document" id="{guide.pk}">le guide</a>.</p>'
    publish_text(LegalTextKind.CHARTER, "2022-03-01", body=json.dumps([{"type": "paragraph", "value": link}]))
    home = client.get("/").content.decode()
    charter = client.get(reverse("charter:current", args=[LegalTextKind.CHARTER])).content.decode()

    logo_url = next(rendition.url for rendition in logo.renditions.all())
    assert logo_url in home and guide.url in charter
    assert statuses(client, {"logo": logo_url, "image": logo.file.url, "guide": guide.url}) == {
        "logo": 200,
        "image": 200,
        "guide": 200,
    }


def test_a_file_linked_only_from_a_draft_legal_text_waits_for_its_publication(client, commune_space):
    import json

    from charter.models import LegalTextKind, LegalTextVersion

    _logo, guide = metropole_files()
    link = f'<p>Lire <a linktype="document" id="{guide.pk}">le guide</a>.</p>'
    LegalTextVersion.objects.create(
        kind=LegalTextKind.CHARTER,
        effective_on=datetime.date(2030, 1, 1),
        body=json.dumps([{"type": "paragraph", "value": link}]),
        live=False,
    )

    assert client.get(guide.url).status_code == 404


def test_files_of_a_commune_whose_convention_ended_go_offline_with_its_pages(client, commune_space, files):
    use_on(make_process(commune_space), *files)
    urls = urls_of(*files)

    record_revocation(
        Convention.objects.get(commune=commune_space.commune),
        decided_on=datetime.date.today(),
        reason="Manquement constaté au règlement.",
    )

    assert set(statuses(client, urls).values()) == {404}


def test_files_of_an_internal_process_are_for_its_agents(client, commune_space, files, make_user):
    use_on(make_process(commune_space, "Télétravail des agents", audience="agents"), *files)
    urls = urls_of(*files)

    anonymous = statuses(client, urls)
    client.force_login(make_user("agent-essey", commune_group(commune_space, CommuneRole.AGENTS)))
    agent = statuses(client, urls)
    client.force_login(make_user("citoyen"))
    citizen = statuses(client, urls)

    assert set(anonymous.values()) == {404}
    assert set(agent.values()) == {200}
    assert set(citizen.values()) == {404}


def test_a_file_used_only_by_a_draft_waits_for_its_publication(client, commune_space, files, essey_editor):
    draft = make_process(commune_space, "Projet en cours", publish=False)
    _image, document = files
    draft.body = [("document", {"document": document, "title": "Le plan"})]
    draft.save_revision()

    assert client.get(document.url).status_code == 404
    client.force_login(essey_editor)
    assert client.get(document.url).status_code == 200, "its commune's editors open it while they work"


def test_public_files_may_be_cached_and_others_may_not(client, commune_space, files, essey_editor):
    use_on(make_process(commune_space), *files)
    image, _document = files
    unused = get_image_model().objects.create(
        title="Brouillon", file=get_test_image_file(), collection=image.collection
    )

    public = client.get(image.file.url)
    client.force_login(essey_editor)
    private = client.get(unused.file.url)

    assert "public" in public["Cache-Control"]
    assert private.status_code == 200 and "no-store" in private["Cache-Control"]


def test_an_uploaded_file_opened_on_its_own_runs_nothing(client, commune_space, essey_editor):
    """An SVG or an HTML file under MEDIA_URL would otherwise run its scripts on the site's origin."""
    image = get_image_model().objects.create(
        title="Plan", file=get_test_image_file(), collection=commune_space.commune.collection
    )
    client.force_login(essey_editor)

    response = client.get(image.file.url)

    assert response.status_code == 200
    assert response["Content-Security-Policy"] == "default-src 'none'"


def test_anything_else_under_the_media_address_is_not_found(client, commune_space):
    assert client.get("/media/original_images/../../config/settings.py").status_code == 404
    assert client.get("/media/nothing-here.png").status_code == 404


# --- An ended commune's people read its history and change nothing -----------------------------------


@pytest.fixture
def ended_commune(commune_space, files):
    use_on(make_process(commune_space), *files)
    record_revocation(
        Convention.objects.get(commune=commune_space.commune),
        decided_on=datetime.date.today(),
        reason="Manquement constaté au règlement.",
    )
    return commune_space


def test_editors_of_an_ended_commune_can_neither_upload_nor_change_files(client, ended_commune, files, essey_editor):
    image, document = files
    client.force_login(essey_editor)

    edits = [
        client.post(
            reverse("wagtailimages:edit", args=[image.pk]), {"title": "Renommée", "collection": image.collection_id}
        ),
        client.post(
            reverse("wagtaildocs:edit", args=[document.pk]), {"title": "Renommé", "collection": document.collection_id}
        ),
        client.post(reverse("wagtailimages:delete", args=[image.pk])),
        client.post(reverse("wagtaildocs:delete", args=[document.pk])),
        client.post(
            reverse("wagtaildocs:add"),
            {"title": "Nouveau", "collection": document.collection_id, "file": ContentFile(b"%PDF", name="n.pdf")},
        ),
    ]

    assert all(response.status_code in (302, 403) for response in edits)
    image.refresh_from_db()
    document.refresh_from_db()
    assert (image.title, document.title) == ("Cour", "Plan de la cour")
    assert get_document_model().objects.filter(collection=document.collection).count() == 1


def test_the_rights_on_files_do_not_depend_on_which_policy_was_asked_first(ended_commune, files, essey_editor):
    """Wagtail's collection policies share a cache of the user's rights on the user object: the narrowed ones
    must not read what another policy cached, whatever the admin asked first in the request."""
    image, document = files
    first_asked = [Collection, get_document_model(), get_image_model()]
    for first in first_asked:
        for model, obj in ((get_image_model(), image), (get_document_model(), document)):
            user = get_user_model().objects.get(pk=essey_editor.pk)  # a fresh object, as each request has
            policy_registry.get_by_type(first).user_has_permission(user, "add")
            allowed = policy_registry.get_by_type(model).user_has_permission_for_instance(user, "change", obj)
            assert not allowed, (first, model)


def test_editors_of_an_ended_commune_still_read_its_history(client, ended_commune, essey_editor):
    process = ended_commune.get_children().first()
    client.force_login(essey_editor)

    history = client.get(reverse("wagtailadmin_pages:history", args=[process.pk]))
    edit = client.get(reverse("wagtailadmin_pages:edit", args=[process.pk]))
    save = client.post(
        reverse("wagtailadmin_pages:edit", args=[process.pk]),
        {"title": "Changé après la fin", "slug": process.slug},
        follow=True,
    )
    lock = client.post(reverse("wagtailadmin_pages:lock", args=[process.pk]))

    assert history.status_code == 200
    assert edit.status_code == 200 and "n&#x27;est pas active" in edit.content.decode()
    assert "Rien n&#x27;a été enregistré" in save.content.decode()
    assert lock.status_code in (302, 403)
    process.refresh_from_db()
    assert process.get_latest_revision_as_object().title != "Changé après la fin"
    assert not process.locked


def test_editors_of_an_ended_commune_revert_nothing_through_the_admin_api(client, ended_commune, essey_editor):
    """The revert screen refused them, but the admin API's revert action asks only for the right to edit, which
    they keep to read their history."""
    from wagtail.models import Revision

    process = ended_commune.get_children().first().specific
    first = process.revisions.order_by("pk").first()
    revisions = Revision.objects.count()
    client.force_login(essey_editor)

    response = client.post(
        reverse("wagtailadmin_api:pages:action", args=[process.pk, "revert_to_page_revision"]),
        {"revision_id": first.pk},
        content_type="application/json",
    )

    assert response.status_code == 403
    assert Revision.objects.count() == revisions
