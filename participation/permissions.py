"""Who may see and act on what citizens brought (DESIGN invariants 5 and 6): the participation app's policies.

One rule per question, asked by every layer: the admin's listings, inspect and history views, choosers, bulk
actions, the dashboard, exports and the services themselves.
- A commune's moderators read its contributions and their audit log, whatever the state of its convention
  (`moderated_commune_ids`); they decide on them only while the convention is active (`can_moderate`).
  Métropole staff read and decide on every commune's.
- A commune's editors and moderators read who registered for its meetings.
"""

import contextlib
import contextvars
import functools

from django.db.models import Q
from wagtail.permissions import register_permission_policy

from communes.gate import active_commune_ids
from communes.models import Commune, CommuneRole, CommuneSpacePage
from communes.policies import sees_everything
from communes.roles import commune_ids_for
from core.permissions import ScopedPermissionPolicy

from .models import Comment, Contribution, ContributionStatus, EventRegistration

READ_ACTIONS = {"view"}

# Within `one_action`: {(question, user id): answer}, so that the checks of one request's decisions (a hundred in a
# bulk action) read the user's communes once, not once per contribution.
_answers = contextvars.ContextVar("participation_permission_answers", default=None)


@contextlib.contextmanager
def one_action(user):
    """The permission checks made inside are one action's: each question about `user` is read once."""
    token = _answers.set({})
    try:
        yield
    finally:
        _answers.reset(token)


def _answered_once(question):
    def decorate(function):
        @functools.wraps(function)
        def answer(user):
            answers = _answers.get()
            if answers is None:
                return function(user)
            key = (question, user.pk)
            if key not in answers:
                answers[key] = function(user)
            return answers[key]

        return answer

    return decorate


@_answered_once("moderated")
def moderated_commune_ids(user):
    """The communes whose contributions `user` reads in moderation: their own as moderators, every one for staff."""
    if not user.is_authenticated or not user.is_active:
        return set()
    if sees_everything(user):
        return set(Commune.objects.values_list("pk", flat=True))
    return commune_ids_for(user, CommuneRole.MODERATORS)


@_answered_once("decidable")
def decidable_commune_ids(user):
    """The communes whose contributions `user` decides on: an ended commune's moderators only read its history."""
    moderated = moderated_commune_ids(user)
    if sees_everything(user):
        return moderated
    return moderated & active_commune_ids()


def can_moderate(user, contribution):
    """May `user` decide on this contribution, or on this comment (both carry their commune)?"""
    return contribution.commune_id in decidable_commune_ids(user)


def can_decide_appeal(user, appeal):
    """Never the moderator who decided first (Art. 7: moderation accountable to someone else)."""
    return can_moderate(user, appeal.target) and appeal.original_moderator_id != user.pk


def organised_commune_ids(user):
    """The communes whose meetings `user` organises: their editors and moderators; every one for staff."""
    if not user.is_authenticated or not user.is_active:
        return set()
    if sees_everything(user):
        return set(Commune.objects.values_list("pk", flat=True))
    return commune_ids_for(user, CommuneRole.EDITORS) | commune_ids_for(user, CommuneRole.MODERATORS)


# --- Official answers (issue 14): a commune answers what its citizens proposed ------------------------------


def answerable_commune_ids(user):
    """The communes whose contributions `user` answers: their own as editors or moderators while the convention is
    active (an ended commune answers nothing more), every one for Métropole staff."""
    if not user.is_authenticated or not user.is_active:
        return set()
    if sees_everything(user):
        return set(Commune.objects.values_list("pk", flat=True))
    own = commune_ids_for(user, CommuneRole.EDITORS) | commune_ids_for(user, CommuneRole.MODERATORS)
    return own & active_commune_ids()


def answerable_contributions(user):
    """The published contributions `user` may answer: what the answers' listing and form look up."""
    return Contribution.objects.published().filter(commune_id__in=answerable_commune_ids(user))


def can_answer(user, contribution):
    """May `user` give `contribution` an official answer? Only a published one, of a commune they answer for."""
    return contribution.status == ContributionStatus.PUBLISHED and contribution.commune_id in answerable_commune_ids(
        user
    )


class ContributionPermissionPolicy(ScopedPermissionPolicy):
    """Moderators read their communes' contributions; they act on them while the convention is active.

    No one adds, edits or deletes one in the admin: its author writes it, moderators decide through the moderation
    views (logged, citing the charter), and personal data go through the data-rights services.
    """

    refused_actions = frozenset({"add", "change", "delete"})

    def scope(self, user, action):
        communes = moderated_commune_ids(user) if action in READ_ACTIONS else decidable_commune_ids(user)
        # An unconfirmed contribution is nobody's business yet: its author has not confirmed it.
        return Contribution.objects.filter(commune_id__in=communes).exclude(
            status=ContributionStatus.AWAITING_CONFIRMATION
        )


class CommentPermissionPolicy(ContributionPermissionPolicy):
    """Comments are moderated exactly like contributions: by the same people (the contribution's model permissions
    are asked, `auth_model`), in the same communes, under the same rules."""

    def __init__(self):
        super().__init__(Comment, auth_model=Contribution)

    def scope(self, user, action):
        communes = moderated_commune_ids(user) if action in READ_ACTIONS else decidable_commune_ids(user)
        return Comment.objects.filter(commune_id__in=communes).exclude(status=ContributionStatus.AWAITING_CONFIRMATION)


class EventRegistrationPermissionPolicy(ScopedPermissionPolicy):
    """Who registered for a meeting: read by the commune organising it, and by Métropole staff.

    A registration is the citizen's own statement: no one adds or rewrites one in the admin; staff may delete one
    (a citizen's request).
    """

    refused_actions = frozenset({"add", "change"})

    def scope(self, user, action):
        if action not in READ_ACTIONS and not sees_everything(user):
            return EventRegistration.objects.none()
        paths = CommuneSpacePage.objects.filter(commune_id__in=organised_commune_ids(user)).values_list(
            "path", flat=True
        )
        under = Q(pk__in=[])
        for space_path in paths:
            under |= Q(process__path__startswith=space_path)
        # An unconfirmed registration is nobody's business yet: perhaps not even its address's owner's request.
        return EventRegistration.objects.confirmed().filter(under)


def register_policies():
    register_permission_policy(Contribution, ContributionPermissionPolicy(Contribution))
    register_permission_policy(Comment, CommentPermissionPolicy())
    register_permission_policy(EventRegistration, EventRegistrationPermissionPolicy(EventRegistration))
