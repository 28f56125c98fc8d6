"""Who may do what for a commune: its groups (editors, moderators, agents) and the Métropole staff group.

Creating them is idempotent: `register_commune` and `load_demo` call it on every run.
"""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission

from .models import CommuneGroup, CommuneRole

STAFF_GROUP_NAME = "Métropole – Mission Démocratie participative"

EDITOR_PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page", "lock_page"]
MEDIA_PERMISSIONS = {
    "wagtailimages": ["add_image", "change_image", "choose_image"],
    "wagtaildocs": ["add_document", "change_document", "choose_document"],
}
# The queue is scoped to the moderator's commune by our code; these only open the menu (invariant 5).
MODERATOR_PERMISSIONS = ["view_contribution", "moderate_contribution", "view_eventregistration"]
# Editors organise their commune's meetings: they read who registered (the listing is scoped to their commune).
EDITOR_MODEL_PERMISSIONS = ["view_eventregistration"]
STAFF_PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"]
# Métropole staff manage communes, conventions, contracts and (with the charter app) the legal texts.
# `enable_2fa` (wagtail-2fa): staff pass a second factor before any admin view.
STAFF_MODEL_PERMISSIONS = {
    "wagtailadmin": ["access_admin", "enable_2fa"],
    "communes": [
        "add_commune",
        "change_commune",
        "view_commune",
        "add_convention",
        "change_convention",
        "view_convention",
        "add_providercontract",
        "change_providercontract",
        "view_providercontract",
        "add_joinrequest",
        "change_joinrequest",
        "view_joinrequest",
        "add_conventiontextversion",
        "change_conventiontextversion",
        "publish_conventiontextversion",
        "view_conventiontextversion",
        "view_conventiontextnotification",
    ],
    "home": ["change_metropolesettings"],
    "charter": ["add_legaltextversion", "change_legaltextversion", "publish_legaltextversion", "view_legaltextversion"],
    "participation": [
        "view_contribution",
        "moderate_contribution",
        "export_personal_data",
        "view_eventregistration",
        "add_theme",
        "change_theme",
        "view_theme",
    ],
}
ROLE_LABELS = {
    CommuneRole.EDITORS: "éditeurs",
    CommuneRole.MODERATORS: "modérateurs",
    CommuneRole.AGENTS: "agents",
}


def permission(app_label, codename):
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def permissions(codenames_by_app):
    """The Permission rows named by {app label: [codenames]}, in one query."""
    wanted = Q()
    for app_label, codenames in codenames_by_app.items():
        wanted |= Q(content_type__app_label=app_label, codename__in=codenames)
    return list(Permission.objects.filter(wanted)) if wanted else []


def page_permission(codename):
    # `get_or_create(permission_type=…)` raises FieldError on Wagtail 8.0: pass the Permission itself.
    return permission("wagtailcore", codename)


def ensure_commune_collection(commune):
    """The commune's own collection of images and documents, under the root collection."""
    if commune.collection_id:
        return commune.collection
    collection = Collection.get_first_root_node().add_child(name=commune.name)
    commune.collection = collection
    commune.save(update_fields=["collection"])
    return collection


def _grant_media(group, collection):
    granted = set(
        GroupCollectionPermission.objects.filter(group=group, collection=collection).values_list(
            "permission_id", flat=True
        )
    )
    GroupCollectionPermission.objects.bulk_create(
        GroupCollectionPermission(group=group, collection=collection, permission=permission)
        for permission in permissions(MEDIA_PERMISSIONS)
        if permission.pk not in granted
    )


def _grant_pages(group, page, codenames):
    granted = set(GroupPagePermission.objects.filter(group=group, page=page).values_list("permission_id", flat=True))
    GroupPagePermission.objects.bulk_create(
        GroupPagePermission(group=group, page=page, permission=permission)
        for permission in permissions({"wagtailcore": codenames})
        if permission.pk not in granted
    )


def _groups_for(commune):
    groups = {link.role: link.group for link in CommuneGroup.objects.filter(commune=commune).select_related("group")}
    for role in CommuneRole:
        if role in groups:
            continue
        name = f"{commune.name} – {ROLE_LABELS[role]}"
        if Group.objects.filter(name=name).exists():
            name = f"{commune.name} ({commune.insee_code}) – {ROLE_LABELS[role]}"
        groups[role] = Group.objects.create(name=name)
        CommuneGroup.objects.create(commune=commune, role=role, group=groups[role])
    return groups


@transaction.atomic
def ensure_commune_groups(commune):
    """The commune's editors, moderators and agents groups, with their rights; returns {role: group}."""
    collection = ensure_commune_collection(commune)
    groups = _groups_for(commune)
    groups[CommuneRole.EDITORS].permissions.add(
        *permissions({"wagtailadmin": ["access_admin"], "participation": EDITOR_MODEL_PERMISSIONS})
    )
    groups[CommuneRole.MODERATORS].permissions.add(
        *permissions({"wagtailadmin": ["access_admin"], "participation": MODERATOR_PERMISSIONS})
    )
    _grant_media(groups[CommuneRole.EDITORS], collection)

    space = getattr(commune, "space", None)
    if space is not None:
        _grant_pages(groups[CommuneRole.EDITORS], space, EDITOR_PAGE_PERMISSIONS)
    return groups


@transaction.atomic
def ensure_staff_group(portal):
    """The Métropole staff group: communes, conventions, contracts, settings, every page and every collection."""
    group, _created = Group.objects.get_or_create(name=STAFF_GROUP_NAME)
    group.permissions.add(*permissions(STAFF_MODEL_PERMISSIONS))
    _grant_pages(group, portal, STAFF_PAGE_PERMISSIONS)
    _grant_media(group, Collection.get_first_root_node())
    return group


def staff_group():
    """The Métropole staff group, once `ensure_staff_group` has created it."""
    return Group.objects.filter(name=STAFF_GROUP_NAME).first()


def commune_ids_for(user, role):
    """Ids of the communes in which `user` holds `role`."""
    if not user.is_authenticated:
        return set()
    return set(CommuneGroup.objects.filter(role=role, group__user=user).values_list("commune_id", flat=True))


def is_metropole_staff(user):
    """Staff record conventions: they may prepare a commune's pages before its convention is active."""
    return user.is_active and user.has_perm("communes.change_convention")
