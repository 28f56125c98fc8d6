"""The convention gate in the admin's page views: a message that says why and whom to contact.

The permission tester (`communes.policies`) refuses what may not be done while a commune's convention is not active:
its people get no "add", "publish" or other button, and Wagtail refuses the crafted request before any hook runs;
nobody publishes there, so "publish" saves a draft. These hooks of the create and edit views say why, in French:
on opening a page, on a refused save, and when "publish" saved a draft; and a commune's space created under the
portal is not published before its convention starts.
"""

from django.shortcuts import redirect
from django.utils.translation import gettext as _
from wagtail.admin import messages
from wagtail.models import Page

from core.identity import metropole_identity

from ..gate import commune_space_of, inactive_commune_message, is_commune_active
from ..policies import sees_everything
from ..tree import forget_tree_facts_now_and_on_commit


def _inactive_space(page):
    space = commune_space_of(page)
    if space is not None and not is_commune_active(space.commune_id):
        return space
    return None


def _gate_message(request, space):
    return inactive_commune_message(space.commune, metropole_identity(request))


def warn_before_creating_under_inactive_commune(request, parent_page, page_class):
    """Only Métropole staff get this far (the commune's people may not add pages): they prepare a commune's pages
    before its convention starts, and are told that nothing there will be published yet."""
    space = _inactive_space(parent_page)
    if space is not None and request.method == "GET":
        messages.warning(request, _gate_message(request, space))


def read_only_while_inactive(request, page):
    """While the convention is not active, the commune's people read its pages; Métropole staff prepare drafts."""
    space = _inactive_space(page)
    if space is None:
        return None
    if request.method == "GET":
        messages.warning(request, _gate_message(request, space))
        return None
    if sees_everything(request.user):
        return None
    messages.error(request, _("Rien n'a été enregistré.") + " " + _gate_message(request, space))
    return redirect("wagtailadmin_pages:edit", page.pk)


def _publication_refused(request, space):
    messages.error(request, _("Brouillon enregistré, mais non publié.") + " " + _gate_message(request, space))


def refuse_publishing_under_inactive_commune(request, page):
    """A commune's space created under the portal, whose rights the gate does not narrow: its publication waits for
    the convention. (Under a space, "publish" is already a draft: the permission tester says so.)"""
    space = _inactive_space(page)
    if space is None:
        return None
    if page.first_published_at is None:
        # The create view saves a new page as live before this hook runs: make it the draft it is.
        Page.objects.filter(pk=page.pk).update(live=False, has_unpublished_changes=True)
        forget_tree_facts_now_and_on_commit()
    _publication_refused(request, space)
    return redirect("wagtailadmin_pages:edit", page.pk)


def explain_why_publish_saved_a_draft(request, page):
    # The permission tester turned "publish" into "save draft": say why.
    if request.POST.get("action-publish") and not page.live and (space := _inactive_space(page)) is not None:
        _publication_refused(request, space)
