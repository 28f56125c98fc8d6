"""Moderation in the Wagtail admin: each commune's queue, decisions one by one and in bulk, appeals."""

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from wagtail import hooks
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.log_actions import log
from wagtail.snippets.bulk_actions.snippet_bulk_action import SnippetBulkAction
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import EditView, HistoryView, IndexView, InspectView, SnippetViewSet, UsageView

from charter.services import current_charter_rules
from communes.gate import commune_space_of
from communes.models import Commune
from home.admin_choosers import (
    PermissionCheckedChooseResultsView,
    PermissionCheckedChooserViewSet,
    PermissionCheckedChooseView,
)

from .exports import csv_response, json_response, xlsx_response
from .models import (
    AppealOutcome,
    Contribution,
    ContributionLogEntry,
    ContributionStatus,
    EventRegistration,
    ProcessPage,
    QuestionnairePage,
    Theme,
)
from .permissions import can_decide_appeal, can_moderate, moderated_commune_ids
from .personal_data import (
    anonymised_rows,
    contributor_key,
    erase_personal_data,
    log_export,
    personal_rows,
    questionnaire_rows,
    questionnaires_of,
    stored_data_of,
)
from .services import approve, decide_appeal, hide, reject, restore

MODERATION_URLS = "wagtailsnippets_participation_contribution"


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


def scoped_contributions(user):
    """The contributions `user` may see and act on: their communes' only (Métropole staff: all)."""
    return (
        Contribution.objects.filter(commune_id__in=moderated_commune_ids(user))
        .exclude(status=ContributionStatus.AWAITING_CONFIRMATION)
        .select_related("process", "commune", "decided_by")
        .annotate(open_reports=Count("reports", filter=Q(reports__resolved_at__isnull=True)))
    )


