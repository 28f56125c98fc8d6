"""Moderation in the admin: each commune's queue, decisions one by one and in bulk, appeals, the dashboard.

Every list, view and action here finds contributions through the contribution policy
(`participation.permissions`): a moderator reads their communes' contributions, and decides on them while the
convention is active; the services check it again (`can_moderate`).
"""

import datetime

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_list_or_404, get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import BulkActionsCheckboxColumn
from wagtail.admin.views.bulk_action import BulkAction
from wagtail.permissions import policy_registry

from charter.services import current_charter_rules
from communes.models import Commune
from core.typography import french_plural
from core.viewsets import ScopedIndexView, ScopedInspectView

from ..models import AppealOutcome, Contribution, ContributionLogEntry, ContributionStatus, ProcessPage
from ..permissions import can_decide_appeal, can_moderate, moderated_commune_ids, one_action
from ..services.moderation import approve, decide_appeal, hide, reject, restore
from .answers import answer_context

MODERATION_URLS = "contributions"


class Queue:
    AWAITING = "awaiting"
    REPORTED = "reported"
    APPEALED = "appealed"
    DECIDED = "decided"

    choices = [
        (AWAITING, gettext_lazy("À modérer")),
        (REPORTED, gettext_lazy("Signalées")),
        (APPEALED, gettext_lazy("Contestations à examiner")),
        (DECIDED, gettext_lazy("Décidées")),
    ]


def queue_filter(queue):
    return {
        Queue.AWAITING: Q(status=ContributionStatus.AWAITING_MODERATION),
        Queue.REPORTED: Q(open_reports__gt=0) | Q(status=ContributionStatus.HIDDEN, decided_by__isnull=True),
        Queue.APPEALED: Q(appeal__isnull=False, appeal__outcome=""),
        Queue.DECIDED: Q(decided_by__isnull=False),
    }[queue]


def readable_contributions(user):
    """The contributions `user` reads, as the permission policy says."""
    return policy_registry.get_by_type(Contribution).instances_user_has_permission_for(user, "view")


def moderation_queue(user):
    """The contributions `user` reads in moderation, with what the queue shows of each."""
    return (
        readable_contributions(user)
        .select_related("process", "commune", "decided_by")
        .annotate(open_reports=Count("reports", filter=Q(reports__resolved_at__isnull=True)))
    )


