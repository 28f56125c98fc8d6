"""Registering a commune creates its groups; each group's rights stop at its commune (invariant 5)."""

from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from communes.models import Commune, CommuneGroup, CommuneRole
from communes.roles import STAFF_GROUP_NAME, ensure_commune_groups, ensure_staff_group


def test_registering_a_commune_in_the_admin_creates_its_groups_and_collection(admin_client, db):
    data = nested_form_data(
        {
            "name": "Houdemont",
            "insee_code": "54265",
            "slug": "houdemont",
            "postal_codes": "54180",
            "population": "2076",
            "population_year": "2021",
            "brand_colour": "",
            "contacts": inline_formset([]),
        }
    )

    admin_client.post(reverse("wagtailsnippets_communes_commune:add"), data)

    commune = Commune.objects.get(insee_code="54265")
    roles = set(CommuneGroup.objects.filter(commune=commune).values_list("role", flat=True))
    assert roles == {CommuneRole.EDITORS, CommuneRole.MODERATORS, CommuneRole.AGENTS}
    assert commune.collection.name == "Houdemont"
    editors = CommuneGroup.objects.get(commune=commune, role=CommuneRole.EDITORS).group
    assert editors.permissions.filter(codename="access_admin").exists()
    assert set(editors.collection_permissions.values_list("permission__codename", flat=True)) == {
        "add_image",
        "change_image",
        "choose_image",
        "add_document",
        "change_document",
        "choose_document",
    }


def test_editors_get_their_space_once_it_exists(commune_space):
    editors = CommuneGroup.objects.get(commune=commune_space.commune, role=CommuneRole.EDITORS).group

    codenames = set(editors.page_permissions.filter(page=commune_space).values_list("permission__codename", flat=True))

    assert codenames == {"add_page", "change_page", "publish_page", "lock_page"}


def test_creating_the_groups_again_changes_nothing(commune_space, portal):
    counts = lambda: (  # noqa: E731
        Group.objects.count(),
        Collection.objects.count(),
        GroupPagePermission.objects.count(),
        GroupCollectionPermission.objects.count(),
    )
    ensure_staff_group(portal)
    before = counts()

    ensure_commune_groups(commune_space.commune)
    ensure_staff_group(portal)

    assert counts() == before


def test_staff_group_manages_communes_conventions_and_every_page(portal):
    staff = ensure_staff_group(portal)

    codenames = set(staff.permissions.values_list("codename", flat=True))

    assert staff.name == STAFF_GROUP_NAME
    assert {
        "add_commune",
        "change_convention",
        "publish_conventiontextversion",
        "change_metropolesettings",
    } <= codenames
    assert staff.page_permissions.filter(page=portal, permission__codename="publish_page").exists()
