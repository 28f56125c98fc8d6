"""Who may moderate which contributions (invariant 5): one rule that every layer calls."""

from communes.models import Commune, CommuneRole
from communes.permissions import commune_ids_for, is_metropole_staff


def moderated_commune_ids(user):
    """The communes whose contributions `user` moderates: their own as moderators, every one for staff."""
    if not user.is_authenticated or not user.is_active:
        return set()
    if user.is_superuser or is_metropole_staff(user):
        return set(Commune.objects.values_list("pk", flat=True))
    return commune_ids_for(user, CommuneRole.MODERATORS)


def can_moderate(user, contribution):
    return contribution.commune_id in moderated_commune_ids(user)


def can_decide_appeal(user, appeal):
    """Never the moderator who decided first (Art. 7: moderation accountable to someone else)."""
    return can_moderate(user, appeal.contribution) and appeal.original_moderator_id != user.pk


def moderation_queryset(user, queryset):
    return queryset.filter(commune_id__in=moderated_commune_ids(user))