class ContributionFilterSet(WagtailFilterSet):
    queue = django_filters.ChoiceFilter(
        label=gettext_lazy("File de modération"), choices=Queue.choices, method="filter_queue"
    )
    process = django_filters.ModelChoiceFilter(label=gettext_lazy("Démarche"), queryset=ProcessPage.objects.none())
    commune = django_filters.ModelChoiceFilter(label=gettext_lazy("Commune"), queryset=Commune.objects.none())

    class Meta:
        model = Contribution
        fields = ["status", "answer_status"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        # Choices from what the user reads only: titles of others' drafts or internal processes stay hidden.
        readable = readable_contributions(request.user) if request else Contribution.objects.none()
        self.filters["process"].queryset = ProcessPage.objects.filter(pk__in=readable.values("process")).order_by(
            "title"
        )
        self.filters["commune"].queryset = Commune.objects.filter(pk__in=readable.values("commune"))

    def filter_queue(self, queryset, name, value):
        return queryset.filter(queue_filter(value))


class ContributionIndexView(ScopedIndexView):
    def get_base_queryset(self):
        return moderation_queue(self.request.user).order_by("-created_at")

    @cached_property
    def columns(self):
        return [BulkActionsCheckboxColumn("bulk_actions", obj_type="snippet"), *super().columns]


class ContributionInspectView(ScopedInspectView):
    def get_field_display_value(self, field_name, field):
        """Times in the admin's time zone (Wagtail's template formats them as stored, in UTC); "—" for no value."""
        value = super().get_field_display_value(field_name, field)
        if value is None or value == "":
            return "—"
        if isinstance(value, datetime.datetime):
            return timezone.localtime(value)
        return value

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        contribution = self.object
        appeal = getattr(contribution, "appeal", None)
        context.update(
            contribution=contribution,
            may_moderate=can_moderate(self.request.user, contribution),
            rules=current_charter_rules(),
            urls={
                action: reverse("participation_moderate", args=[contribution.pk, action])
                for action in ("approve", "reject", "hide", "restore")
            },
            appeal=appeal,
            appeal_url=reverse("participation_decide_appeal", args=[contribution.pk]),
            may_decide_appeal=appeal is not None
            and not appeal.is_decided
            and can_decide_appeal(self.request.user, appeal),
            appeal_outcomes=AppealOutcome.choices,
            reports=contribution.reports.order_by("-created_at"),
            **answer_context(self.request.user, contribution),
        )
        return context


# --- Decisions, one by one ----------------------------------------------------------------


class DecisionForm(forms.Form):
    rule_key = forms.ChoiceField(label=gettext_lazy("Règle de la charte"), required=False)
    reason = forms.CharField(label=gettext_lazy("Explication pour l'auteur"), required=False, widget=forms.Textarea)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule_key"].choices = [("", "—")] + current_charter_rules()


def _contribution_for(user, pk):
    """A contribution `user` may decide on; another commune's is not found, an ended commune's is refused.

    Read as the queue reads it, without what the queue shows of it (open reports, who decided): the decision needs
    only its process (the email to its author)."""
    contribution = get_object_or_404(readable_contributions(user).select_related("process"), pk=pk)
    if not can_moderate(user, contribution):
        raise PermissionDenied
    return contribution


DECISIONS = {
    "approve": (lambda c, user, data: approve(c, user), gettext_lazy("Contribution publiée.")),
    "restore": (lambda c, user, data: restore(c, user), gettext_lazy("Contribution publiée à nouveau.")),
    "reject": (
        lambda c, user, data: reject(c, user, rule_key=data["rule_key"], reason=data["reason"]),
        gettext_lazy("Contribution refusée ; l'auteur est informé de la règle et peut contester une fois."),
    ),
    "hide": (
        lambda c, user, data: hide(c, user, rule_key=data["rule_key"], reason=data["reason"]),
        gettext_lazy("Contribution masquée ; l'auteur en est informé."),
    ),
}


def decision_views(find, decisions, inspect_urls):
    """The two POST views that decide on one item of a moderation queue (a contribution, a comment): a decision
    of `decisions` ({action: (decide, success message)}), and the answer to its author's appeal. `find(user, pk)`
    gives the item the user may decide on; both go back to the item's page in `inspect_urls`."""

    @require_POST
    def moderate_view(request, pk, action):
        with one_action(request.user):
            return _moderate(request, pk, action)

    def _moderate(request, pk, action):
        if action not in decisions:
            raise PermissionDenied
        item = find(request.user, pk)
        data = {"rule_key": request.POST.get("rule_key", ""), "reason": request.POST.get("reason", "")}
        decide, success = decisions[action]
        try:
            decide(item, request.user, data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, success)
        return redirect(reverse(f"{inspect_urls}:inspect", args=[item.pk]))

    @require_POST
    def appeal_view(request, pk):
        with one_action(request.user):
            return _decide_appeal(request, pk)

    def _decide_appeal(request, pk):
        item = find(request.user, pk)
        appeal = getattr(item, "appeal", None)
        if appeal is None or not can_decide_appeal(request.user, appeal):
            raise PermissionDenied
        outcome, response = request.POST.get("outcome", ""), request.POST.get("response", "")
        try:
            decide_appeal(appeal, request.user, outcome=outcome, response=response)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Réponse envoyée à l'auteur ; la décision est définitive."))
        return redirect(reverse(f"{inspect_urls}:inspect", args=[item.pk]))

    return moderate_view, appeal_view


moderate, decide_appeal_view = decision_views(_contribution_for, DECISIONS, MODERATION_URLS)


def moderation_urls():
    return [
        path("moderation/<int:pk>/contestation/", decide_appeal_view, name="participation_decide_appeal"),
        path("moderation/<int:pk>/<str:action>/", moderate, name="participation_moderate"),
    ]


# --- Decisions in bulk ----------------------------------------------------------------------


class ModerationBulkAction(BulkAction):
    """Decisions on many contributions at once (a hundred in a page of the queue), each the same decision as one by
    one, made by the same service. What does not depend on the item is read once: who the moderator is and which
    communes they decide on (`one_action`), which of the selected items they read (one query)."""

    models = [Contribution]
    template_name = "participation/admin/bulk_decision.html"
    form_class = DecisionForm
    needs_rule = False
    decisions = DECISIONS
    # What a decision's email and log entry read of each item, fetched with it.
    related = ["process"]

    @staticmethod
    def readable(user):
        return readable_contributions(user)

    def dispatch(self, request, *args, **kwargs):
        with one_action(request.user):
            return super().dispatch(request, *args, **kwargs)

    def get_all_objects_in_listing_query(self, parent_id):
        # "Every item of the listing": those the moderator reads, never the whole table.
        return self.readable(self.request.user).values_list("pk", flat=True)

    def get_actionable_objects(self):
        ids = self.request.GET.getlist("id")
        if "all" not in ids:
            ids = [pk for pk in ids if pk.isascii() and pk.isdigit() and len(pk) < 19]
        self.readable_ids = set(
            self.readable(self.request.user)
            .filter(pk__in=self.get_all_objects_in_listing_query(None) if "all" in ids else ids)
            .values_list("pk", flat=True)
        )
        return super().get_actionable_objects()

    def get_queryset(self, model, object_ids):
        return get_list_or_404(model.objects.select_related(*self.related), pk__in=object_ids)

    def check_perm(self, item):
        # The same refusal as one by one: another commune's, an unconfirmed one, an ended commune's.
        return item.pk in self.readable_ids and can_moderate(self.request.user, item)

    def object_context(self, item):
        return {"item": item}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **kwargs, needs_rule=self.needs_rule, action_label=self.display_name, header_icon="comment"
        )

    def get_execution_context(self):
        return {**super().get_execution_context(), "self": self}

    def form_valid(self, form):
        if self.needs_rule and not (form.cleaned_data.get("rule_key") and form.cleaned_data.get("reason", "").strip()):
            form.add_error("rule_key", _("Citez la règle de la charte et expliquez la décision à l'auteur."))
            return self.form_invalid(form)
        return super().form_valid(form)

    @classmethod
    def execute_action(cls, objects, self=None, **kwargs):
        decide, _success = cls.decisions[cls.decision]
        decided = 0
        for item in objects:
            try:
                decide(item, self.request.user, self.cleaned_form.cleaned_data)
            except ValidationError:
                continue  # a decision that does not apply to this one (its state, or a pending appeal)
            decided += 1
        return decided, 0

    def get_success_message(self, num_parent_objects, num_child_objects):
        return ngettext(
            "%(count)d contribution traitée.", "%(count)d contributions traitées.", french_plural(num_parent_objects)
        ) % {"count": num_parent_objects}


