"""Participatory processes (Wagtail pages) and what citizens bring to them (plain Django models)."""

from .abuse import RateLimitCounter
from .contributions import (
    CONTRIBUTION_MAX_LENGTH,
    CONTRIBUTION_MIN_LENGTH,
    PSEUDONYM_MAX_LENGTH,
    PUBLIC_STATUSES,
    Appeal,
    AppealOutcome,
    Contribution,
    ContributionLogEntry,
    ContributionQuerySet,
    ContributionStatus,
    KeyedByEmailMixin,
    Report,
    contributor_key,
)
from .events import EventRegistration
from .processes import (
    Audience,
    ModerationMode,
    ProcessPage,
    ProcessPageQuerySet,
    ProcessPhase,
    ProcessState,
    Theme,
    open_first,
)
from .questionnaires import QuestionnaireField, QuestionnairePage

__all__ = [
    "CONTRIBUTION_MAX_LENGTH",
    "CONTRIBUTION_MIN_LENGTH",
    "PSEUDONYM_MAX_LENGTH",
    "PUBLIC_STATUSES",
    "Appeal",
    "AppealOutcome",
    "Audience",
    "Contribution",
    "ContributionLogEntry",
    "ContributionQuerySet",
    "ContributionStatus",
    "EventRegistration",
    "KeyedByEmailMixin",
    "ModerationMode",
    "ProcessPage",
    "ProcessPageQuerySet",
    "ProcessPhase",
    "ProcessState",
    "QuestionnaireField",
    "QuestionnairePage",
    "RateLimitCounter",
    "Report",
    "Theme",
    "contributor_key",
    "open_first",
]