class ContributionFilterSet(WagtailFilterSet):
    queue = django_filters.ChoiceFilter(label=gettext_lazy("File"), choices=Queue.choices, method="filter_queue")
    process = django_filters.ModelChoiceFilter(label=gettext_lazy("Démarche"), queryset=ProcessPage.objects.none())
    commune = django_filters.ModelChoiceFilter(label=gettext_lazy("Commune"), queryset=Commune.objects.none())

    class Meta:
        model = Contribution
        fields = ["status"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        # Choices from the user's own communes only: titles of others' drafts or internal processes stay hidden.
        communes = moderated_commune_ids(request.user) if request else set()
        processes = Contribution.objects.filter(commune_id__in=communes).values("process")
        self.filters["process"].queryset = ProcessPage.objects.filter(pk__in=processes).order_by("title")
        self.filters["commune"].queryset = Commune.objects.filter(pk__in=communes)

    def filter_queue(self, queryset, name, value):
        return queryset.filter(queue_filter(value))


class ContributionIndexView(IndexView):
    def get_base_queryset(self):
        return scoped_contributions(self.request.user).order_by("-created_at")


class ScopedContributionMixin:
    # Every view of one contribution (inspect, history, usage, edit) finds only the user's communes' ones.
    def get_base_object_queryset(self):
        return scoped_contributions(self.request.user)


class ContributionHistoryView(ScopedContributionMixin, HistoryView):
    pass


class ContributionUsageView(ScopedContributionMixin, UsageView):
    pass


class ContributionEditView(ScopedContributionMixin, EditView):
    pass


class ContributionInspectView(ScopedContributionMixin, InspectView):
    def get_object(self, queryset=None):
        # Another commune's contribution is not found, rather than shown.
        return get_object_or_404(self.get_base_object_queryset(), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        contribution = self.object
        appeal = getattr(contribution, "appeal", None)
        context.update(
            contribution=contribution,
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
        )
        return context


class ContributionChooseView(PermissionCheckedChooseView):
    def scope_queryset(self, queryset):
        return scoped_contributions(self.request.user)


class ContributionChooseResultsView(PermissionCheckedChooseResultsView):
    def scope_queryset(self, queryset):
        return scoped_contributions(self.request.user)


class ContributionChooserViewSet(PermissionCheckedChooserViewSet):
    choose_view_class = ContributionChooseView
    choose_results_view_class = ContributionChooseResultsView


class ContributionViewSet(SnippetViewSet):
    """Moderators see only their commune's contributions; the email is not shown (not needed to moderate)."""

    model = Contribution
    chooser_viewset_class = ContributionChooserViewSet
    icon = "comment"
    menu_label = gettext_lazy("Modération")
    menu_order = 150
    add_to_admin_menu = True
    index_view_class = ContributionIndexView
    inspect_view_class = ContributionInspectView
    history_view_class = ContributionHistoryView
    usage_view_class = ContributionUsageView
    edit_view_class = ContributionEditView
    inspect_view_enabled = True
    inspect_template_name = "participation/admin/contribution_inspect.html"
    inspect_view_fields = [
        "process",
        "commune",
        "pseudonym",
        "theme",
        "status",
        "created_at",
        "confirmed_at",
        "published_at",
        "decided_by",
        "decided_at",
        "rule_title",
        "decision_reason",
        "charter_version",
        "terms_version",
    ]
    copy_view_enabled = False
    list_display = [
        # Moderators have no edit view: the row opens the full text and the decision forms.
        TitleColumn(
            "excerpt",
            label=gettext_lazy("Contribution"),
            accessor="excerpt",
            get_url=lambda contribution: reverse(f"{MODERATION_URLS}:inspect", args=[contribution.pk]),
        ),
        "process",
        "commune",
        "status",
        Column("open_reports", label=gettext_lazy("Signalements")),
        "created_at",
    ]
    filterset_class = ContributionFilterSet
    search_fields = ["text", "pseudonym"]
    search_backend_name = None
    list_per_page = 50


class ThemeViewSet(SnippetViewSet):
    model = Theme
    chooser_viewset_class = PermissionCheckedChooserViewSet
    icon = "tag"
    menu_label = gettext_lazy("Thèmes")
    search_fields = ["name"]
    search_backend_name = None


register_snippet(ContributionViewSet)
register_snippet(ThemeViewSet)


# --- Decisions, one by one ----------------------------------------------------------------


class DecisionForm(forms.Form):
    rule_key = forms.ChoiceField(label=gettext_lazy("Règle de la charte"), required=False)
    reason = forms.CharField(label=gettext_lazy("Explication pour l'auteur"), required=False, widget=forms.Textarea)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule_key"].choices = [("", "—")] + current_charter_rules()


def _contribution_for(user, pk):
    contribution = get_object_or_404(scoped_contributions(user), pk=pk)
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


@require_POST
def moderate(request, pk, action):
    if action not in DECISIONS:
        raise PermissionDenied
    contribution = _contribution_for(request.user, pk)
    data = {"rule_key": request.POST.get("rule_key", ""), "reason": request.POST.get("reason", "")}
    decide, success = DECISIONS[action]
    try:
        decide(contribution, request.user, data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success)
    return redirect(reverse(f"{MODERATION_URLS}:inspect", args=[contribution.pk]))


@require_POST
def decide_appeal_view(request, pk):
    contribution = _contribution_for(request.user, pk)
    appeal = getattr(contribution, "appeal", None)
    if appeal is None or not can_decide_appeal(request.user, appeal):
        raise PermissionDenied
    try:
        decide_appeal(
            appeal, request.user, outcome=request.POST.get("outcome", ""), response=request.POST.get("response", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Réponse envoyée à l'auteur ; la décision est définitive."))
    return redirect(reverse(f"{MODERATION_URLS}:inspect", args=[contribution.pk]))


@hooks.register("register_admin_urls")
def register_moderation_urls():
    return [
        path("moderation/<int:pk>/contestation/", decide_appeal_view, name="participation_decide_appeal"),
        path("moderation/<int:pk>/<str:action>/", moderate, name="participation_moderate"),
    ]


# --- Decisions in bulk ----------------------------------------------------------------------


class ModerationBulkAction(SnippetBulkAction):
    models = [Contribution]
    template_name = "participation/admin/bulk_decision.html"
    form_class = DecisionForm
    needs_rule = False

    def check_perm(self, contribution):
        # The same scope as the listing: never another commune's, never an unconfirmed one.
        return scoped_contributions(self.request.user).filter(pk=contribution.pk).exists()

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, needs_rule=self.needs_rule, action_label=self.display_name)

    def form_valid(self, form):
        if self.needs_rule and not (form.cleaned_data.get("rule_key") and form.cleaned_data.get("reason", "").strip()):
            form.add_error("rule_key", _("Citez la règle de la charte et expliquez la décision à l'auteur."))
            return self.form_invalid(form)
        return super().form_valid(form)

    @classmethod
    def execute_action(cls, objects, self=None, **kwargs):
        decide, _success = DECISIONS[cls.decision]
        decided = 0
        for contribution in objects:
            try:
                decide(contribution, self.request.user, self.cleaned_form.cleaned_data)
            except ValidationError:
                continue  # a decision that does not apply to this one (its state, or a pending appeal)
            decided += 1
        return decided, 0

    def get_success_message(self, num_parent_objects, num_child_objects):
        return ngettext("%(count)d contribution traitée.", "%(count)d contributions traitées.", num_parent_objects) % {
            "count": num_parent_objects
        }


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


for bulk_action in (ApproveBulkAction, RejectBulkAction, HideBulkAction, RestoreBulkAction):
    hooks.register("register_bulk_action", bulk_action)


# --- The dashboard: how many contributions await each moderator ------------------------------


class ModerationPanel(Component):
    name = "moderation"
    order = 40
    template_name = "participation/admin/moderation_panel.html"

    def __init__(self, counts):
        self.counts = counts

    def get_context_data(self, parent_context):
        list_url = reverse(f"{MODERATION_URLS}:list")
        return {"queues": [(label, count, f"{list_url}?queue={key}") for key, label, count in self.counts]}


@hooks.register("construct_homepage_panels")
def add_moderation_panel(request, panels):
    if not moderated_commune_ids(request.user) or not request.user.has_perm("participation.view_contribution"):
        return
    contributions = scoped_contributions(request.user)
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


@hooks.register("register_log_actions")
def register_moderation_log_actions(actions):
    actions.register_model(Contribution, ContributionLogEntry)
    for action, label in [
        ("participation.contribution_confirmed", _("Contribution confirmée par son auteur")),
        ("participation.contribution_approved", _("Contribution publiée")),
        ("participation.contribution_rejected", _("Contribution refusée")),
        ("participation.contribution_hidden", _("Contribution masquée")),
        ("participation.contribution_hidden_by_reports", _("Contribution masquée après signalements")),
        ("participation.contribution_restored", _("Contribution rétablie")),
        ("participation.appeal_filed", _("Décision contestée par l'auteur")),
        ("participation.appeal_upheld", _("Contestation : refus confirmé")),
        ("participation.appeal_overturned", _("Contestation : contribution publiée")),
        ("participation.contribution_withdrawn", _("Contribution retirée par son auteur")),
        ("participation.personal_data_erased", _("Données personnelles effacées")),
        ("participation.personal_data_communicated", _("Données d'un contributeur communiquées à sa demande")),
        ("participation.export_anonymised", _("Export anonymisé des contributions")),
        ("participation.export_personal_data", _("Export des contributions avec données personnelles")),
    ]:
        actions.register_action(action, label, label)


# --- Exports for the analysis phase, and data-rights requests received by post or email (Art. 6-7) ----


def _moderated_process(user, pk):
    process = get_object_or_404(ProcessPage, pk=pk)
    space = commune_space_of(process)
    if space is None or space.commune_id not in moderated_commune_ids(user):
        raise Http404
    return process


def _forbidden(request, message):
    return TemplateResponse(request, "participation/admin/forbidden.html", {"message": message}, status=403)


def exports_index(request):
    if not moderated_commune_ids(request.user):
        return _forbidden(request, _("Les exports sont réservés aux modérateurs et à la Métropole."))
    processes = [
        process
        for process in ProcessPage.objects.order_by("title").with_schedule().with_commune_name()
        if commune_space_of(process).commune_id in moderated_commune_ids(request.user)
    ]
    return TemplateResponse(
        request,
        "participation/admin/exports.html",
        {
            "processes": processes,
            "may_export_personal_data": request.user.has_perm("participation.export_personal_data"),
        },
    )


def _export(process, file_format, rows, questionnaire_rows_of):
    filename = f"contributions-{process.slug}"
    if file_format == "csv":
        return csv_response(rows(process), filename)
    sheets = [(_("Contributions"), rows(process))]
    sheets += [
        (questionnaire.title, questionnaire_rows_of(questionnaire)) for questionnaire in questionnaires_of(process)
    ]
    return xlsx_response(sheets, filename)


def export_anonymised(request, pk, file_format):
    """The default export, for outside contractors: no email, pseudonym or IP; free text masked."""
    process = _moderated_process(request.user, pk)
    if file_format not in ("csv", "xlsx"):
        raise Http404
    log_export(process, request.user, file_format=file_format, with_personal_data=False)
    if questionnaire_id := request.GET.get("questionnaire"):
        questionnaire = get_object_or_404(questionnaires_of(process), pk=questionnaire_id)
        return csv_response(questionnaire_rows(questionnaire), f"questionnaire-{questionnaire.slug}")
    return _export(process, file_format, anonymised_rows, questionnaire_rows)


class PersonalExportForm(forms.Form):
    file_format = forms.ChoiceField(label=gettext_lazy("Format"), choices=[("xlsx", "XLSX"), ("csv", "CSV")])
    reason = forms.CharField(
        label=gettext_lazy("Motif de l'export avec données personnelles"),
        min_length=10,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Enregistré dans le journal avec votre nom, la date et la démarche."),
    )


@sensitive_post_parameters()
def export_personal(request, pk):
    """With personal data: a dedicated permission, a reason, and who/when/what/why in the audit log."""
    if not request.user.has_perm("participation.export_personal_data"):
        return _forbidden(request, _("L'export avec données personnelles demande une autorisation particulière."))
    process = _moderated_process(request.user, pk)
    form = PersonalExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        log_export(
            process,
            request.user,
            file_format=form.cleaned_data["file_format"],
            with_personal_data=True,
            reason=form.cleaned_data["reason"],
        )
        return _export(
            process,
            form.cleaned_data["file_format"],
            personal_rows,
            lambda questionnaire: questionnaire_rows(questionnaire, with_personal_data=True),
        )
    return TemplateResponse(request, "participation/admin/export_personal.html", {"process": process, "form": form})


class DataRightsForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Adresse électronique du contributeur"))
    action = forms.ChoiceField(
        label=gettext_lazy("Demande"),
        choices=[
            ("download", gettext_lazy("Communiquer ses données (JSON)")),
            ("erase", gettext_lazy("Effacer ses données")),
        ],
        widget=forms.RadioSelect,
    )
    keep_text = forms.BooleanField(
        label=gettext_lazy("Laisser le texte des contributions publiées, sans pseudonyme"), required=False
    )


@sensitive_post_parameters()
def data_rights_request(request):
    """Staff handle a request received by post or email exactly as the contributor's own link would."""
    if not request.user.has_perm("participation.export_personal_data"):
        return _forbidden(request, _("Les demandes d'exercice des droits sont traitées par la Métropole."))
    form = DataRightsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        key = contributor_key(form.cleaned_data["email"])
        if form.cleaned_data["action"] == "download":
            log(request.user, "participation.personal_data_communicated", user=request.user)
            return json_response(stored_data_of(key), "donnees-contributeur")
        count = erase_personal_data(key, keep_published_text=form.cleaned_data["keep_text"], user=request.user)
        messages.success(request, _("%(count)s contribution(s) anonymisée(s).") % {"count": count})
        return redirect("participation_data_rights")
    return TemplateResponse(request, "participation/admin/data_rights.html", {"form": form})


@hooks.register("register_admin_urls")
def register_personal_data_urls():
    return [
        path("moderation/exports/", exports_index, name="participation_exports"),
        path("moderation/exports/<int:pk>/anonyme.<str:file_format>", export_anonymised, name="participation_export"),
        path("moderation/exports/<int:pk>/personnel/", export_personal, name="participation_export_personal"),
        path("moderation/droits/", data_rights_request, name="participation_data_rights"),
    ]


class ExportsMenuItem(MenuItem):
    def is_shown(self, request):
        return bool(moderated_commune_ids(request.user))


@hooks.register("register_admin_menu_item")
def register_exports_menu_item():
    return ExportsMenuItem(
        gettext_lazy("Exports des contributions"), reverse("participation_exports"), icon_name="download", order=160
    )


@hooks.register("before_delete_page")
def keep_what_citizens_brought(request, page):
    # Nothing lost (invariant 2): contributions and questionnaire answers outlive no page deletion.
    if isinstance(page.specific, ProcessPage) and Contribution.objects.filter(process=page).exists():
        messages.error(request, _("Cette démarche a reçu des contributions : dépubliez-la plutôt que de la supprimer."))
        return redirect("wagtailadmin_explore", page.get_parent().pk)
    if (
        isinstance(page.specific, QuestionnairePage)
        and page.specific.get_submission_class().objects.filter(page=page).exists()
    ):
        messages.error(request, _("Ce questionnaire a reçu des réponses : dépubliez-le plutôt que de le supprimer."))
        return redirect("wagtailadmin_explore", page.get_parent().pk)
    return None


# --- Who registered for a meeting: for the commune organising it, and Métropole staff ----------------


def registrations_visible_to(user):
    from communes.models import CommuneRole, CommuneSpacePage
    from communes.permissions import commune_ids_for

    communes = moderated_commune_ids(user) | commune_ids_for(user, CommuneRole.EDITORS)
    paths = CommuneSpacePage.objects.filter(commune_id__in=communes).values_list("path", flat=True)
    under = Q()
    for space_path in paths:
        under |= Q(process__path__startswith=space_path)
    return (
        EventRegistration.objects.filter(under).select_related("process") if under else EventRegistration.objects.none()
    )


class RegistrationIndexView(IndexView):
    def get_base_queryset(self):
        return registrations_visible_to(self.request.user).order_by("process__title", "created_at")


class ScopedRegistrationMixin:
    def get_base_object_queryset(self):
        return registrations_visible_to(self.request.user)


class RegistrationHistoryView(ScopedRegistrationMixin, HistoryView):
    pass


class RegistrationUsageView(ScopedRegistrationMixin, UsageView):
    pass


class RegistrationEditView(ScopedRegistrationMixin, EditView):
    pass


class EventRegistrationViewSet(SnippetViewSet):
    model = EventRegistration
    icon = "group"
    menu_label = gettext_lazy("Inscriptions aux rencontres")
    menu_order = 170
    add_to_admin_menu = True
    index_view_class = RegistrationIndexView
    history_view_class = RegistrationHistoryView
    usage_view_class = RegistrationUsageView
    edit_view_class = RegistrationEditView
    chooser_viewset_class = PermissionCheckedChooserViewSet
    list_display = ["process", "name", "email", "needs", "created_at"]
    search_fields = ["name", "process__title"]
    search_backend_name = None
    copy_view_enabled = False
    inspect_view_enabled = False


register_snippet(EventRegistrationViewSet)


@hooks.register("filter_form_submissions_for_user")
def raw_answers_only_with_the_personal_data_permission(user, editable_forms):
    # Raw questionnaire answers may hold personal data: editors use the masked export instead (Art. 7).
    if user.has_perm("participation.export_personal_data"):
        return editable_forms
    return editable_forms.none()
