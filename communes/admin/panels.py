"""Art. 10 on the admin's dashboard: notices for commune editors, follow-up for Métropole staff."""

from django.urls import reverse
from django.utils.translation import gettext as _
from wagtail.admin.ui.components import Component

from ..models import CommuneRole, ConventionTextNotification
from ..roles import commune_ids_for


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


def register_convention_log_actions(actions):
    for action, label, message in [
        ("communes.convention_terminated", _("Résiliation enregistrée"), _("Résiliation de la convention enregistrée")),
        ("communes.convention_revoked", _("Révocation enregistrée"), _("Révocation de la convention enregistrée")),
        (
            "communes.convention_text_notified",
            _("Règlement notifié"),
            _("Nouvelle version du règlement notifiée à la commune"),
        ),
        (
            "communes.convention_text_acknowledged",
            _("Réception confirmée"),
            _("Réception de la nouvelle version du règlement confirmée"),
        ),
    ]:
        actions.register_action(action, label, message)
