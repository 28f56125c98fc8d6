"""The gate (invariant 1) and nothing lost (invariant 2), through the admin views and the public site."""

import datetime

import pytest
from django.urls import reverse
from wagtail.models import Page, PageLogEntry, Revision
from wagtail.test.utils.form_data import nested_form_data

from communes.models import CommuneRole, Convention
from communes.services import sync_conventions
from participation.services.processes import ensure_process
from tests.conftest import commune_group
from tests.participation.forms import process_form_data

D = datetime.date
CONVENTIONS = "wagtailsnippets_communes_convention"


@pytest.fixture
def essey(commune_space):
    process, _ = ensure_process(commune_space, title="Nos cours d'école", summary="Donnez votre avis.")
    return commune_space, process


def convention_of(space):
    return Convention.objects.get(commune=space.commune)


def bulk_publish(client, *pages, include_descendants=False):
    """The explorer's bulk "Publish" action, which asks each page's permission tester."""
    url = reverse("wagtail_bulk_action", args=["wagtailcore", "page", "publish"])
    query = "&".join(f"id={page.pk}" for page in pages)
    return client.post(f"{url}?{query}", {"include_descendants": "on" if include_descendants else ""})


def test_staff_records_a_termination_and_the_pages_go_offline_with_nothing_lost(admin_client, essey):
    space, process = essey
    convention = convention_of(space)
    pages_before = Page.objects.count()
    revisions_before = Revision.objects.count()

    response = admin_client.post(
        reverse(f"{CONVENTIONS}:terminate", args=[convention.pk]),
        {"letter_on": "2025-04-15", "effective_on": "2025-06-30"},
    )

    assert response.status_code == 302
    convention.refresh_from_db()
    assert (convention.termination_letter_on, convention.termination_effective_on) == (D(2025, 4, 15), D(2025, 6, 30))
    space.refresh_from_db()
    process.refresh_from_db()
    assert not space.live and not process.live
    assert admin_client.get("/essey-les-nancy/").status_code == 404
    assert admin_client.get(process.url_path.removeprefix(space.get_parent().url_path[:-1])).status_code == 404
    assert "Essey" not in admin_client.get("/").content.decode()
    assert Page.objects.count() == pages_before, "no page deleted"
    assert Revision.objects.count() >= revisions_before, "no revision deleted"
    unpublished = PageLogEntry.objects.filter(action="wagtail.unpublish").values_list("page_id", flat=True)
    assert {space.pk, process.pk} <= set(unpublished)
    assert convention.revisions.exists()
    from wagtail.models import ModelLogEntry

    assert ModelLogEntry.objects.filter(action="communes.convention_terminated", object_id=str(convention.pk)).exists()


def test_a_new_convention_lets_editors_publish_again(admin_client, client, essey, essey_editor):
    space, process = essey
    old = convention_of(space)
    admin_client.post(
        reverse(f"{CONVENTIONS}:revoke", args=[old.pk]),
        {"decided_on": "2025-09-15", "reason": "Manquement constaté aux articles 7 et 9."},
    )
    assert admin_client.get("/essey-les-nancy/").status_code == 404

    response = admin_client.post(
        reverse(f"{CONVENTIONS}:add"),
        {
            "commune": space.commune.pk,
            "text_version": old.text_version.pk,
            "commune_deliberation_on": "2026-01-12",
            "metropole_deliberation_on": "2021-09-23",
            "signatory_name": "Michel Breuille",
            "signatory_title": "Maire",
            "signed_on": "2026-01-20",
            "notified_on": "2026-01-21",
        },
    )
    assert response.status_code == 302
    client.force_login(essey_editor)
    response = bulk_publish(client, space, include_descendants=True)
    assert response.status_code == 302

    assert client.get("/essey-les-nancy/").status_code == 200
    assert "Nos cours d&#x27;école" in client.get("/essey-les-nancy/").content.decode()


