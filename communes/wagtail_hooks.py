"""Wagtail hooks of the communes app: the admin menu, the convention gate in the admin and in serving."""

from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.ui.components import Component
from wagtail.models import Page
from wagtail.snippets.models import register_snippet

from home.models import MetropoleSettings
from home.versioning import FinalOncePublishedMixin

from .gate import commune_space_of, inactive_commune_message, is_commune_active, is_page_open_to_public
from .models import CommuneRole, CommuneSpacePage, ConventionTextNotification
from .permissions import commune_ids_for, is_metropole_staff
from .views import acknowledge
from .viewsets import CommunesAndConventionsGroup

register_snippet(CommunesAndConventionsGroup)


# --- Serving: a published page of an inactive commune is not shown ----------------


@hooks.register("before_serve_page")
def refuse_pages_of_inactive_communes(page, request, serve_args, serve_kwargs):
    # Previews do not pass here, so editors still preview their drafts.
    if not is_page_open_to_public(page):
        raise Http404
    from participation.visibility import has_unpublished_ancestor

    if has_unpublished_ancestor(page):
        raise Http404


# --- Admin: refuse with a message that says why and whom to contact -----------------


def _inactive_space(page):
    space = commune_space_of(page)
    if space is not None and not is_commune_active(space.commune_id):
        return space
    return None


def _gate_message(request, space):
    return inactive_commune_message(space.commune, MetropoleSettings.for_request(request))


@hooks.register("before_create_page")
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


@hooks.register("before_edit_page")
def warn_that_publishing_is_closed(request, page):
    if request.method == "GET" and (space := _inactive_space(page)) is not None:
        messages.warning(request, _gate_message(request, space))


def _publication_refused(request, space):
    messages.error(request, _("Brouillon enregistré, mais non publié.") + " " + _gate_message(request, space))


@hooks.register("before_publish_page")
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


@hooks.register("after_create_page")
@hooks.register("after_edit_page")
def explain_why_publish_saved_a_draft(request, page):
    # The permission tester turned "publish" into "save draft": say why.
    if request.POST.get("action-publish") and not page.live and (space := _inactive_space(page)) is not None:
        _publication_refused(request, space)


@hooks.register("register_log_actions")
def register_convention_log_actions(actions):
    actions.register_action(
        "communes.convention_terminated", _("Résiliation enregistrée"), _("Résiliation de la convention enregistrée")
    )
    actions.register_action(
        "communes.convention_revoked", _("Révocation enregistrée"), _("Révocation de la convention enregistrée")
    )
    actions.register_action(
        "communes.convention_text_notified",
        _("Règlement notifié"),
        _("Nouvelle version du règlement notifiée à la commune"),
    )
    actions.register_action(
        "communes.convention_text_acknowledged",
        _("Réception confirmée"),
        _("Réception de la nouvelle version du règlement confirmée"),
    )


# --- Art. 10: notices for commune editors, follow-up for staff ------------------------


class ConventionNoticesPanel(Component):
    name = "convention_notices"
    order = 50
    template_name = "communes/panels/convention_notices.html"

    def __init__(self, pending, unacknowledged_count):
        self.pending = pending
        self.unacknowledged_count = unacknowledged_count

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        context.update(
            csrf_token=parent_context.get("csrf_token"),
            pending=self.pending,
            unacknowledged_count=self.unacknowledged_count,
            notifications_url=reverse("wagtailsnippets_communes_conventiontextnotification:list")
            + "?acknowledged=false",
        )
        return context


@hooks.register("construct_homepage_panels")
def add_convention_notices(request, panels):
    editor_of = commune_ids_for(request.user, CommuneRole.EDITORS)
    pending = list(
        ConventionTextNotification.objects.filter(commune_id__in=editor_of, acknowledged_at__isnull=True)
        .select_related("commune", "version")
        .order_by("commune__name")
    )
    unacknowledged_count = 0
    if request.user.has_perm("communes.view_conventiontextnotification"):
        unacknowledged_count = ConventionTextNotification.objects.filter(acknowledged_at__isnull=True).count()
    if pending or unacknowledged_count:
        panels.append(ConventionNoticesPanel(pending, unacknowledged_count))


@hooks.register("register_admin_urls")
def register_acknowledge_url():
    return [
        path(
            "conventions/notifications/<int:pk>/accuser-reception/",
            acknowledge,
            name="communes_acknowledge_notification",
        )
    ]


# --- Each in their room (invariant 5): choosers and deletions ------------------------------------


@hooks.register("construct_page_chooser_queryset")
def hide_other_communes_drafts_from_the_chooser(pages, request):
    """Commune editors may link to any public page, and to their own commune's drafts, nothing else."""
    user = request.user
    if user.is_superuser or is_metropole_staff(user):
        return pages
    own_spaces = CommuneSpacePage.objects.filter(commune_id__in=commune_ids_for(user, CommuneRole.EDITORS))
    own = Q()
    for space_path in own_spaces.values_list("path", flat=True):
        own |= Q(path__startswith=space_path)
    public = Q(pk__in=Page.objects.live().public().values("pk"))
    return pages.filter(public | own) if own else pages.filter(public)


@hooks.register("before_delete_page")
def keep_commune_spaces(request, page):
    # Nothing lost: a commune space holds its editors' rights and its processes' history.
    if page.specific_class is CommuneSpacePage and not is_metropole_staff(request.user):
        messages.error(request, _("L'espace d'une commune ne peut être supprimé que par la Métropole."))
        return redirect("wagtailadmin_explore", page.get_parent().pk)
    return None


@hooks.register("before_unpublish")
def keep_published_versions_public(request, instance):
    """A published version of the règlement or of a legal text stays public: its history is part of it."""
    if isinstance(instance, FinalOncePublishedMixin) and instance.first_published_at:
        messages.error(
            request,
            _("Une version publiée reste publique : pour la remplacer, publiez une nouvelle version."),
        )
        return redirect(request.META.get("HTTP_REFERER") or "wagtailadmin_home")
    return None
