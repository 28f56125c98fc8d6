"""Moderation of comments in the admin: the same queues, decisions, bulk actions, appeals and audit log as
contributions (`admin.moderation`), found through the comment policy (`participation.permissions`), which asks the
same questions as the contribution policy: a moderator reads their communes' comments and decides on them while
the convention is active.
"""

import django_filters
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.permissions import policy_registry

from communes.models import Commune
from core.typography import french_plural
from core.viewsets import PolicyScopedModelViewSet

from ..models import Comment, CommentLogEntry, ProcessPage
from ..permissions import can_moderate
from ..services.moderation import approve, hide, reject, restore
from .moderation import (
    ApproveBulkAction,
    ContributionIndexView,
    ContributionInspectView,
    HideBulkAction,
    ModerationPanel,
    Queue,
    RejectBulkAction,
    RestoreBulkAction,
    decision_views,
    queue_filter,
)

COMMENT_URLS = "comments"


def readable_comments(user):
    return policy_registry.get_by_type(Comment).instances_user_has_permission_for(user, "view")


def comment_queue(user):
    """The comments `user` reads in moderation, with what the queue shows of each."""
    return (
        readable_comments(user)
        .select_related("contribution__process", "commune", "decided_by")
        .annotate(open_reports=Count("reports", filter=Q(reports__resolved_at__isnull=True)))
    )