def test_a_termination_dated_ahead_takes_effect_on_its_day(admin_client, client, essey, on_day):
    space, _process = essey
    convention = convention_of(space)
    on_day(D(2026, 11, 26))
    admin_client.post(
        reverse(f"{CONVENTIONS}:terminate", args=[convention.pk]),
        {"letter_on": "2026-11-20", "effective_on": "2027-01-01"},
    )
    assert client.get("/essey-les-nancy/").status_code == 200

    on_day(D(2027, 1, 1))

    assert client.get("/essey-les-nancy/").status_code == 404, "serving is gated without any job"
    assert sync_conventions() == {space.commune: 2}
    assert sync_conventions() == {}, "safe to run again"


def test_sync_conventions_command_takes_lapsed_communes_offline(essey, provider_contract, on_day, capsys):
    from django.core.management import call_command

    space, process = essey
    provider_contract.ends_on = D(2026, 12, 31)
    provider_contract.save()
    on_day(D(2027, 1, 1))

    call_command("sync_conventions")

    space.refresh_from_db()
    process.refresh_from_db()
    assert not space.live and not process.live
    assert "Essey-lès-Nancy: 2" in capsys.readouterr().out


def test_editors_still_preview_a_page_of_an_inactive_commune(client, essey, essey_editor):
    space, process = essey
    convention = convention_of(space)
    convention.revocation_decided_on = D(2025, 9, 15)
    convention.save()
    client.force_login(essey_editor)

    assert client.get(process.url).status_code == 404
    response = client.get(reverse("wagtailadmin_pages:view_draft", args=[process.pk]))
    assert response.status_code == 200
    assert "Nos cours d&#x27;école" in response.content.decode()


# --- Editors: each in their room (invariant 5) -------------------------------------


@pytest.fixture
def nancy(make_space):
    return make_space("Nancy", slug="nancy", insee_code="54395")


def add_process_url(space):
    return reverse("wagtailadmin_pages:add", args=["participation", "processpage", space.pk])


def process_form(title="Plan vélo", publish=True):
    return nested_form_data(process_form_data(title, publish))


def test_editor_creates_and_publishes_a_process_in_their_own_commune(client, essey, essey_editor):
    space, _process = essey
    client.force_login(essey_editor)

    response = client.post(add_process_url(space), process_form())

    assert response.status_code == 302
    assert client.get("/essey-les-nancy/plan-velo/").status_code == 200


def test_editor_of_essey_cannot_create_edit_or_publish_under_nancy(client, essey, essey_editor, nancy):
    nancy_process, _ = ensure_process(nancy, title="Budget participatif", summary="Vos projets.")
    client.force_login(essey_editor)

    nancy_process.unpublish()
    client.force_login(essey_editor)

    create = client.post(add_process_url(nancy), process_form("Intrusion"))
    edit = client.post(reverse("wagtailadmin_pages:edit", args=[nancy_process.pk]), process_form("Piraté"))
    unpublish_space = client.post(reverse("wagtailadmin_pages:unpublish", args=[nancy.pk]))
    bulk_publish(client, nancy_process)

    for response in (create, edit, unpublish_space):
        assert response.status_code in (302, 403)
        assert response.status_code == 403 or response.url == reverse("wagtailadmin_home")
    assert not Page.objects.filter(title__in=["Intrusion", "Piraté"]).exists()
    nancy_process.refresh_from_db()
    nancy.refresh_from_db()
    assert not nancy_process.live and nancy_process.title == "Budget participatif"
    assert nancy.live


def test_editor_of_essey_cannot_see_the_images_of_nancy(client, essey, essey_editor, nancy):
    from wagtail.images import get_image_model
    from wagtail.images.tests.utils import get_test_image_file

    Image = get_image_model()
    nancy_image = Image.objects.create(
        title="Photo de la place Stanislas", file=get_test_image_file(), collection=nancy.commune.collection
    )
    client.force_login(essey_editor)

    listing = client.get(reverse("wagtailimages:index"))
    chooser = client.get(reverse("wagtailimages_chooser:choose"))
    edit = client.get(reverse("wagtailimages:edit", args=[nancy_image.pk]))

    assert "place Stanislas" not in listing.content.decode()
    assert "place Stanislas" not in chooser.content.decode()
    assert edit.status_code in (302, 403)


