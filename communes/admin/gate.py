"""The convention gate in the admin's page views: refuse with a message that says why and whom to contact.

The permission tester (`communes.policies`) already refuses what may not be done; these hooks of the create,
edit and publish views say why, in French, and send the editor back to their draft.
"""

from django.shortcuts import redirect
from django.utils.translation import gettext as _
from wagtail.admin import messages
from wagtail.models import Page

from core.identity import metropole_identity

from ..gate import commune_space_of, inactive_commune_message, is_commune_active
from ..roles import is_metropole_staff


def _inactive_space(page):
    space = commune_space_of(page)
    if space is not None and not is_commune_active(space.commune_id):
        return space
    return None


def _gate_message(request, space):
    return inactive_commune_message(space.commune, metropole_identity(request))


def refuse_creation_under_inactive_commune(request, parent_page, page_class):
    space = _inactive_space(parent_page)
    if space is None:
        return None
    if is_metropole_staff(request.user):
        # Staff may prepare a commune's pages before its convention starts; publishing stays closed.
        if request.method == "GET":
            messages.warning(request, _gate_message(request, space))
        return None
    messages.error(request, _gate_message(request, space))
    return redirect("wagtailadmin_explore", parent_page.pk)


def read_only_while_inactive(request, page):
    """While the convention is not active, the commune's people read its pages; Métropole staff prepare drafts."""
    space = _inactive_space(page)
    if space is None:
        return None
    if request.method == "GET":
        messages.warning(request, _gate_message(request, space))
        return None
    if is_metropole_staff(request.user) or request.user.is_superuser:
        return None
    messages.error(request, _("Rien n'a été enregistré.") + " " + _gate_message(request, space))
    return redirect("wagtailadmin_pages:edit", page.pk)


def _publication_refused(request, space):
    messages.error(request, _("Brouillon enregistré, mais non publié.") + " " + _gate_message(request, space))


def refuse_publishing_under_inactive_commune(request, page):
    # The draft is already saved when this runs: refusing loses nothing.
    space = _inactive_space(page)
    if space is None:
        return None
    if page.first_published_at is None:
        # The create view saves a new page as live before this hook runs: make it the draft it is.
        Page.objects.filter(pk=page.pk).update(live=False, has_unpublished_changes=True)
    _publication_refused(request, space)
    return redirect("wagtailadmin_pages:edit", page.pk)


def explain_why_publish_saved_a_draft(request, page):
    # The permission tester turned "publish" into "save draft": say why.
    if request.POST.get("action-publish") and not page.live and (space := _inactive_space(page)) is not None:
        _publication_refused(request, space)