class CommentFilterSet(WagtailFilterSet):
    queue = django_filters.ChoiceFilter(
        label=gettext_lazy("File de modération"), choices=Queue.choices, method="filter_queue"
    )
    process = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Démarche"), field_name="contribution__process", queryset=ProcessPage.objects.none()
    )
    commune = django_filters.ModelChoiceFilter(label=gettext_lazy("Commune"), queryset=Commune.objects.none())

    class Meta:
        model = Comment
        fields = ["status"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        # Choices from what the user reads only: titles of others' processes stay hidden.
        readable = readable_comments(request.user) if request else Comment.objects.none()
        self.filters["process"].queryset = ProcessPage.objects.filter(
            pk__in=readable.values("contribution__process")
        ).order_by("title")
        self.filters["commune"].queryset = Commune.objects.filter(pk__in=readable.values("commune"))

    def filter_queue(self, queryset, name, value):
        return queryset.filter(queue_filter(value))


class CommentIndexView(ContributionIndexView):
    def get_base_queryset(self):
        return comment_queue(self.request.user).order_by("-created_at")

    @cached_property
    def no_results_message(self):
        if self.is_searching or self.is_filtering:
            return _("Aucun commentaire ne correspond à votre recherche.")
        return _("Aucun commentaire à modérer.")


class CommentInspectView(ContributionInspectView):
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        comment = self.object
        context.update(
            is_comment=True,
            commented=comment.contribution,
            urls={
                action: reverse("participation_moderate_comment", args=[comment.pk, action])
                for action in ("approve", "reject", "hide", "restore")
            },
            appeal_url=reverse("participation_decide_comment_appeal", args=[comment.pk]),
        )
        return context


class CommentViewSet(PolicyScopedModelViewSet):
    """Moderators see only their commune's comments; the email is not shown (not needed to moderate)."""

    model = Comment
    name = COMMENT_URLS
    icon = "comment"
    menu_label = gettext_lazy("Commentaires")
    menu_order = 151
    add_to_admin_menu = True
    index_view_class = CommentIndexView
    index_template_name = "participation/admin/comment_index.html"
    inspect_view_class = CommentInspectView
    inspect_view_enabled = True
    inspect_template_name = "participation/admin/comment_inspect.html"
    inspect_view_fields = [
        "contribution",
        "parent",
        "commune",
        "pseudonym",
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
    list_display = [
        TitleColumn(
            "excerpt",
            label=gettext_lazy("Commentaire"),
            accessor="excerpt",
            get_url=lambda comment: reverse(f"{COMMENT_URLS}:inspect", args=[comment.pk]),
        ),
        Column("process", label=gettext_lazy("Démarche"), accessor="contribution.process"),
        "commune",
        "status",
        Column("open_reports", label=gettext_lazy("Signalements")),
        "created_at",
    ]
    form_fields = []
    filterset_class = CommentFilterSet
    search_fields = ["text", "pseudonym"]
    search_backend_name = None
    list_per_page = 50


# --- Decisions, one by one ----------------------------------------------------------------------


def _comment_for(user, pk):
    """A comment `user` may decide on; another commune's is not found, an ended commune's is refused.

    Read as the queue reads it, without what the queue shows of it (open reports, who decided): the decision needs
    only its contribution's process (the email to its author)."""
    comment = get_object_or_404(readable_comments(user).select_related("contribution__process"), pk=pk)
    if not can_moderate(user, comment):
        raise PermissionDenied
    return comment


COMMENT_DECISIONS = {
    "approve": (lambda c, user, data: approve(c, user), gettext_lazy("Commentaire publié.")),
    "restore": (lambda c, user, data: restore(c, user), gettext_lazy("Commentaire publié à nouveau.")),
    "reject": (
        lambda c, user, data: reject(c, user, rule_key=data["rule_key"], reason=data["reason"]),
        gettext_lazy("Commentaire refusé ; l'auteur est informé de la règle et peut contester une fois."),
    ),
    "hide": (
        lambda c, user, data: hide(c, user, rule_key=data["rule_key"], reason=data["reason"]),
        gettext_lazy("Commentaire masqué ; l'auteur en est informé."),
    ),
}


moderate_comment, decide_comment_appeal = decision_views(_comment_for, COMMENT_DECISIONS, COMMENT_URLS)


def comment_moderation_urls():
    return [
        path(
            "moderation/commentaires/<int:pk>/contestation/",
            decide_comment_appeal,
            name="participation_decide_comment_appeal",
        ),
        path("moderation/commentaires/<int:pk>/<str:action>/", moderate_comment, name="participation_moderate_comment"),
    ]


# --- Decisions in bulk: the contributions' actions, on comments -------------------------------------


class CommentBulkActionMixin:
    models = [Comment]
    decisions = COMMENT_DECISIONS
    related = ["contribution__process"]

    @staticmethod
    def readable(user):
        return readable_comments(user)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "is_comment": True}

    def get_success_message(self, num_parent_objects, num_child_objects):
        return ngettext(
            "%(count)d commentaire traité.", "%(count)d commentaires traités.", french_plural(num_parent_objects)
        ) % {"count": num_parent_objects}


class ApproveCommentsBulkAction(CommentBulkActionMixin, ApproveBulkAction):
    aria_label = gettext_lazy("Publier les commentaires sélectionnés")


class RejectCommentsBulkAction(CommentBulkActionMixin, RejectBulkAction):
    aria_label = gettext_lazy("Refuser les commentaires sélectionnés")


class HideCommentsBulkAction(CommentBulkActionMixin, HideBulkAction):
    aria_label = gettext_lazy("Masquer les commentaires sélectionnés")


class RestoreCommentsBulkAction(CommentBulkActionMixin, RestoreBulkAction):
    aria_label = gettext_lazy("Publier à nouveau les commentaires sélectionnés")


COMMENT_BULK_ACTIONS = [
    ApproveCommentsBulkAction,
    RejectCommentsBulkAction,
    HideCommentsBulkAction,
    RestoreCommentsBulkAction,
]


# --- The audit log -----------------------------------------------------------------------------------

COMMENT_LOG_ACTIONS = [
    ("participation.comment_confirmed", gettext_lazy("Commentaire confirmé par son auteur")),
    ("participation.comment_approved", gettext_lazy("Commentaire publié")),
    ("participation.comment_rejected", gettext_lazy("Commentaire refusé")),
    ("participation.comment_hidden", gettext_lazy("Commentaire masqué")),
    ("participation.comment_hidden_by_reports", gettext_lazy("Commentaire masqué après signalements")),
    ("participation.comment_restored", gettext_lazy("Commentaire rétabli")),
    ("participation.comment_withdrawn", gettext_lazy("Commentaire retiré par son auteur")),
]


def register_comment_log_actions(actions):
    actions.register_model(Comment, CommentLogEntry)
    for action, label in COMMENT_LOG_ACTIONS:
        actions.register_action(action, label, label)


def comment_counts(user):
    """(queue, label, count) of the comments awaiting `user`, for the dashboard's moderation panel."""
    comments = comment_queue(user)
    return [
        (Queue.AWAITING, _("Commentaires à modérer"), comments.filter(queue_filter(Queue.AWAITING)).count()),
        (Queue.REPORTED, _("Commentaires signalés"), comments.filter(queue_filter(Queue.REPORTED)).count()),
        (
            Queue.APPEALED,
            _("Contestations de commentaires"),
            comments.filter(queue_filter(Queue.APPEALED)).exclude(appeal__original_moderator=user).count(),
        ),
    ]


def add_comment_queues(request, panels):
    """The comment queues join the contributions' in the dashboard's moderation panel (added just before)."""
    for panel in panels:
        if isinstance(panel, ModerationPanel):
            list_url = reverse(f"{COMMENT_URLS}:index")
            panel.more_queues = [
                (label, count, f"{list_url}?queue={key}") for key, label, count in comment_counts(request.user)
            ]