def test_editor_cannot_create_a_page_under_a_commune_without_an_active_convention(client, portal, essey, essey_editor):
    space, _process = essey
    convention = convention_of(space)
    convention.termination_letter_on = D(2025, 4, 15)
    convention.termination_effective_on = D(2025, 6, 30)
    convention.save()
    client.force_login(essey_editor)

    response = client.post(add_process_url(space), process_form("Nouvelle démarche"))

    assert response.status_code in (302, 403)
    assert not Page.objects.filter(title="Nouvelle démarche").exists()
    # The space says why, and whom to contact.
    html = client.get(reverse("wagtailadmin_pages:edit", args=[space.pk])).content.decode()
    assert "n&#x27;est pas active pour Essey-lès-Nancy" in html
    assert "participation@example.org" in html


def test_staff_prepares_a_page_under_an_inactive_commune_but_cannot_publish_it(client, essey, staff_user):
    space, _process = essey
    convention = convention_of(space)
    convention.revocation_decided_on = D(2025, 9, 15)
    convention.save()
    client.force_login(staff_user)

    response = client.post(add_process_url(space), process_form("Démarche préparée"), follow=True)

    draft = Page.objects.get(title="Démarche préparée")
    assert not draft.live
    assert "non publié" in response.content.decode()
    assert client.get("/essey-les-nancy/demarche-preparee/").status_code == 404


def test_bulk_or_direct_publish_of_a_page_of_an_inactive_commune_is_refused(client, essey, essey_editor):
    space, process = essey
    convention = convention_of(space)
    process.unpublish()
    convention.revocation_decided_on = D(2025, 9, 15)
    convention.save()
    client.force_login(essey_editor)

    bulk_publish(client, process)
    edit = client.post(reverse("wagtailadmin_pages:edit", args=[process.pk]), process_form(process.title), follow=True)

    process.refresh_from_db()
    assert not process.live
    assert "n&#x27;est pas active" in edit.content.decode()


def test_commune_groups_have_rights_on_their_own_space_only(commune_space, nancy):
    editors = commune_group(commune_space, CommuneRole.EDITORS)

    spaces = set(editors.page_permissions.values_list("page_id", flat=True))
    collections = set(editors.collection_permissions.values_list("collection_id", flat=True))

    assert spaces == {commune_space.pk}
    assert collections == {commune_space.commune.collection_id}
    assert commune_space.commune.collection_id != nancy.commune.collection_id


def test_editors_cannot_delete_their_commune_space(client, commune_space, essey_editor):
    # An empty space: Wagtail alone would let its editors delete it.
    client.force_login(essey_editor)

    response = client.post(reverse("wagtailadmin_pages:delete", args=[commune_space.pk]))

    assert response.status_code in (302, 403)
    assert Page.objects.filter(pk=commune_space.pk).exists()
    assert not commune_space.permissions_for_user(essey_editor).can_delete()


def test_the_page_chooser_hides_other_communes_drafts(client, essey, essey_editor, nancy):
    nancy_draft, _ = ensure_process(nancy, title="Projet secret de Nancy", summary="Brouillon.", publish=False)
    own_draft, _ = ensure_process(essey[0], title="Brouillon d'Essey", summary="Brouillon.", publish=False)
    client.force_login(essey_editor)

    other = client.get(reverse("wagtailadmin_choose_page_child", args=[nancy.pk])).content.decode()
    own = client.get(reverse("wagtailadmin_choose_page_child", args=[essey[0].pk])).content.decode()

    assert "Projet secret de Nancy" not in other
    assert "Brouillon d" in own


def test_a_logged_in_editor_cannot_record_the_end_of_a_convention(client, essey, essey_editor):
    convention = convention_of(essey[0])
    client.force_login(essey_editor)

    response = client.post(
        reverse(f"{CONVENTIONS}:terminate", args=[convention.pk]),
        {"letter_on": "2025-04-15", "effective_on": "2025-06-30"},
    )

    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert response.url == reverse("wagtailadmin_home")
    convention.refresh_from_db()
    assert convention.termination_effective_on is None