class ApproveBulkAction(ModerationBulkAction):
    display_name = gettext_lazy("Publier")
    action_type = "approve"
    aria_label = gettext_lazy("Publier les contributions sélectionnées")
    decision = "approve"


class RejectBulkAction(ModerationBulkAction):
    display_name = gettext_lazy("Refuser")
    action_type = "reject"
    aria_label = gettext_lazy("Refuser les contributions sélectionnées")
    decision = "reject"
    needs_rule = True


class HideBulkAction(ModerationBulkAction):
    display_name = gettext_lazy("Masquer")
    action_type = "hide"
    aria_label = gettext_lazy("Masquer les contributions sélectionnées")
    decision = "hide"
    needs_rule = True


class RestoreBulkAction(ModerationBulkAction):
    display_name = gettext_lazy("Rétablir")
    action_type = "restore"
    aria_label = gettext_lazy("Publier à nouveau les contributions sélectionnées")
    decision = "restore"


BULK_ACTIONS = [ApproveBulkAction, RejectBulkAction, HideBulkAction, RestoreBulkAction]


# --- The dashboard: how many contributions await each moderator ------------------------------


class ModerationPanel(Component):
    name = "moderation"
    order = 40
    template_name = "participation/admin/moderation_panel.html"

    def __init__(self, counts):
        self.counts = counts

    def get_context_data(self, parent_context):
        list_url = reverse(f"{MODERATION_URLS}:index")
        queues = [(label, count, f"{list_url}?queue={key}") for key, label, count in self.counts]
        # Other queues (comments: admin.comments) as (label, count, url).
        return {"queues": queues + list(getattr(self, "more_queues", []))}


def add_moderation_panel(request, panels):
    if not moderated_commune_ids(request.user) or not request.user.has_perm("participation.view_contribution"):
        return
    contributions = moderation_queue(request.user)
    counts = [
        (Queue.AWAITING, _("Contributions à modérer"), contributions.filter(queue_filter(Queue.AWAITING)).count()),
        (Queue.REPORTED, _("Contributions signalées"), contributions.filter(queue_filter(Queue.REPORTED)).count()),
        (
            Queue.APPEALED,
            _("Contestations à examiner"),
            contributions.filter(queue_filter(Queue.APPEALED)).exclude(appeal__original_moderator=request.user).count(),
        ),
    ]
    panels.append(ModerationPanel(counts))


LOG_ACTIONS = [
    ("participation.contribution_confirmed", gettext_lazy("Contribution confirmée par son auteur")),
    ("participation.contribution_approved", gettext_lazy("Contribution publiée")),
    ("participation.contribution_rejected", gettext_lazy("Contribution refusée")),
    ("participation.contribution_hidden", gettext_lazy("Contribution masquée")),
    ("participation.contribution_hidden_by_reports", gettext_lazy("Contribution masquée après signalements")),
    ("participation.contribution_restored", gettext_lazy("Contribution rétablie")),
    ("participation.appeal_filed", gettext_lazy("Décision contestée par l'auteur")),
    ("participation.appeal_upheld", gettext_lazy("Contestation : refus confirmé")),
    ("participation.appeal_overturned", gettext_lazy("Contestation : contribution publiée")),
    ("participation.contribution_withdrawn", gettext_lazy("Contribution retirée par son auteur")),
    ("participation.personal_data_erased", gettext_lazy("Données personnelles effacées")),
    ("participation.personal_data_communicated", gettext_lazy("Données d'un contributeur communiquées à sa demande")),
    ("participation.export_anonymised", gettext_lazy("Export anonymisé des contributions")),
    ("participation.export_personal_data", gettext_lazy("Export des contributions avec données personnelles")),
    ("participation.export_questionnaire_answers", gettext_lazy("Export des réponses brutes à un questionnaire")),
]


def register_moderation_log_actions(actions):
    actions.register_model(Contribution, ContributionLogEntry)
    for action, label in LOG_ACTIONS:
        actions.register_action(action, label, label)
